/**
 * Real LevelDB stores to damage in tests: a closed store of acknowledged batches (optionally flushed
 * into a table), a store as a kill -9 leaves it, the newest log or table of a store, the records of
 * a log, and a byte flipped in place. Shared by the corruption, acknowledged-batch, CLI and node tests.
 */
import { copyFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { Ledger, entries, storeLocation } from '../../src/ledger/index.js';
import { readAck } from '../../src/ledger/integrity/ack-file.js';
import { tempDir } from './helpers.js';

const BLOCK = 32 * 1024;

/**
 * A closed store holding `n` acknowledged batches of one forward each (alice pays bob 10, ids
 * `<prefix>-<i>`), written with sync. `toTable`: reopened once, which moves the log into a level-0 table.
 */
export async function acknowledgedStore(n: number, o: { toTable?: boolean; prefix?: string; dataDir?: string } = {}): Promise<string> {
  const dataDir = o.dataDir ?? tempDir();
  const l = await Ledger.open({ dataDir, sync: true, compactIntervalMs: 0 });
  for (let i = 0; i < n; i++) await l.commitAsync(entries.forward(`${o.prefix ?? 'c'}-${i}`, 'alice', 'bob', 10n, 10n));
  await l.close();
  if (o.toTable === true) await (await Ledger.open({ dataDir, compactIntervalMs: 0 })).close();
  return dataDir;
}

/**
 * A store left as a kill -9 leaves it: `n` acknowledged batches in the newest log, the last one its
 * final record (no close, so no consolidation after it). The files are copied while the writer still
 * holds them (what the disk holds at the kill), the lock excepted; `acked` is the batch ACKED names.
 */
export async function killedStore(n: number): Promise<{ dataDir: string; log: string; acked: number }> {
  const src = tempDir();
  const l = await Ledger.open({ dataDir: src, sync: true, compactIntervalMs: 0 });
  l.consolidate = () => Promise.resolve(); // nothing after the last batch, as when killed right after it
  for (let i = 0; i < n; i++) await l.commitAsync(entries.forward(`k-${i}`, 'alice', 'bob', 10n, 10n));
  const dataDir = tempDir();
  const from = storeLocation(src);
  const to = storeLocation(dataDir);
  mkdirSync(to, { recursive: true });
  for (const f of readdirSync(from)) if (f !== 'LOCK') copyFileSync(join(from, f), join(to, f));
  await l.close();
  const acked = readAck(to);
  expect(typeof acked).toBe('number');
  return { dataDir, log: newestStoreFile(dataDir, '.log'), acked: acked as number };
}

/** The newest file of the store ending in `ext` (`.log`, `.ldb`) by LevelDB's file number. */
export function newestStoreFile(dataDir: string, ext: string): string {
  const dir = storeLocation(dataDir);
  const names = readdirSync(dir)
    .filter((f) => f.endsWith(ext) && /^\d+\./.test(f))
    .sort((a, b) => Number.parseInt(b, 10) - Number.parseInt(a, 10));
  expect(names.length).toBeGreaterThan(0);
  return join(dir, names[0]);
}

/** Flips bits of the byte at `offset` of `file` in place; returns the damaged bytes. */
export function flipByte(file: string, offset: number): Buffer {
  const buf = readFileSync(file);
  buf[offset] ^= 0x5a;
  writeFileSync(file, buf);
  return buf;
}

/** Offsets and lengths of the records of a LevelDB log (whole FULL records only: small batches). */
export function logRecords(buf: Buffer): { offset: number; length: number }[] {
  const out: { offset: number; length: number }[] = [];
  let off = 0;
  while (off + 7 <= buf.length) {
    if (BLOCK - (off % BLOCK) < 7) {
      off += BLOCK - (off % BLOCK);
      continue;
    }
    const length = buf.readUInt16LE(off + 4);
    if (length === 0 && buf[off + 6] === 0) break;
    out.push({ offset: off, length });
    off += 7 + length;
  }
  return out;
}
