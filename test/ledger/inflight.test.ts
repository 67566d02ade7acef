/**
 * Several batches in flight: each batch writes balance deltas (never absolute balances), so LevelDB
 * may apply them in any order. Here the write order is forced (a later batch completes first, or an
 * earlier one never reaches the disk before a simulated crash) and the balances, verify() and a
 * restart must stay exact. Also: consolidation of delta records, and opening a format-1 store.
 */
import { describe, expect, it } from 'vitest';
import { Ledger, entries } from '../../src/ledger/index.js';
import {
  FORMAT_VERSION,
  META_KEY,
  PREFIX_BALANCE,
  PREFIX_DELTA,
  encodeEntry,
  encodeI128,
  encodeIdList,
  prefixedKey,
  timeKey,
} from '../../src/ledger/codec.js';
import { openLedger, openRaw, tempDir } from './helpers.js';

type Db = Awaited<ReturnType<typeof openRaw>>;
interface Held {
  release: () => void;
  drop: () => Promise<void>;
}

/** Makes the next `n` batch writes of the ledger wait until released (or dropped, as a crash would). */
function holdWrites(l: Ledger, n: number): Held[] {
  const db = (l as unknown as { db: Db }).db;
  const real = db.batch.bind(db);
  const held: Held[] = [];
  let left = n;
  db.batch = (() => {
    const b = real();
    if (left > 0) {
      left--;
      const write = b.write.bind(b);
      const heldWrite = (opts: { sync?: boolean } = {}): Promise<void> =>
        new Promise<void>((resolve, reject) => {
          held.push({ release: () => void write(opts).then(resolve, reject), drop: () => b.close() });
        });
      b.write = heldWrite;
    }
    return b;
  }) as typeof db.batch;
  return held;
}

const turn = () => new Promise((r) => setImmediate(r));

async function deltaRecords(dataDir: string): Promise<number> {
  const raw = await openRaw(dataDir);
  let n = 0;
  for await (const _ of raw.keys({ gte: Buffer.from([PREFIX_DELTA]), lt: Buffer.from([PREFIX_DELTA + 1]) })) n++;
  await raw.close();
  return n;
}

/** Balances recomputed from the journal of a snapshot (no checkpoints in these tests). */
function journalSums(snap: Awaited<ReturnType<Ledger['exportSnapshot']>>): Record<string, string> {
  const sums = new Map<string, bigint>();
  for (const e of snap.journal) for (const p of e.postings) sums.set(p.account, (sums.get(p.account) ?? 0n) + BigInt(p.amount));
  return Object.fromEntries([...sums].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, v.toString()]));
}

