/**
 * The committed artifacts (contracts/artifacts/*.json) are what the sources compile to: recompile with
 * solc-js and compare. A change to a .sol file without `npm run build` fails here.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadArtifact, type ContractName } from '../../src/settlement/chains/evm/artifacts.js';
import { compileAll, root } from './helpers.js';

const NAMES: ContractName[] = ['TokenNetwork', 'TestToken'];

describe('contract artifacts', () => {
  const fresh = compileAll();

  it.each(NAMES)('%s: committed bytecode and ABI equal a fresh compile of the source', (name) => {
    const artifact = loadArtifact(name);
    expect(artifact.compiler.version, 'the artifact was built by another solc: rebuild with `npm run build`').toBe(fresh.version);
    const c = fresh.contracts[name];
    expect(artifact.bytecode, `contracts/${name}.sol changed: run \`npm run build\` and commit contracts/artifacts`).toBe(c.bytecode);
    expect(artifact.deployedBytecode).toBe(c.deployedBytecode);
    expect(artifact.abi).toEqual(c.abi);
    const source = readFileSync(join(root, 'contracts', `${name}.sol`), 'utf8');
    const recorded = (JSON.parse(readFileSync(join(root, 'contracts', 'artifacts', `${name}.json`), 'utf8')) as { sources: Record<string, { sha256: string }> }).sources;
    expect(recorded[`contracts/${name}.sol`].sha256).toBe(createHash('sha256').update(source).digest('hex'));
  });

  it('TokenNetwork has no owner, pause or rescue function: only channel operations move tokens', () => {
    const functions = (loadArtifact('TokenNetwork').abi as { type: string; name?: string; stateMutability?: string }[])
      .filter((e) => e.type === 'function' && e.stateMutability !== 'view' && e.stateMutability !== 'pure')
      .map((e) => e.name)
      .sort();
    expect(functions).toEqual(['claim', 'closeChannel', 'cooperativeClose', 'openChannel', 'setTotalDeposit', 'settleChannel', 'withdraw']);
  });
});
