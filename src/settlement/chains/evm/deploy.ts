/**
 * Deploys the committed contract artifacts (tests, the benchmark, the demo chain). A real network's
 * contract is deployed once by its operator, with the same artifact.
 */
import type { Signer } from 'ethers';
import { loadArtifact, type ContractName } from './artifacts.js';
import { loadEthers } from './sdk.js';

/** Deploys `name` with constructor `args`; resolves to its address once mined. */
export async function deployContract(signer: Signer, name: ContractName, args: unknown[]): Promise<string> {
  const ethers = await loadEthers();
  const a = loadArtifact(name);
  const factory = new ethers.ContractFactory(a.abi, a.bytecode, signer);
  const contract = await factory.deploy(...args);
  await contract.waitForDeployment();
  return contract.getAddress();
}

/** Deploys a TestToken (anyone may mint it) with `decimals` (default 18). */
export function deployTestToken(signer: Signer, opts: { name?: string; symbol?: string; decimals?: number } = {}): Promise<string> {
  return deployContract(signer, 'TestToken', [opts.name ?? 'Test USD', opts.symbol ?? 'TUSD', opts.decimals ?? 18]);
}

/** Deploys a TokenNetwork for `token`. */
export function deployTokenNetwork(signer: Signer, token: string): Promise<string> {
  return deployContract(signer, 'TokenNetwork', [token]);
}
