/**
 * A damaged store is never read as a smaller truth: bytes flipped at fixed offsets inside
 * acknowledged records of the newest LevelDB log, or inside a table file's data block, make the open
 * fail with LEDGER_CORRUPT naming the file and offset, after the files were copied aside (and the
 * originals are left as they were). A torn final record (a write cut short) opens with a warning.
 */
import { readFileSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Ledger, LedgerCorruptError, accounts } from '../../src/ledger/index.js';
import { crc32c, maskCrc } from '../../src/ledger/integrity/crc32c.js';
import { acknowledgedStore, flipByte, newestStoreFile } from './damaged-store.js';
import { openLedger } from './helpers.js';

/** A closed store whose newest log holds `n` acknowledged batches (one entry each). */
async function storeWithLog(n: number): Promise<{ dataDir: string; log: string }> {
  const dataDir = await acknowledgedStore(n);
  return { dataDir, log: newestStoreFile(dataDir, '.log') };
}

async function openError(dataDir: string): Promise<LedgerCorruptError> {
  const err = await Ledger.open({ dataDir, compactIntervalMs: 0 }).then(
    async (l) => {
      await l.close();
      return undefined;
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(LedgerCorruptError);
  return err as LedgerCorruptError;
}

describe('crc32c', () => {
  it('matches the standard check value and LevelDB mask', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(maskCrc(0)).toBe(0xa282ead8);
  });
});

describe('a damaged newest log', () => {
  it.each([
    ['~1 KB before the end', (size: number) => size - 1024],
    ['in the first record', () => 20],
  ])('a byte flipped %s: LEDGER_CORRUPT naming the file and offset, files copied aside, originals untouched', async (_label, at) => {
    const { dataDir, log } = await storeWithLog(60);
    const size = statSync(log).size;
    expect(size).toBeGreaterThan(4096);
    const damaged = flipByte(log, at(size));
    const err = await openError(dataDir);
    expect(err.code).toBe('LEDGER_CORRUPT');
    expect(err.file).toBe(log);
    expect(err.offset).toBeLessThanOrEqual(at(size));
    expect(err.offset).toBeGreaterThan(at(size) - 32 * 1024);
    expect(err.message).toContain(log);
    expect(err.message).toContain(`offset ${err.offset}`);
    expect(err.copiedTo).toBeDefined();
    expect(readFileSync(join(err.copiedTo!, log.split('/').pop()!)).equals(damaged)).toBe(true);
    // nothing opened it: the log is still there, byte for byte, and a second open refuses again
    expect(readFileSync(log).equals(damaged)).toBe(true);
    expect((await openError(dataDir)).offset).toBe(err.offset);
  });

  it('a torn final record (a write cut short) opens with a warning and keeps every earlier batch', async () => {
    const { dataDir, log } = await storeWithLog(20);
    truncateSync(log, statSync(log).size - 3);
    const warnings: Record<string, unknown>[] = [];
    const l = await openLedger({ dataDir, onWarning: (_m, d) => warnings.push(d) });
    expect(warnings).toEqual([{ file: log, offset: expect.any(Number) }]);
    expect(await l.verify()).toMatchObject({ ok: true, sum: '0' });
    // the cut record is the close's consolidation (or the last batch): at most one entry is gone
    expect(l.balance(accounts.peer('alice'))).toBeGreaterThanOrEqual(190n);
  });
});

describe('a damaged table file', () => {
  it('a byte flipped inside a data block: LEDGER_CORRUPT naming the table, never an internal error', async () => {
    const dataDir = await acknowledgedStore(30, { toTable: true });
    const table = newestStoreFile(dataDir, '.ldb');
    flipByte(table, 40);
    const err = await openError(dataDir);
    expect(err.file).toBe(table);
    expect(err.offset).toBe(0);
    expect(err.message).toMatch(/data block checksum mismatch/);
    expect(err.suggestion).toMatch(/ledger import/);
  });
});
