/**
 * Torn or corrupt is decided by our own sequence numbers, not by how a damaged record looks: the
 * batch recorded in ACKED (written before any caller hears of its batch) must be found intact in the
 * store, so damage inside acknowledged data is LEDGER_CORRUPT even where it looks like a torn write
 * (a length byte flipped so the final record "runs past the end", the final record zeroed, the log cut
 * at a record boundary). A genuinely torn write of a batch never acknowledged still opens with a
 * warning. Journal pages carry their own CRC: a page damaged inside LevelDB is LEDGER_CORRUPT too.
 */
import { appendFileSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Ledger, LedgerCorruptError, entries, storeLocation } from '../../src/ledger/index.js';
import { FORMAT_VERSION, META_KEY, PAGE_MARK_V5 } from '../../src/ledger/codec.js';
import { readAck } from '../../src/ledger/integrity/ack-file.js';
import { killedStore, logRecords, newestStoreFile } from './damaged-store.js';
import { openLedger, openRaw, tempDir } from './helpers.js';

const records = logRecords;
const newestLog = (dataDir: string) => newestStoreFile(dataDir, '.log');

async function openFails(dataDir: string): Promise<LedgerCorruptError> {
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

describe('acknowledged data is never a torn tail', () => {
  it('the last batch is recorded in ACKED before its caller hears', async () => {
    const dataDir = tempDir();
    const l = await openLedger({ dataDir });
    let seen: number | 'none' | 'damaged' = 'none';
    await new Promise<void>((resolve, reject) =>
      l.commit(entries.forward('a-1', 'alice', 'bob', 1n, 1n), undefined, (err) => {
        seen = readAck(storeLocation(dataDir));
        if (err) reject(err);
        else resolve();
      }),
    );
    expect(typeof seen).toBe('number');
    expect(seen).toBeGreaterThan(0);
  });

  it.each([
    ['its length byte flipped, so it seems to run past the end of the file', (buf: Buffer, r: { offset: number }) => (buf[r.offset + 5] ^= 0x40)],
    ['its bytes zeroed from its data on', (buf: Buffer, r: { offset: number; length: number }) => buf.fill(0, r.offset + 7, r.offset + 7 + r.length)],
  ])('the final (acknowledged) record with %s: LEDGER_CORRUPT at that record, copied aside', async (_label, damage) => {
    const { dataDir, log, acked } = await killedStore(12);
    const buf = readFileSync(log);
    const last = records(buf).at(-1)!;
    damage(buf, last);
    writeFileSync(log, buf);
    const err = await openFails(dataDir);
    expect(err.file).toBe(log);
    expect(err.offset).toBe(last.offset);
    expect(err.message).toContain(`batch ${acked} was acknowledged`);
    expect(err.copiedTo).toBeDefined();
    expect(readFileSync(join(err.copiedTo!, log.split('/').pop()!)).equals(buf)).toBe(true);
    expect(readFileSync(log).equals(buf)).toBe(true);
  });

  it('the log cut at a record boundary before the acknowledged batch: LEDGER_CORRUPT (missing), not a clean open', async () => {
    const { dataDir, log, acked } = await killedStore(12);
    const last = records(readFileSync(log)).at(-1)!;
    truncateSync(log, last.offset);
    const err = await openFails(dataDir);
    expect(err.message).toContain(`batch ${acked} was acknowledged but is missing from the store`);
    expect(err.offset).toBe(last.offset);
  });

  it('a torn write that was never acknowledged opens with a warning and keeps every acknowledged batch', async () => {
    const { dataDir, log } = await killedStore(12);
    const buf = readFileSync(log);
    const last = records(buf).at(-1)!;
    // a batch that was being appended when the process died: its header and half its data
    const tornAt = statSync(log).size;
    appendFileSync(log, buf.subarray(last.offset, last.offset + 7 + Math.floor(last.length / 2)));
    const warnings: Record<string, unknown>[] = [];
    const l = await openLedger({ dataDir, onWarning: (_m, d) => warnings.push(d) });
    expect(warnings).toEqual([{ file: log, offset: tornAt }]);
    expect(l.balance('peer:alice')).toBe(120n);
    expect(await l.verify()).toMatchObject({ ok: true, sum: '0' });
  });

  it('an acknowledged batch flushed into a table is found there (no false alarm after a torn newer log)', async () => {
    const dataDir = tempDir();
    const l = await Ledger.open({ dataDir, sync: true, compactIntervalMs: 0 });
    for (let i = 0; i < 5; i++) await l.commitAsync(entries.forward(`t-${i}`, 'alice', 'bob', 10n, 10n));
    await l.close();
    // reopening moves the log into a table; the new log then ends in a torn never-acknowledged write
    await (await Ledger.open({ dataDir, compactIntervalMs: 0 })).close();
    const log = newestLog(dataDir);
    appendFileSync(log, Buffer.from([1, 2, 3, 4, 200, 0, 1, 9, 9]));
    const warnings: unknown[] = [];
    const again = await openLedger({ dataDir, onWarning: (_m, d) => warnings.push(d) });
    expect(warnings).toHaveLength(1);
    expect(again.balance('peer:alice')).toBe(50n);
  });
});

describe('journal pages carry their own checksum and sequence number', () => {
  it('a page changed inside the store (valid LevelDB CRCs) is LEDGER_CORRUPT at open, verify and export, never INTERNAL', async () => {
    const dataDir = tempDir();
    const l = await openLedger({ dataDir });
    await l.commitAsync(entries.forward('p-1', 'alice', 'bob', 10n, 10n));
    await l.commitAsync(entries.forward('p-2', 'alice', 'bob', 10n, 10n));
    await l.close();
    const raw = await openRaw(dataDir);
    const pages: [Buffer, Buffer][] = [];
    for await (const [k, v] of raw.iterator({ gte: Buffer.from('t'), lt: Buffer.from('u') })) pages.push([k, v]);
    expect(pages).toHaveLength(2);
    const [key, value] = pages[0];
    expect(value[0]).toBe(PAGE_MARK_V5);
    expect(value.readUIntBE(1, 6)).toBeGreaterThan(0);
    const bad = Buffer.from(value);
    bad[bad.length - 1] ^= 1; // an amount byte
    await raw.put(key, bad);
    await raw.close();
    // the open reads the newest pages (for replay ids): the damaged one among them refuses the open
    const err = await openFails(dataDir);
    expect(err.message).toMatch(/journal page of batch \d+ fails its checksum/);
    expect(err.copiedTo).toBeDefined();
    // an open that reads only the newest page gets further; verify and export read every page
    const again = await openLedger({ dataDir, recentIdCapacity: 1 });
    await expect(again.verify()).rejects.toMatchObject({ code: 'LEDGER_CORRUPT', message: expect.stringMatching(/journal page of batch \d+ fails its checksum/) });
    await expect(again.exportSnapshot()).rejects.toMatchObject({ code: 'LEDGER_CORRUPT' });
  });

  it('a format-4 store (no ACKED, pages without checksum) opens, is migrated to format 5 and keeps its balances', async () => {
    const dataDir = tempDir();
    const l = await openLedger({ dataDir });
    await l.commitAsync(entries.forward('m-1', 'alice', 'bob', 7n, 7n));
    await l.close();
    const raw = await openRaw(dataDir);
    // rewrite it as format 4 wrote it: 0xff pages without header, meta version 4, no ACKED
    for await (const [k, v] of raw.iterator({ gte: Buffer.from('t'), lt: Buffer.from('u') })) await raw.put(k, Buffer.concat([Buffer.from([0xff]), v.subarray(11)]));
    await raw.put(META_KEY, Buffer.from(JSON.stringify({ format: 'agent-runtime-ledger', version: 4, createdAt: new Date().toISOString() })));
    await raw.close();
    const { rmSync } = await import('node:fs');
    rmSync(join(storeLocation(dataDir), 'ACKED'));
    const again = await openLedger({ dataDir });
    expect(again.balance('peer:alice')).toBe(7n);
    expect((await again.getEntry('m-1'))?.postings).toEqual(entries.forward('m-1', 'alice', 'bob', 7n, 7n).postings);
    await again.commitAsync(entries.forward('m-2', 'alice', 'bob', 1n, 1n));
    expect(await again.verify()).toMatchObject({ ok: true });
    await again.close();
    const check = await openRaw(dataDir);
    expect(JSON.parse((await check.get(META_KEY)).toString('utf8'))).toMatchObject({ version: FORMAT_VERSION });
    await check.close();
    expect(FORMAT_VERSION).toBe(7); // 7: account asset records (issue 19)
  });
});
