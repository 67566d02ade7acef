/**
 * What an operator does once per network, outside any node: deploy our TokenNetwork (and, on a
 * development chain, a mintable test token) and check that a deployed contract is one we shipped.
 * `agent-runtime contracts deploy|verify evm` and `agent-runtime chain dev` call these.
 */
import type { JsonRpcProvider, Wallet } from 'ethers';
import { appError } from '../../../errors/index.js';
import { redactUrl } from '../redact.js';
import { loadArtifact, type ContractName } from './artifacts.js';
import { fingerprint, matchShipped, shippedVersions } from './bytecode.js';
import { waitConfirmations } from './confirm.js';
import { defaultConfirmations, PUBLIC_CHAINS } from './networks.js';
import { loadEthers } from './sdk.js';

/** One transaction of a deployment. */
export interface DeployTx {
  what: string;
  txHash: string;
  blockNumber: number;
  gasUsed: string;
}

export interface DeployOptions {
  rpcUrl: string;
  /** The deployer's key (0x + 64 hex digits): AGENT_RUNTIME_EVM_PRIVATE_KEY. */
  privateKey: string;
  /** The ERC-20 the channels hold; exclusive with `testToken`. */
  token?: string;
  /** Deploy a mintable TestToken first (refused on public chains) with these decimals, minting `mint` base units to the deployer. */
  testToken?: { decimals: number; mint: bigint };
  /** Blocks each transaction must be under before the next (default: 1 on dev chains, 12 elsewhere). */
  confirmations?: number;
  /** How long to wait for each transaction's confirmations, ms (default 600000). */
  timeoutMs?: number;
}

/** The `settlement.evm` block a node needs (its privateKey comes from AGENT_RUNTIME_EVM_PRIVATE_KEY). */
export interface EvmSection {
  rpcUrl: string;
  chainId: number;
  contract: string;
  token: string;
  confirmations: number;
}

export interface DeployResult {
  chainId: number;
  deployer: string;
  contract: string;
  token: string;
  /** True when `token` is a TestToken deployed here. */
  testToken: boolean;
  decimals: number;
  /** The shipped version deployed (contracts/versions.json). */
  version: string;
  confirmations: number;
  transactions: DeployTx[];
  settlement: { enabled: true; evm: EvmSection };
}

/** A provider bound to the chain the RPC serves; resolves with it and its chain id. */
export async function connectRpc(rpcUrl: string): Promise<{ provider: JsonRpcProvider; chainId: number }> {
  const ethers = await loadEthers();
  const probe = new ethers.JsonRpcProvider(rpcUrl, undefined, { staticNetwork: true, cacheTimeout: -1 });
  let chainId: number;
  try {
    chainId = Number(await probe.send('eth_chainId', []));
  } catch (err) {
    throw appError('CHAIN_UNREACHABLE', { url: redactUrl(rpcUrl), reason: describe(err) }, err);
  } finally {
    probe.destroy();
  }
  const provider = new ethers.JsonRpcProvider(rpcUrl, chainId, { staticNetwork: true, cacheTimeout: -1, pollingInterval: 250 });
  return { provider, chainId };
}

/**
 * Deploys (a TestToken and) a TokenNetwork, each waited for `confirmations`; checks the deployed code
 * is the version shipped; returns the config block.
 * @throws AppError INVALID_ARGUMENT, TEST_TOKEN_REFUSED, CONTRACT_NOT_FOUND (no code at --token),
 *   CHAIN_UNREACHABLE, CONFIRMATIONS_TIMEOUT, TX_FAILED
 */
