/**
 * `start` and `ledger verify` on a damaged store, through the real CLI commands over a real LevelDB
 * store on disk: a byte flipped inside an acknowledged record of the newest log, and one inside a
 * table file's data block. Both refuse with LEDGER_CORRUPT naming the file and offset with the
 * recovery hint (never INTERNAL), and the originals are copied aside, byte for byte.
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { json, run } from '../cli/run-command.js';
import { acknowledgedStore, flipByte, newestStoreFile } from './damaged-store.js';

interface Failure {
  error: { code: string; message: string; suggestion?: string };
}

function config(dataDir: string): string {
  const file = join(dataDir, '..', `${dataDir.split('/').pop()}.yaml`);
  writeFileSync(file, `nodeId: corrupt\ndataDir: ${dataDir}\nbtpServerPort: 0\nhealthCheckPort: 0\nadminApi:\n  enabled: false\n`);
  return file;
}

describe.each([
  ['inside an acknowledged record of the newest log', false, '.log', (size: number) => size - 300],
  ["inside a table file's data block", true, '.ldb', () => 40],
])('a byte flipped %s', (_label, toTable, ext, at) => {
  it('start refuses with LEDGER_CORRUPT naming file and offset, with the recovery hint; ledger verify reports it; originals copied aside', async () => {
    const dataDir = await acknowledgedStore(40, { toTable, prefix: 's' });
    const file = newestStoreFile(dataDir, ext);
    const buf = flipByte(file, at(readFileSync(file).length));

    const started = await run(['start', '--config', config(dataDir), '--json']);
    expect(started.exitCode).toBe(1);
    const out = `${started.stdout}\n${started.stderr}\n${started.error?.message ?? ''}`;
    expect(out).toContain('LEDGER_CORRUPT');
    expect(out).toContain(file);
    expect(out).toMatch(/at offset \d+/);
    expect(out).not.toMatch(/INTERNAL|this is a bug/);

    const verified = await run(['ledger', 'verify', '--data-dir', dataDir, '--json']);
    expect(verified.exitCode).toBe(1);
    const doc = json<Failure>(verified);
    expect(doc.error.code).toBe('LEDGER_CORRUPT');
    expect(doc.error.message).toContain(file);
    expect(doc.error.suggestion).toMatch(/ledger-damaged-|copied to/);

    expect(readFileSync(file).equals(buf)).toBe(true);
    const copies = readdirSync(dataDir).filter((f) => f.startsWith('ledger-damaged-'));
    expect(copies.length).toBeGreaterThanOrEqual(1);
    expect(readFileSync(join(dataDir, copies[0], file.split('/').pop()!)).equals(buf)).toBe(true);
  }, 60_000);
});
