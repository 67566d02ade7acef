/**
 * `ledger verify` reports a damaged store (a byte flipped ~1 KB before the end of the newest LevelDB
 * log, inside acknowledged records) as LEDGER_CORRUPT naming the file and offset: exit 1, never ok,
 * never INTERNAL, and the log is left as it was (LevelDB's recovery never ran on it).
 */
import { readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { json, run } from '../cli/run-command.js';
import { acknowledgedStore, flipByte, newestStoreFile } from './damaged-store.js';

describe('ledger verify on a damaged log', () => {
  it('exits 1 with LEDGER_CORRUPT naming the log and the offset', async () => {
    const dataDir = await acknowledgedStore(60, { prefix: 'v' });
    const log = newestStoreFile(dataDir, '.log');
    const buf = flipByte(log, statSync(log).size - 1024);

    const r = await run(['ledger', 'verify', '--data-dir', dataDir, '--json']);
    expect(r.exitCode).toBe(1);
    const doc = json<{ error: { code: string; message: string } }>(r);
    expect(doc.error.code).toBe('LEDGER_CORRUPT');
    expect(doc.error.message).toContain(log);
    expect(doc.error.message).toMatch(/at offset \d+/);
    expect(readFileSync(log).equals(buf)).toBe(true);
  }, 60_000);
});
