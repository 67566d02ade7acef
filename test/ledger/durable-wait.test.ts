/**
 * What a Fulfill waits for with `sync: true`, by construction (no timing): a commit goes into the first
 * batch started after it, that batch starts the moment the previous write completes (before that
 * write's callbacks run), and the commit's callback runs on its own batch's completion, not a later
 * one. So a Fulfill waits for at most the write in progress when it was committed plus its own write +
 * fdatasync; no timer is on the path, and consolidation rides in a packet batch instead of queueing a
 * synced write of its own in front of one.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { entries, type Ledger } from '../../src/ledger/index.js';
import { openLedger } from './helpers.js';

type Db = { batch: () => unknown };

/** Counts the timer/immediate calls made from the ledger's own code (other code in the process is ignored). */
function countLedgerTimers(): { count: () => number } {
  let n = 0;
  const fromLedger = () => /[/\\]src[/\\]ledger[/\\]/.test(new Error().stack ?? '');
  for (const name of ['setTimeout', 'setInterval', 'setImmediate', 'queueMicrotask'] as const) {
    const real = globalThis[name] as (...a: unknown[]) => unknown;
    vi.spyOn(globalThis, name).mockImplementation(((...a: unknown[]) => {
      if (fromLedger()) n++;
      return real(...a);
    }));
  }
  return { count: () => n };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('durable write path (sync: true)', () => {
  it('a commit made during a synced write is released by the next write, which starts before the first write’s callbacks; no timer on its path', async () => {
    const l = await openLedger({ sync: true });
    const log: string[] = [];
    let commitDuring: (() => void) | undefined;
    l.writeHook = (w) => {
      expect(w.sync).toBe(true);
      log.push(`start:${w.seq}`);
      const c = commitDuring;
      commitDuring = undefined;
      c?.(); // runs while this batch's write + fdatasync is under way
    };
    l.writtenHook = (w) => log.push(`done:${w.seq}`);
    const timers = countLedgerTimers();
    let timersAtE2 = -1;
    let timersAtE2Done = -1;
    const e2 = new Promise<void>((resolve, reject) => {
      commitDuring = () => {
        timersAtE2 = timers.count();
        l.commit({ ...entries.forward('e2', 'a', 'b', 5n, 4n), fresh: true }, undefined, (err) => {
          timersAtE2Done = timers.count();
          log.push('cb:e2');
          if (err) reject(err);
          else resolve();
        });
      };
    });
    const e1 = new Promise<void>((resolve, reject) =>
      l.commit({ ...entries.forward('e1', 'a', 'b', 10n, 9n), fresh: true }, undefined, (err) => {
        log.push('cb:e1');
        if (err) reject(err);
        else resolve();
      }),
    );
    await Promise.all([e1, e2]);
    const s = Number(log[0].slice('start:'.length));
    // e2 was committed during batch s: it is in batch s+1, which starts as soon as s is written and
    // before e1 (batch s) hears; e2 hears right after s+1 is written.
    expect(log).toEqual([`start:${s}`, `done:${s}`, `start:${s + 1}`, 'cb:e1', `done:${s + 1}`, 'cb:e2']);
    // Nothing on e2's path set a timer, an immediate or a microtask of the ledger's own.
    expect(timersAtE2Done - timersAtE2).toBe(0);
    expect(l.balance('peer:a')).toBe(15n);
  });

  it('under steady load every entry is released by the completion of the first batch started after its commit, and consolidation adds no write', async () => {
    const l = await openLedger({ sync: true });
    const db = (l as unknown as { db: Db }).db;
    const realBatch = db.batch.bind(db);
    let dbBatches = 0;
    db.batch = () => {
      dbBatches++;
      return realBatch();
    };
    let started = 0; // highest batch seq started
    let done = 0; // highest batch seq completed
    let startedWrites = 0;
    let unsynced = 0;
    l.writeHook = (w) => {
      started = w.seq;
      startedWrites++;
      if (!w.sync) unsynced++;
    };
    l.writtenHook = (w) => {
      expect(w.ok).toBe(true);
      expect(w.seq).toBeGreaterThan(done); // one at a time, in order
      done = w.seq;
    };
    const wrong: string[] = [];
    const total = 1_500;
    let n = 0;
    let finished = 0;
    let dbBatchesAtEnd = 0;
    let writesAtEnd = 0;
    await new Promise<void>((resolve, reject) => {
      const next = (): void => {
        if (n >= total) return;
        const id = `w${n++}`;
        const expected = started + 1; // the first batch started after this commit
        l.commit({ ...entries.forward(id, 'a', 'b', 2n, 1n), fresh: true }, undefined, (err) => {
          if (err) return reject(err);
          if (done !== expected) wrong.push(`${id}: committed before batch ${expected} started, released after batch ${done}`);
          if (++finished === total) {
            dbBatchesAtEnd = dbBatches;
            writesAtEnd = startedWrites;
            resolve();
          } else next();
        });
      };
      for (let c = 0; c < 10; c++) next();
    });
    expect(wrong).toEqual([]);
    expect(unsynced).toBe(0);
    // Enough batches for consolidation to be due (every 64) several times: each rode in a packet batch.
    expect(writesAtEnd).toBeGreaterThan(64);
    expect(dbBatchesAtEnd).toBe(writesAtEnd);
    const unconsolidated = (l as unknown as { unconsolidated: unknown[] }).unconsolidated.length;
    expect(unconsolidated).toBeLessThanOrEqual(64);
    expect(l.balance('peer:a')).toBe(BigInt(2 * total));
    expect(await l.verify()).toEqual({ ok: true, mismatches: [], sum: '0' });
    await reopenSame(l);
  });

  it('in lockstep (a round of 10 commits in one turn while no write runs, the next round after all of them are released, as the node at 10 in flight) each round is one batch and one synced write, and each entry waits for that write alone', async () => {
    // The construction behind src/ledger/README.md, "Where the rest of the C=10 tail comes from": the
    // durable cost of a packet in that pattern is exactly one synced write, its own.
    const l = await openLedger({ sync: true });
    const perBatch: number[] = [];
    let syncedWrites = 0;
    let completed = 0;
    l.writeHook = (w) => {
      perBatch.push(w.entries);
      if (w.sync) syncedWrites++;
    };
    l.writtenHook = () => {
      completed++;
    };
    const rounds = 30;
    const waits: number[] = [];
    for (let r = 0; r < rounds; r++) {
      await new Promise<void>((resolve, reject) => {
        let left = 10;
        for (let c = 0; c < 10; c++) {
          const at = completed;
          l.commit({ ...entries.forward(`r${r}-${c}`, 'a', 'b', 3n, 2n), fresh: true }, undefined, (err) => {
            if (err) return reject(err);
            waits.push(completed - at);
            if (--left === 0) setImmediate(resolve); // the round trip: the next round comes on a later turn
          });
        }
      });
    }
    expect(waits).toEqual(new Array<number>(rounds * 10).fill(1));
    expect(perBatch).toEqual(new Array<number>(rounds).fill(10));
    expect(syncedWrites).toBe(rounds);
    expect(l.balance('peer:a')).toBe(BigInt(3 * 10 * rounds));
    await l.close();
  });
});

/** Closes and reopens the ledger's store: the consolidated bases plus the remaining deltas give the same balances. */
async function reopenSame(l: Ledger): Promise<void> {
  const before = l.balances();
  await l.close();
  const again = await openLedger({ dataDir: l.dataDir, sync: true });
  expect(again.balances()).toEqual(before);
  expect((await again.verify()).ok).toBe(true);
}
