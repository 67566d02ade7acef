/**
 * Catalogue entries of the chain tools (`contracts deploy|verify`, `chain dev`) and of the settlement
 * lane's contract check at start.
 */
import type { CatalogueEntry } from './catalogue.js';

export const chainEntries = {
  ANVIL_MISSING: {
    message: 'anvil (the local EVM chain of Foundry) is not installed',
    exitCode: 2,
    suggestion: 'npm install --save-dev @foundry-rs/anvil (it ships the binary), install Foundry, or set ANVIL_BIN to the anvil binary.',
  },
  EVM_KEY_MISSING: {
    message: 'AGENT_RUNTIME_EVM_PRIVATE_KEY is not set',
    exitCode: 2,
    suggestion:
      'Export the deployer key (0x and 64 hex digits) as AGENT_RUNTIME_EVM_PRIVATE_KEY, or put it in ./.env; it is never taken as a flag, which would keep it in your shell history.',
  },
  CHAIN_UNREACHABLE: {
    message: 'Cannot reach the EVM RPC at {url}: {reason}',
    exitCode: 1,
    suggestion: 'Check --rpc-url (or settlement.evm.rpcUrl) and that the node behind it is running.',
  },
  TEST_TOKEN_REFUSED: {
    message: 'A mintable test token is not deployed on {network} (chain id {chainId}): tokens there are money',
    exitCode: 2,
    suggestion: 'Pass --token <address> of the ERC-20 your channels should hold (for example USDC on that network).',
  },
  CONTRACT_NOT_FOUND: {
    message: 'Nothing is deployed at {address} on chain {chainId} (the {what} address)',
    exitCode: 2,
    suggestion: 'Check the address and that --rpc-url serves the chain it was deployed on.',
  },
  CONTRACT_UNKNOWN: {
    message: 'The contract at {address} on chain {chainId} is not a TokenNetwork this package shipped (its code matches no shipped version)',
    exitCode: 2,
    suggestion:
      'Compare it with `agent-runtime contracts verify evm {address} --rpc-url <settlement.evm.rpcUrl>`; deploy ours with `agent-runtime contracts deploy evm` and set settlement.evm.contract to it.',
  },
  TX_FAILED: {
    message: '{what} failed on-chain (tx {txHash})',
    exitCode: 1,
    suggestion: 'Look the transaction up on the chain (a block explorer or `cast receipt`): the deployer may lack gas, or the token may not be an ERC-20.',
  },
  CONFIRMATIONS_TIMEOUT: {
    message: '{what}: transaction {txHash} has {have} of {want} confirmations after {seconds} s',
    exitCode: 1,
    suggestion:
      'Look the transaction up before sending anything again. A local chain that mines only on demand never adds blocks by itself: use --confirmations 1 there, or mine blocks.',
  },
} as const satisfies Record<string, CatalogueEntry>;
