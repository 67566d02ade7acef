/**
 * contracts/versions.json lists every TokenNetwork version shipped; `contracts verify` and a node's
 * start check match deployed code against it. The current source must be its last entry (a contract
 * change that does not add one fails here), and the fingerprint ignores exactly the immutables and
 * the metadata trailer.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import solc from 'solc';
import { describe, expect, it } from 'vitest';
import { loadArtifact } from '../../src/settlement/chains/evm/artifacts.js';
import { fingerprint, matchShipped, shippedVersions, stripMetadata } from '../../src/settlement/chains/evm/bytecode.js';
import { root } from './helpers.js';

interface ImmutableRef {
  start: number;
  length: number;
}

/** The TokenNetwork runtime and its immutables' offsets, compiled now with the artifact's settings. */
function compileRuntime(): { code: string; immutables: [number, number][] } {
  const settings = { ...loadArtifact('TokenNetwork').compiler.settings as object, outputSelection: { '*': { '*': ['evm.deployedBytecode.object', 'evm.deployedBytecode.immutableReferences'] } } };
  const sources = Object.fromEntries(
    readdirSync(join(root, 'contracts'))
      .filter((f) => f.endsWith('.sol'))
      .map((f) => [f, { content: readFileSync(join(root, 'contracts', f), 'utf8') }]),
  );
  const out = JSON.parse(solc.compile(JSON.stringify({ language: 'Solidity', sources, settings }))) as {
    contracts: Record<string, Record<string, { evm: { deployedBytecode: { object: string; immutableReferences: Record<string, ImmutableRef[]> } } }>>;
  };
  const d = out.contracts['TokenNetwork.sol'].TokenNetwork.evm.deployedBytecode;
  const immutables = Object.values(d.immutableReferences)
    .flat()
    .map((r): [number, number] => [r.start, r.length])
    .sort((a, b) => a[0] - b[0]);
  return { code: `0x${d.object}`, immutables };
}

describe('shipped contract versions', () => {
  const current = compileRuntime();
  const versions = shippedVersions();

  it('the current TokenNetwork source is the last shipped version (a contract change must add an entry)', () => {
    const last = versions[versions.length - 1];
    expect(last.immutables, 'immutable offsets moved: add a version to contracts/versions.json').toEqual(current.immutables);
    expect(last.length).toBe((current.code.length - 2) / 2);
    expect(fingerprint(current.code, current.immutables), 'TokenNetwork changed: add a version to contracts/versions.json').toBe(last.runtimeSha256);
    expect(matchShipped(current.code)?.version).toBe(last.version);
  });

  it('versions are unique and append-only shaped', () => {
    expect(new Set(versions.map((v) => v.version)).size).toBe(versions.length);
    expect(new Set(versions.map((v) => v.runtimeSha256)).size).toBe(versions.length);
  });

  it('a deployment with other immutables (token, chain id, address) and another metadata hash still matches', () => {
    const code = Buffer.from(current.code.slice(2), 'hex');
    for (const [start, length] of current.immutables) code.fill(0xab, start, start + length);
    const trailer = code.readUInt16BE(code.length - 2);
    code.fill(0x11, code.length - trailer - 2, code.length - 2); // another source metadata hash, same length
    expect(matchShipped(`0x${code.toString('hex')}`)?.version).toBe('1');
  });

  it('one changed byte of logic, our TestToken, or empty code match nothing', () => {
    const code = Buffer.from(current.code.slice(2), 'hex');
    code[100] ^= 0xff;
    expect(matchShipped(`0x${code.toString('hex')}`)).toBeUndefined();
    expect(matchShipped(loadArtifact('TestToken').deployedBytecode)).toBeUndefined();
    expect(matchShipped('0x')).toBeUndefined();
    expect(stripMetadata(Buffer.from([0x00, 0xff]))).toHaveLength(2); // a trailer longer than the code: kept whole
  });
});
