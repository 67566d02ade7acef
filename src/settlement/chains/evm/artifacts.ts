/**
 * The compiled contracts (contracts/artifacts/*.json, built by scripts/build-contracts.mjs and
 * committed). Read from the package root, which is four folders up from both src/ and dist/.
 */
import { readFileSync } from 'node:fs';

/** A contract artifact: ABI and creation bytecode (hex, 0x-prefixed). */
export interface ContractArtifact {
  contractName: string;
  abi: readonly Record<string, unknown>[];
  bytecode: string;
  deployedBytecode: string;
  compiler: { name: string; version: string; settings: unknown };
}

export type ContractName = 'TokenNetwork' | 'TestToken';

const cache = new Map<ContractName, ContractArtifact>();

/** The artifact of `name` (read once). */
export function loadArtifact(name: ContractName): ContractArtifact {
  let a = cache.get(name);
  if (a === undefined) {
    const url = new URL(`../../../../contracts/artifacts/${name}.json`, import.meta.url);
    a = JSON.parse(readFileSync(url, 'utf8')) as ContractArtifact;
    cache.set(name, a);
  }
  return a;
}
