/**
 * What the chain id alone tells: a local development chain (anvil, Hardhat, Ganache), or a public
 * network where real money moves. Decides the default number of confirmations and where a mintable
 * test token may be deployed.
 */

/** Chain ids of local development chains: anvil and Hardhat (31337), Ganache and geth --dev (1337). */
export const DEV_CHAIN_IDS: readonly number[] = [31337, 1337];

/** Public mainnets (tokens there are money): a mintable test token is refused on them. */
export const PUBLIC_CHAINS: Readonly<Record<number, string>> = {
  1: 'Ethereum',
  10: 'OP Mainnet',
  56: 'BNB Smart Chain',
  100: 'Gnosis',
  137: 'Polygon PoS',
  250: 'Fantom',
  324: 'zkSync Era',
  1101: 'Polygon zkEVM',
  5000: 'Mantle',
  8453: 'Base',
  42161: 'Arbitrum One',
  42220: 'Celo',
  43114: 'Avalanche C-Chain',
  59144: 'Linea',
  81457: 'Blast',
  534352: 'Scroll',
};

/**
 * Confirmations on a chain that is not a development chain: 12 blocks, about 24 s on Base or OP
 * (2 s blocks) and 2.4 min on Ethereum, deeper than any reorg those chains have seen in normal
 * operation. An operator who wants finality as the chain defines it sets more.
 */
export const SAFE_CONFIRMATIONS = 12;

/** True for a local development chain id. */
export function isDevChain(chainId: number): boolean {
  return DEV_CHAIN_IDS.includes(chainId);
}

/** The default `settlement.evm.confirmations` for `chainId`: 1 on a development chain, SAFE_CONFIRMATIONS elsewhere. */
export function defaultConfirmations(chainId: number): number {
  return isDevChain(chainId) ? 1 : SAFE_CONFIRMATIONS;
}
