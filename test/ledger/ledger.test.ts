/**
 * Ledger: reservations and limits, commits, idempotent replays, group commit and its hooks.
 */
import { describe, expect, it } from 'vitest';
import { LedgerError, accounts, entries, type AccountId, type JournalEntry } from '../../src/ledger/index.js';
import { openLedger } from './helpers.js';

const cond = Buffer.alloc(32, 7);

describe('accounts', () => {
  it('builds every account id', () => {
    expect([accounts.peer('a'), accounts.agent, accounts.fees, accounts.onchain, accounts.channelIn('a'), accounts.channelOut('a')]).toEqual([
      'peer:a',
      'agent',
      'fees',
      'onchain',
      'channelIn:a',
      'channelOut:a',
    ]);
  });
});

describe('reserve and release', () => {
  it('is unlimited without a credit limit', async () => {
    const l = await openLedger();
    expect(l.reserve('a', 1n << 63n)).toBe(true);
    expect(l.reserved('a')).toBe(1n << 63n);
  });

  it('fails exactly when balance + reserved + amount > creditLimit (T04 boundary)', async () => {
    const l = await openLedger();
    l.setLimits('a', { creditLimit: 1000n });
    expect(l.reserve('a', 1001n)).toBe(false);
    expect(l.reserved('a')).toBe(0n);
    expect(l.reserve('a', 400n)).toBe(true);
    expect(l.reserve('a', 600n)).toBe(true); // 0 + 400 + 600 = 1000: allowed
    expect(l.reserve('a', 1n)).toBe(false); // 1001 > 1000
    expect(l.reserved('a')).toBe(1000n);
    await l.commitAsync(entries.forward('p1', 'a', 'b', 400n, 400n), { peerId: 'a', amount: 400n });
    expect(l.balance(accounts.peer('a'))).toBe(400n);
    expect(l.reserved('a')).toBe(600n);
    expect(l.reserve('a', 1n)).toBe(false); // 400 + 600 + 1
    l.release('a', 600n);
    expect(l.reserve('a', 601n)).toBe(false); // 400 + 0 + 601
    expect(l.reserve('a', 600n)).toBe(true);
  });

  it('a zero credit limit refuses any positive amount but allows zero', async () => {
    const l = await openLedger();
    l.setLimits('a', { creditLimit: 0n });
    expect(l.reserve('a', 1n)).toBe(false);
    expect(l.reserve('a', 0n)).toBe(true);
  });

  it('what we owe a peer raises what it may send', async () => {
    const l = await openLedger();
    l.setLimits('a', { creditLimit: 100n });
    await l.commitAsync(entries.localSend('s1', 'a', 50n)); // peer:a = -50
    expect(l.reserve('a', 150n)).toBe(true);
    expect(l.reserve('a', 1n)).toBe(false);
  });

  it('counts a commit against the limit before it is durable', async () => {
    const l = await openLedger();
    l.setLimits('a', { creditLimit: 100n });
    expect(l.reserve('a', 100n)).toBe(true);
    const done = l.commitAsync(entries.localDelivery('d1', 'a', 100n), { peerId: 'a', amount: 100n });
    expect(l.reserved('a')).toBe(0n);
    expect(l.balance(accounts.peer('a'))).toBe(0n); // not written yet
    expect(l.reserve('a', 1n)).toBe(false); // but already counted
    await done;
    expect(l.balance(accounts.peer('a'))).toBe(100n);
    expect(l.reserve('a', 1n)).toBe(false);
  });

  it('release never goes below zero and ignores unknown peers', async () => {
    const l = await openLedger();
    l.reserve('a', 10n);
    l.release('a', 25n);
    l.release('nobody', 5n);
    expect(l.reserved('a')).toBe(0n);
    expect(l.reserved('nobody')).toBe(0n);
  });

  it('rejects malformed limits, peer ids and amounts', async () => {
    const l = await openLedger();
    expect(() => l.setLimits('a', { creditLimit: -1n })).toThrow(LedgerError);
    expect(() => l.setLimits('a', { settleThreshold: 0n })).toThrow(LedgerError);
    expect(() => l.setLimits('bad id', {})).toThrow(/invalid peer id/);
    expect(() => l.reserve('a', -1n)).toThrow(LedgerError);
    expect(() => l.reserve('a', 5 as unknown as bigint)).toThrow(LedgerError);
  });
});

