/**
 * `ledger verify` reports a damaged store (a byte flipped ~1 KB before the end of the newest LevelDB
 * log, inside acknowledged records) as LEDGER_CORRUPT naming the file and offset: exit 1, never ok,
 * never INTERNAL, and the log is left as it was (LevelDB's recovery never ran on it).
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { entries, storeLocation } from '../../src/ledger/index.js';
import { json, run } from '../cli/run-command.js';
import { openLedger, tempDir } from './helpers.js';

describe('ledger verify on a damaged log', () => {
  it('exits 1 with LEDGER_CORRUPT naming the log and the offset', async () => {
    const dataDir = tempDir();
    const l = await openLedger({ dataDir, sync: true });
    for (let i = 0; i < 60; i++) await l.commitAsync(entries.forward(`v-${i}`, 'alice', 'bob', 10n, 10n));
    await l.close();
    const dir = storeLocation(dataDir);
    const log = join(dir, readdirSync(dir).filter((f) => f.endsWith('.log')).sort((a, b) => Number.parseInt(b, 10) - Number.parseInt(a, 10))[0]);
    const buf = readFileSync(log);
    buf[statSync(log).size - 1024] ^= 0x5a;
    writeFileSync(log, buf);

    const r = await run(['ledger', 'verify', '--data-dir', dataDir, '--json']);
    expect(r.exitCode).toBe(1);
    const doc = json<{ error: { code: string; message: string } }>(r);
    expect(doc.error.code).toBe('LEDGER_CORRUPT');
    expect(doc.error.message).toContain(log);
    expect(doc.error.message).toMatch(/at offset \d+/);
    expect(readFileSync(log).equals(buf)).toBe(true);
  }, 60_000);
});
