/**
 * The Node the tests run on is the one the runner asked for (scripts/run-tests.mjs sets
 * AGENT_RUNTIME_TEST_NODE to the major it started vitest with, e.g. 24): the vitest worker, the
 * processes the tests spawn as `node`, and the native LevelDB binding (classic-level's prebuild) all
 * run on it, and package.json's engines names it.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const wanted = process.env.AGENT_RUNTIME_TEST_NODE;
const major = process.versions.node.split('.')[0];
const dir = mkdtempSync(join(tmpdir(), 'ar-runtime-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Enough of semver for engines ranges: `||` of `^x.y.z` and `>=x.y.z` (missing parts are 0). */
function satisfies(version: string, range: string): boolean {
  const parts = (v: string) => [...v.split('.').map(Number), 0, 0].slice(0, 3);
  const cmp = (a: number[], b: number[]) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
  const v = parts(version);
  return range.split('||').some((alt) => {
    const m = /^\s*(\^|>=)\s*([\d.]+)\s*$/.exec(alt);
    if (!m) throw new Error(`engines range part not understood by this test: ${alt}`);
    const base = parts(m[2]);
    return cmp(v, base) >= 0 && (m[1] === '>=' || v[0] === base[0]);
  });
}

describe('the Node the tests run on', () => {
  it.runIf(wanted !== undefined)('is the major the runner asked for, in the worker and in spawned processes', () => {
    expect(major).toBe(wanted);
    const child = execFileSync('node', ['-p', 'process.versions.node.split(".")[0]'], { encoding: 'utf8' }).trim();
    expect(child, '`node` on the PATH of the tests').toBe(wanted);
  });

  it('loads the native LevelDB binding and writes and reads through it', async () => {
    const db = new Level<string, string>(join(dir, 'db'));
    try {
      await db.put('k', 'v');
      expect(await db.get('k')).toBe('v');
    } finally {
      await db.close();
    }
  });

  it('satisfies package.json engines', () => {
    const engines = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node;
    expect(satisfies(process.versions.node, engines), `Node ${process.versions.node} against engines.node ${engines}`).toBe(true);
  });
});