describe('commit', () => {
  it('books every leg, releases the reservation at once, calls back after the write', async () => {
    const l = await openLedger();
    l.reserve('a', 1000n);
    const e = entries.forward('p1', 'a', 'b', 1000n, 999n, { condition: cond, requestId: 42 });
    let called = false;
    let seenInCallback: JournalEntry | undefined;
    const acked = new Promise<void>((resolve, reject) =>
      l.commit(e, { peerId: 'a', amount: 1000n }, (err) => {
        if (err) return reject(err);
        called = true;
        // The entry is on disk by the time the callback runs.
        void l.getEntry('p1').then((got) => {
          seenInCallback = got;
          resolve();
        }, reject);
      }),
    );
    expect(l.reserved('a')).toBe(0n);
    expect(called).toBe(false);
    await acked;
    expect(seenInCallback?.postings).toEqual(e.postings);
    expect(l.balances()).toEqual(
      new Map<AccountId, bigint>([
        ['peer:a', 1000n],
        ['peer:b', -999n],
        ['fees', -1n],
      ]),
    );
    const stored = await l.getEntry('p1');
    expect(stored).toMatchObject({ id: 'p1', kind: 'packet', condition: cond, sourcePeer: 'a', requestId: 42 });
    expect(typeof stored?.ts).toBe('number');
    expect(await l.getEntry('nope')).toBeUndefined();
  });

  it('throws on an unbalanced entry, books nothing and releases the reservation', async () => {
    const l = await openLedger();
    l.reserve('a', 10n);
    const bad: JournalEntry = { id: 'x', kind: 'packet', postings: [{ account: 'peer:a', amount: 10n }, { account: 'peer:b', amount: -9n }] };
    let err: unknown;
    try {
      l.commit(bad, { peerId: 'a', amount: 10n }, () => undefined);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LedgerError);
    expect(err).not.toBeInstanceOf(RangeError);
    expect((err as LedgerError).code).toBe('LEDGER_UNBALANCED_ENTRY');
    expect(l.reserved('a')).toBe(0n);
    await l.flush();
    expect(l.balances().size).toBe(0);
    // Large amounts are summed as bigints: an off-by-one there is caught too.
    const big = 1n << 60n;
    const unbalanced: JournalEntry = { id: 'y', kind: 'packet', postings: [{ account: 'peer:a', amount: big }, { account: 'peer:b', amount: 1n - big }] };
    expect(() => l.commit(unbalanced, undefined, () => undefined)).toThrow(/postings sum to 1, not 0/);
    await l.commitAsync({ ...unbalanced, postings: [{ account: 'peer:a', amount: big }, { account: 'peer:b', amount: -big }] });
    expect(l.balance('peer:b')).toBe(-big);
  });

  it('throws on malformed entries', async () => {
    const l = await openLedger();
    const base = entries.localDelivery('d', 'a', 5n);
    const cases: JournalEntry[] = [
      { ...base, id: '' },
      { ...base, kind: 'gift' as JournalEntry['kind'] },
      { ...base, postings: [] },
      { ...base, postings: [{ account: 'bank', amount: 5n }, { account: 'agent', amount: -5n }] },
      { ...base, postings: [{ account: 'peer:a', amount: 1n << 64n }, { account: 'agent', amount: -(1n << 64n) }] },
      { ...base, requestId: 2 ** 32 },
      { ...base, condition: 'abc' as unknown as Buffer },
    ];
    for (const e of cases) expect(() => l.commit(e, undefined, () => undefined), JSON.stringify(e.id)).toThrow(LedgerError);
  });

  it('counts a replayed id once, in the same turn and later, and releases the replay reservation', async () => {
    const l = await openLedger();
    const e = entries.forward('dup', 'a', 'b', 100n, 100n);
    l.reserve('a', 100n);
    l.reserve('a', 100n);
    const first = l.commitAsync(e, { peerId: 'a', amount: 100n });
    const again = l.commitAsync({ ...e, postings: e.postings.map((p) => ({ ...p })) }, { peerId: 'a', amount: 100n });
    expect(l.reserved('a')).toBe(0n);
    await Promise.all([first, again]);
    l.reserve('a', 100n);
    await l.commitAsync(e, { peerId: 'a', amount: 100n });
    expect(l.reserved('a')).toBe(0n);
    expect(l.balance('peer:a')).toBe(100n);
    expect(l.balance('peer:b')).toBe(-100n);
    expect((await l.verify()).ok).toBe(true);
  });

  it('calls a replay back only once the original is durable', async () => {
    const l = await openLedger();
    const order: string[] = [];
    l.commit(entries.localDelivery('r', 'a', 5n), undefined, () => order.push('original'));
    l.commit(entries.localDelivery('r', 'a', 5n), undefined, () => order.push('replay'));
    await l.flush();
    expect(order).toEqual(['original', 'replay']);
    expect(l.balance('peer:a')).toBe(5n);
  });

  it('writes one batch per event-loop turn and reports the coalesced balances', async () => {
    const l = await openLedger();
    const batches: Map<AccountId, bigint>[] = [];
    l.onBalanceChanged = (changes) => batches.push(new Map(changes));
    const acks: Promise<void>[] = [];
    for (let i = 0; i < 50; i++) acks.push(l.commitAsync(entries.forward(`g${i}`, 'a', 'b', 10n, 9n)));
    await Promise.all(acks);
    expect(batches).toEqual([
      new Map<AccountId, bigint>([
        ['peer:a', 500n],
        ['peer:b', -450n],
        ['fees', -50n],
      ]),
    ]);
    await l.commitAsync(entries.localSend('s', 'b', 50n));
    expect(batches[1]).toEqual(
      new Map<AccountId, bigint>([
        ['agent', 50n],
        ['peer:b', -500n],
      ]),
    );
  });

  it('commits made while a batch is written go into the next one', async () => {
    const l = await openLedger();
    let batches = 0;
    l.onBalanceChanged = () => batches++;
    const first = l.commitAsync(entries.localDelivery('n1', 'a', 1n));
    await new Promise((r) => setImmediate(r)); // the first batch is now in flight
    const second = l.commitAsync(entries.localDelivery('n2', 'a', 1n));
    await Promise.all([first, second]);
    expect(batches).toBe(2);
    expect(l.balance('peer:a')).toBe(2n);
  });

  it('a throwing callback or hook does not stop the others', async () => {
    const l = await openLedger();
    const seen: string[] = [];
    const uncaught: unknown[] = [];
    const onUncaught = (e: unknown) => uncaught.push(e);
    process.prependListener('uncaughtException', onUncaught);
    try {
      l.onBalanceChanged = () => {
        throw new Error('hook bug');
      };
      l.commit(entries.localDelivery('t1', 'a', 1n), undefined, () => {
        throw new Error('callback bug');
      });
      l.commit(entries.localDelivery('t2', 'a', 1n), undefined, () => seen.push('t2'));
      await l.flush();
      await new Promise((r) => setImmediate(r));
    } finally {
      process.removeListener('uncaughtException', onUncaught);
    }
    expect(seen).toEqual(['t2']);
    expect(uncaught.map((e) => (e as Error).message).sort()).toEqual(['callback bug', 'hook bug']);
    expect(l.balance('peer:a')).toBe(2n);
  });

  it('reports a failed write to every waiter, books nothing, keeps the reservation released', async () => {
    const l = await openLedger();
    l.setLimits('a', { creditLimit: 100n });
    l.reserve('a', 100n);
    // Fault injection on the real store: the next batch's write fails as a full disk would.
    const db = (l as unknown as { db: { batch: () => { write: () => Promise<void> } } }).db;
    const realBatch = db.batch.bind(db);
    db.batch = () => {
      const b = realBatch();
      b.write = () => Promise.reject(new Error('No space left on device'));
      return b;
    };
    const err = await l.commitAsync(entries.localDelivery('f1', 'a', 100n), { peerId: 'a', amount: 100n }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LedgerError);
    expect((err as LedgerError).code).toBe('LEDGER_WRITE_FAILED');
    expect((err as Error).message).toMatch(/No space left/);
    expect(l.reserved('a')).toBe(0n);
    expect(l.balance('peer:a')).toBe(0n);
    expect(l.reserve('a', 100n)).toBe(true); // the failed commit no longer counts against the limit
    db.batch = realBatch;
    await l.commitAsync(entries.localDelivery('f1', 'a', 100n), { peerId: 'a', amount: 100n }); // same id books now
    expect(l.balance('peer:a')).toBe(100n);
    expect((await l.verify()).ok).toBe(true);
  });
});