export async function deployEvm(o: DeployOptions): Promise<DeployResult> {
  if ((o.token === undefined) === (o.testToken === undefined)) {
    throw appError('INVALID_ARGUMENT', { field: '--token', reason: 'give either --token <erc20 address> or --test-token' });
  }
  const ethers = await loadEthers();
  const { provider, chainId } = await connectRpc(o.rpcUrl);
  try {
    const network = PUBLIC_CHAINS[chainId];
    if (o.testToken !== undefined && network !== undefined) throw appError('TEST_TOKEN_REFUSED', { network, chainId });
    const wallet: Wallet = new ethers.Wallet(o.privateKey.startsWith('0x') ? o.privateKey : `0x${o.privateKey}`, provider);
    const confirmations = o.confirmations ?? defaultConfirmations(chainId);
    const wait = { confirmations, timeoutMs: o.timeoutMs ?? 600_000 };
    const transactions: DeployTx[] = [];
    const deploy = async (name: ContractName, args: unknown[]): Promise<string> => {
      const a = loadArtifact(name);
      const factory = new ethers.ContractFactory(a.abi, a.bytecode, wallet);
      const contract = await factory.deploy(...args).catch((err: unknown) => {
        throw appError('TX_FAILED', { what: `deploying ${name}`, txHash: '(not sent)', message: `deploying ${name} failed: ${describe(err)}` }, err);
      });
      const tx = contract.deploymentTransaction()!;
      const receipt = await waitConfirmations(provider, tx.hash, `deploying ${name}`, wait);
      transactions.push({ what: `deploy ${name}`, txHash: tx.hash, blockNumber: receipt.blockNumber, gasUsed: receipt.gasUsed.toString() });
      return contract.getAddress();
    };
    let token: string;
    if (o.testToken !== undefined) {
      token = await deploy('TestToken', ['Test USD', 'TUSD', o.testToken.decimals]);
      if (o.testToken.mint > 0n) {
        const erc20 = new ethers.Contract(token, loadArtifact('TestToken').abi, wallet);
        const tx = (await erc20.getFunction('mint')(wallet.address, o.testToken.mint)) as { hash: string };
        const receipt = await waitConfirmations(provider, tx.hash, 'minting test tokens', wait);
        transactions.push({ what: 'mint TestToken', txHash: tx.hash, blockNumber: receipt.blockNumber, gasUsed: receipt.gasUsed.toString() });
      }
    } else {
      if (!ethers.isAddress(o.token)) throw appError('INVALID_ARGUMENT', { field: '--token', reason: `${JSON.stringify(o.token)} is not an address (0x and 40 hex digits)` });
      token = ethers.getAddress(o.token);
      if ((await provider.getCode(token)) === '0x') throw appError('CONTRACT_NOT_FOUND', { what: 'token', address: token, chainId });
    }
    const decimals = Number(await new ethers.Contract(token, loadArtifact('TestToken').abi, provider).getFunction('decimals')());
    const contract = await deploy('TokenNetwork', [token]);
    const shipped = matchShipped(await provider.getCode(contract));
    if (shipped === undefined) throw appError('CONTRACT_UNKNOWN', { address: contract, chainId });
    return {
      chainId,
      deployer: wallet.address,
      contract,
      token,
      testToken: o.testToken !== undefined,
      decimals,
      version: shipped.version,
      confirmations,
      transactions,
      settlement: { enabled: true, evm: { rpcUrl: o.rpcUrl, chainId, contract, token, confirmations } },
    };
  } finally {
    provider.destroy();
  }
}

/** What `contracts verify evm` found. */
export interface VerifyResult {
  address: string;
  chainId: number;
  /** True when the code is a shipped version. */
  match: boolean;
  /** The shipped version it is. */
  version?: string;
  /** The token it holds (read only from a matching contract). */
  token?: string;
  /** sha256 of the code (immutables of the newest version zeroed, metadata stripped). */
  runtimeSha256: string;
  /** Every version shipped: {version, since, runtimeSha256}. */
  shipped: { version: string; since: string; runtimeSha256: string }[];
}

/**
 * Compares the code at `address` with every shipped version.
 * @throws AppError CHAIN_UNREACHABLE, CONTRACT_NOT_FOUND (no code there)
 */
export async function verifyEvm(rpcUrl: string, address: string): Promise<VerifyResult> {
  const ethers = await loadEthers();
  if (!ethers.isAddress(address)) throw appError('INVALID_ARGUMENT', { field: 'address', reason: `${JSON.stringify(address)} is not an address (0x and 40 hex digits)` });
  const { provider, chainId } = await connectRpc(rpcUrl);
  try {
    const at = ethers.getAddress(address);
    const code = await provider.getCode(at);
    if (code === '0x') throw appError('CONTRACT_NOT_FOUND', { what: 'contract', address: at, chainId });
    const versions = shippedVersions();
    const shipped = matchShipped(code);
    const token = shipped === undefined ? undefined : ((await new ethers.Contract(at, loadArtifact('TokenNetwork').abi, provider).getFunction('token')()) as string);
    return {
      address: at,
      chainId,
      match: shipped !== undefined,
      ...(shipped === undefined ? {} : { version: shipped.version, token }),
      runtimeSha256: fingerprint(code, shipped?.immutables ?? versions[versions.length - 1].immutables),
      shipped: versions.map((v) => ({ version: v.version, since: v.since, runtimeSha256: v.runtimeSha256 })),
    };
  } finally {
    provider.destroy();
  }
}

/** A short message from an ethers error. */
export function describe(err: unknown): string {
  const e = err as { shortMessage?: unknown; message?: unknown } | null;
  if (typeof e?.shortMessage === 'string') return e.shortMessage;
  return typeof e?.message === 'string' ? e.message.split('\n')[0] : String(err);
}
