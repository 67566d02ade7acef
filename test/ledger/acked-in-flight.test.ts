/**
 * ACKED covers every batch that can sit at the end of the log, not only the newest: with several
 * batches in flight LevelDB may append an older batch after a newer one, so the final log record can
 * hold an older batch acknowledged after newer ones. The log of a killed writer is rearranged the way
 * such an out-of-order append leaves it (its last records permuted; each record's CRC covers only
 * itself) and ACKED says which of those batches were acknowledged, in which order; then the final
 * record is damaged to look torn. Acknowledged: LEDGER_CORRUPT naming that batch. Never acknowledged:
 * a torn tail, dropped with a warning, every acknowledged batch kept.
 */
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Ledger, LedgerCorruptError, storeLocation } from '../../src/ledger/index.js';
import { ACK_FILE, AckFile, readAckedSeqs } from '../../src/ledger/integrity/ack-file.js';
import { FoundSeqs, noteBatchSeqs } from '../../src/ledger/integrity/batch-seqs.js';
import { killedStore, logRecords } from './damaged-store.js';
import { tempDir } from './helpers.js';

const BATCHES = 12;
const BLOCK = 32 * 1024;

/** The ledger batch a log record holds. */
function seqOf(log: Buffer, r: { offset: number; length: number }): number {
  const found = new FoundSeqs();
  noteBatchSeqs(log.subarray(r.offset + 7, r.offset + 7 + r.length), found);
  return found.max;
}

interface Case {
  /** The last `order.length` records of the log, in their new order (indexes into those records). */
  order: number[];
  /** Which of those batches ACKED names, in acknowledgement order (indexes into those records). */
  acked: number[];
}

/** A copy of the killed store with the case applied and its final record damaged to look torn. */
function arrange(src: string, c: Case): { dataDir: string; log: string; finalOffset: number; finalSeq: number; ackedSeqs: number[] } {
  const dataDir = tempDir();
  const from = storeLocation(src);
  const to = storeLocation(dataDir);
  mkdirSync(to, { recursive: true });
  for (const f of readdirSync(from)) if (f !== ACK_FILE) copyFileSync(join(from, f), join(to, f));
  const log = join(to, readdirSync(to).filter((f) => /^\d+\.log$/.test(f)).sort((a, b) => Number.parseInt(b, 10) - Number.parseInt(a, 10))[0]);
  const buf = readFileSync(log);
  const recs = logRecords(buf).slice(-c.order.length);
  const start = recs[0].offset;
  const end = recs.at(-1)!.offset + 7 + recs.at(-1)!.length;
  // every record rearranged stays inside one block: only then is any order a valid log
  expect(Math.floor(start / BLOCK)).toBe(Math.floor((end - 1) / BLOCK));
  expect(end).toBe(buf.length);
  const moved = c.order.map((i) => buf.subarray(recs[i].offset, recs[i].offset + 7 + recs[i].length));
  const out = Buffer.concat([buf.subarray(0, start), ...moved]);
  const finalOffset = out.length - moved.at(-1)!.length;
  const finalSeq = seqOf(buf, recs[c.order.at(-1)!]);
  out[finalOffset + 5] ^= 0x40; // its length now runs past the end of the file: what a torn write looks like
  writeFileSync(log, out);
  const ack = new AckFile(to, 0);
  ack.open();
  const ackedSeqs = c.acked.map((i) => seqOf(buf, recs[i]));
  for (const seq of ackedSeqs) ack.write(seq);
  ack.close();
  return { dataDir, log, finalOffset, finalSeq, ackedSeqs };
}

async function open(dataDir: string, warnings: Record<string, unknown>[]): Promise<Ledger | LedgerCorruptError> {
  return Ledger.open({ dataDir, compactIntervalMs: 0, onWarning: (_m, d) => warnings.push(d) }).catch((e: unknown) => {
    expect(e).toBeInstanceOf(LedgerCorruptError);
    return e as LedgerCorruptError;
  });
}

describe('several acknowledged batches at the end of the log', () => {
  it('ACKED names the last batches acknowledged, newest first', async () => {
    const { dataDir } = await killedStore(BATCHES);
    const seqs = readAckedSeqs(storeLocation(dataDir));
    expect(Array.isArray(seqs)).toBe(true);
    const list = seqs as number[];
    expect(list.length).toBe(BATCHES);
    expect(list).toEqual([...list].sort((a, b) => b - a));
  });

  it('an older acknowledged batch appended last, its record damaged to look torn: LEDGER_CORRUPT naming it', async () => {
    const { dataDir: src } = await killedStore(BATCHES);
    // the newest batch was appended before the one before it; both were acknowledged
    const c = arrange(src, { order: [1, 0], acked: [0, 1] });
    expect(c.finalSeq).toBe(c.ackedSeqs[0]);
    expect(c.finalSeq).toBeLessThan(c.ackedSeqs[1]);
    const warnings: Record<string, unknown>[] = [];
    const err = await open(c.dataDir, warnings);
    expect(err).toBeInstanceOf(LedgerCorruptError);
    expect((err as LedgerCorruptError).message).toContain(`batch ${c.finalSeq} was acknowledged but is in a damaged final log record`);
    expect((err as LedgerCorruptError).offset).toBe(c.finalOffset);
    expect((err as LedgerCorruptError).file).toBe(c.log);
  });

  it('the same layout when the final batch was never acknowledged: a torn tail, dropped with a warning, the rest kept', async () => {
    const { dataDir: src } = await killedStore(BATCHES);
    const c = arrange(src, { order: [1, 0], acked: [1] });
    const warnings: Record<string, unknown>[] = [];
    const l = await open(c.dataDir, warnings);
    expect(l).toBeInstanceOf(Ledger);
    const ledger = l as Ledger;
    try {
      expect(warnings).toEqual([{ file: c.log, offset: c.finalOffset }]);
      expect(ledger.balance('peer:alice')).toBe(BigInt(BATCHES - 1) * 10n);
      expect(await ledger.verify()).toMatchObject({ ok: true, sum: '0' });
    } finally {
      await ledger.close();
    }
  });

  it('property: the last 3 records in any order, any of them acknowledged in any order: corrupt exactly when the damaged final batch was acknowledged', async () => {
    const { dataDir: src } = await killedStore(BATCHES);
    const caseArb = fc.record({
      order: fc.shuffledSubarray([0, 1, 2], { minLength: 3, maxLength: 3 }),
      acked: fc.shuffledSubarray([0, 1, 2], { minLength: 0, maxLength: 3 }),
    });
    await fc.assert(
      fc.asyncProperty(caseArb, async (k) => {
        const c = arrange(src, k);
        const warnings: Record<string, unknown>[] = [];
        const r = await open(c.dataDir, warnings);
        try {
          if (c.ackedSeqs.includes(c.finalSeq)) {
            expect(r).toBeInstanceOf(LedgerCorruptError);
            expect((r as LedgerCorruptError).message).toContain(`batch ${c.finalSeq} was acknowledged`);
          } else {
            expect(r).toBeInstanceOf(Ledger);
            expect(warnings).toEqual([{ file: c.log, offset: c.finalOffset }]);
            expect((r as Ledger).balance('peer:alice')).toBe(BigInt(BATCHES - 1) * 10n);
          }
        } finally {
          if (r instanceof Ledger) await r.close();
          rmSync(c.dataDir, { recursive: true, force: true });
        }
      }),
      { numRuns: 12 },
    );
  }, 60_000);
});