describe('fresh ids', () => {
  it('books a fresh entry without a replay lookup and without remembering its id', async () => {
    // Replay memory of 0: every non-fresh id is looked up on disk with its batch.
    const l = await openLedger({ recentIdCapacity: 0 });
    await l.commitAsync(entries.localDelivery('old', 'a', 1n));
    const db = (l as unknown as { db: { getMany: (keys: Buffer[]) => Promise<unknown[]> } }).db;
    const realGetMany = db.getMany.bind(db);
    let lookups = 0;
    db.getMany = (keys) => {
      lookups += keys.length;
      return realGetMany(keys);
    };
    const recent = (l as unknown as { recent: { size: number } }).recent;
    const size = recent.size;
    const e = { ...entries.localDelivery('fresh-1', 'a', 2n), fresh: true as const };
    // The same fresh id twice while unwritten: deduplicated by the pending map, booked once.
    const both = Promise.all([l.commitAsync(e), l.commitAsync(e)]);
    await both;
    expect(lookups).toBe(0);
    expect(recent.size).toBe(size);
    expect(l.balance('peer:a')).toBe(3n);
    // A non-fresh id still gets its lookup (and a replay of it books nothing).
    await l.commitAsync(entries.localDelivery('old', 'a', 1n));
    expect(lookups).toBe(1);
    expect(l.balance('peer:a')).toBe(3n);
    expect((await l.getEntry('fresh-1'))?.postings).toEqual(e.postings);
    expect((await l.verify()).ok).toBe(true);
  });

  it('rejects a fresh flag that is not true', async () => {
    const l = await openLedger();
    const bad = { ...entries.localDelivery('x', 'a', 1n), fresh: false } as unknown as JournalEntry;
    expect(() => l.commit(bad, undefined, () => undefined)).toThrow(/fresh must be true/);
  });
});