describe('batches in flight', () => {
  it('keeps up to maxBatchesInFlight batches in flight and is exact when a later batch completes first', async () => {
    const l = await openLedger({ maxBatchesInFlight: 3 });
    const held = holdWrites(l, 2);
    const order: string[] = [];
    const changes: string[] = [];
    l.onBalanceChanged = (m) => changes.push([...m].map(([k, v]) => `${k}=${v}`).join(','));
    l.commit(entries.forward('b1', 'a', 'b', 100n, 99n), undefined, () => order.push('b1'));
    await turn();
    l.commit(entries.forward('b2', 'a', 'b', 10n, 9n), undefined, () => order.push('b2'));
    await turn();
    l.commit(entries.localDelivery('b3', 'a', 1n), undefined, () => order.push('b3'));
    await turn();
    expect(held.length).toBe(2); // batches 1 and 2 wait; batch 3 went out beside them
    const inFlight = (l as unknown as { inFlight: unknown[] }).inFlight;
    expect(inFlight.length).toBeGreaterThanOrEqual(2);
    // Batch 2 reaches the disk before batch 1.
    held[1].release();
    await new Promise<void>((r) => {
      const check = () => (order.includes('b2') && order.includes('b3') ? r() : setTimeout(check, 2));
      check();
    });
    expect(order).not.toContain('b1');
    // balance() reflects written batches only: 2 and 3, not 1.
    expect(l.balance('peer:a')).toBe(11n);
    expect(l.balance('peer:b')).toBe(-9n);
    expect(l.balance('fees')).toBe(-1n);
    // flush() waits for every batch, including the held one.
    let flushed = false;
    const flushing = l.flush().then(() => (flushed = true));
    await turn();
    expect(flushed).toBe(false);
    held[0].release();
    await flushing;
    expect(order.sort()).toEqual(['b1', 'b2', 'b3']);
    expect(l.balances()).toEqual(
      new Map([
        ['peer:a', 111n],
        ['peer:b', -108n],
        ['fees', -2n],
        ['agent', -1n],
      ]),
    );
    expect(await l.verify()).toEqual({ ok: true, mismatches: [], sum: '0' });
    const snap = await l.exportSnapshot();
    expect(snap.balances).toEqual(journalSums(snap));
  });

  it('a crash with a later batch durable and an earlier one not: reopen finds balances = journal, sum zero', async () => {
    const dataDir = tempDir();
    // Not through openLedger: this ledger is abandoned mid-write, never closed.
    const first = await Ledger.open({ dataDir, compactIntervalMs: 0 });
    await first.commitAsync(entries.forward('base', 'a', 'b', 1000n, 990n));
    const held = holdWrites(first, 1);
    let acked1 = false;
    first.commit(entries.forward('early', 'a', 'b', 100n, 99n), undefined, () => (acked1 = true));
    await turn();
    await first.commitAsync(entries.forward('late', 'b', 'a', 50n, 50n)); // written while 'early' is not
    expect(acked1).toBe(false);
    expect(first.balance('peer:a')).toBe(950n);
    // kill -9 now: the early batch never reaches LevelDB. Abandon the ledger without flushing.
    clearInterval((first as unknown as { consolidateTimer: NodeJS.Timeout }).consolidateTimer);
    await held[0].drop();
    await (first as unknown as { db: Db }).db.close();
    expect(await deltaRecords(dataDir)).toBeGreaterThan(0); // unconsolidated deltas are on disk

    const again = await Ledger.open({ dataDir, compactIntervalMs: 0 });
    try {
      expect(await again.getEntry('early')).toBeUndefined();
      expect(await again.getEntry('late')).toBeDefined();
      expect(again.balances()).toEqual(
        new Map([
          ['peer:a', 950n],
          ['peer:b', -940n],
          ['fees', -10n],
        ]),
      );
      expect(await again.verify()).toEqual({ ok: true, mismatches: [], sum: '0' });
      const snap = await again.exportSnapshot();
      expect(snap.balances).toEqual(journalSums(snap));
      // The early entry was never acknowledged: committing it now books it once.
      await again.commitAsync(entries.forward('early', 'a', 'b', 100n, 99n));
      expect(again.balance('peer:a')).toBe(1050n);
      expect((await again.verify()).ok).toBe(true);
    } finally {
      await again.close();
    }
    expect(await deltaRecords(dataDir)).toBe(0); // recovery at open and close consolidated them
  });

  it('consolidates delta records into base balances in the background; verify and export count pending ones', async () => {
    const dataDir = tempDir();
    const l = await openLedger({ dataDir });
    for (let i = 0; i < 10; i++) await l.commitAsync(entries.localDelivery(`c${i}`, 'a', BigInt(i + 1)));
    // Pending delta records (fewer than the consolidation threshold, timer not yet fired) count everywhere.
    expect((l as unknown as { unconsolidated: unknown[] }).unconsolidated.length).toBe(10);
    expect(await l.verify()).toEqual({ ok: true, mismatches: [], sum: '0' });
    expect((await l.exportSnapshot()).balances).toEqual({ agent: '-55', 'peer:a': '55' });
    await l.consolidate();
    expect((l as unknown as { unconsolidated: unknown[] }).unconsolidated.length).toBe(0);
    expect(l.balance('peer:a')).toBe(55n);
    expect(await l.verify()).toEqual({ ok: true, mismatches: [], sum: '0' });
    // Many batches: consolidation triggers on its own.
    for (let i = 0; i < 200; i++) await l.commitAsync(entries.localDelivery(`m${i}`, 'a', 1n));
    await new Promise((r) => setTimeout(r, 20));
    expect((l as unknown as { unconsolidated: unknown[] }).unconsolidated.length).toBeLessThan(64);
    await l.close();
    expect(await deltaRecords(dataDir)).toBe(0);
    const raw = await openRaw(dataDir);
    expect(await raw.get(prefixedKey(PREFIX_BALANCE, 'peer:a'))).toEqual(encodeI128(255n));
    await raw.close();
  });

  it('with maxBatchesInFlight 1 writes one batch at a time', async () => {
    const l = await openLedger({ maxBatchesInFlight: 1 });
    const held = holdWrites(l, 1);
    const p1 = l.commitAsync(entries.localDelivery('s1', 'a', 1n));
    await turn();
    const p2 = l.commitAsync(entries.localDelivery('s2', 'a', 1n));
    await turn();
    expect((l as unknown as { inFlight: unknown[] }).inFlight.length).toBe(1);
    held[0].release();
    await Promise.all([p1, p2]);
    expect(l.balance('peer:a')).toBe(2n);
  });
});

describe('format 1 stores', () => {
  it('opens a store written by format 1 (absolute balances, no delta records) and migrates its meta', async () => {
    const dataDir = tempDir();
    const raw = await openRaw(dataDir);
    const e = entries.forward('v1-pkt', 'a', 'b', 500n, 495n);
    const ts = 1_767_225_600_000;
    await raw.batch([
      { type: 'put', key: META_KEY, value: Buffer.from(JSON.stringify({ format: 'agent-runtime-ledger', version: 1, createdAt: '2026-01-01T00:00:00.000Z' })) },
      { type: 'put', key: prefixedKey(0x6a, e.id), value: encodeEntry(e, ts) },
      { type: 'put', key: timeKey(ts, e.id), value: encodeIdList([e.id]) },
      { type: 'put', key: prefixedKey(PREFIX_BALANCE, 'peer:a'), value: encodeI128(500n) },
      { type: 'put', key: prefixedKey(PREFIX_BALANCE, 'peer:b'), value: encodeI128(-495n) },
      { type: 'put', key: prefixedKey(PREFIX_BALANCE, 'fees'), value: encodeI128(-5n) },
    ]);
    await raw.close();
    const l = await openLedger({ dataDir });
    expect(l.balance('peer:a')).toBe(500n);
    expect(await l.verify()).toEqual({ ok: true, mismatches: [], sum: '0' });
    await l.commitAsync(e); // a replay of the v1 entry books nothing
    await l.commitAsync(entries.forward('v2-pkt', 'b', 'a', 5n, 5n));
    expect(l.balance('peer:a')).toBe(495n);
    await l.close();
    const again = await openRaw(dataDir);
    expect(JSON.parse((await again.get(META_KEY)).toString('utf8'))).toMatchObject({ format: 'agent-runtime-ledger', version: FORMAT_VERSION });
    await again.close();
    const reopened = await openLedger({ dataDir });
    expect(reopened.balance('peer:a')).toBe(495n);
    expect(await reopened.verify()).toEqual({ ok: true, mismatches: [], sum: '0' });
  });
});