describe('settlement threshold', () => {
  it('notifies when we owe the peer at least its threshold, after the write', async () => {
    const l = await openLedger();
    l.setLimits('q', { settleThreshold: 100n });
    const calls: [string, bigint, bigint][] = [];
    l.onSettlementRequired = (peer, owed, threshold) => calls.push([peer, owed, threshold]);
    await l.commitAsync(entries.localSend('s1', 'q', 99n));
    expect(calls).toEqual([]);
    await l.commitAsync(entries.localSend('s2', 'q', 1n));
    expect(calls).toEqual([['q', 100n, 100n]]);
    await l.commitAsync(entries.claimSent('claim-out:q:100', 'q', 100n));
    expect(calls).toHaveLength(1);
    expect(l.balance('peer:q')).toBe(0n);
    expect(l.balance('channelOut:q')).toBe(-100n);
  });

  it('coalesces per batch and ignores peers without a threshold', async () => {
    const l = await openLedger();
    l.setLimits('q', { settleThreshold: 10n });
    const calls: [string, bigint][] = [];
    l.onSettlementRequired = (peer, owed) => calls.push([peer, owed]);
    await Promise.all([1, 2, 3].map((i) => l.commitAsync(entries.localSend(`c${i}`, 'q', 10n))));
    await l.commitAsync(entries.localSend('other', 'r', 1000n));
    expect(calls).toEqual([['q', 30n]]);
  });
});

describe('lifecycle', () => {
  it('close flushes pending commits, is idempotent, and refuses later commits', async () => {
    const l = await openLedger();
    let acked = false;
    l.commit(entries.localDelivery('c1', 'a', 3n), undefined, (err) => (acked = err === undefined));
    await Promise.all([l.close(), l.close()]);
    expect(acked).toBe(true);
    l.reserve('a', 3n);
    expect(() => l.commit(entries.localDelivery('c2', 'a', 3n), { peerId: 'a', amount: 3n }, () => undefined)).toThrow(/closed/);
    expect(l.reserved('a')).toBe(0n);
    await expect(l.verify()).rejects.toMatchObject({ code: 'LEDGER_CLOSED' });
    await expect(l.exportSnapshot()).rejects.toMatchObject({ code: 'LEDGER_CLOSED' });
    await expect(l.getEntry('c1')).rejects.toMatchObject({ code: 'LEDGER_CLOSED' });
  });

  it('flush resolves at once when idle', async () => {
    const l = await openLedger();
    await l.flush();
    expect(l.balances().size).toBe(0);
  });
});
