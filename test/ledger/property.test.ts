/**
 * Property: random reserve / commit / release / claim / replay scripts run by concurrent callers
 * (interleaved by fast-check's scheduler, on a real LevelDB) behave like a simple in-memory model:
 * every reserve decision matches, no limited peer ever goes over its limit, the final balances and
 * reservations match, verify passes, and a restart brings the same balances back.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Ledger, accounts, entries, type JournalEntry } from '../../src/ledger/index.js';
import { tempDir } from './helpers.js';

const PEERS = ['p0', 'p1', 'p2'];

type Op =
  | { t: 'pay'; from: number; to: number; amount: bigint; commit: boolean }
  | { t: 'claim'; peer: number; amount: bigint }
  | { t: 'send'; to: number; amount: bigint }
  | { t: 'replay'; k: number };

const amount = fc.bigInt({ min: 0n, max: 400n });
const peer = fc.nat({ max: PEERS.length - 1 });
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ t: fc.constant('pay' as const), from: peer, to: peer, amount, commit: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('claim' as const), peer, amount }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('send' as const), to: peer, amount }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('replay' as const), k: fc.nat() }) },
);
const scripts = fc.array(fc.array(op, { maxLength: 8 }), { minLength: 1, maxLength: 6 });
const limits = fc.array(fc.option(fc.bigInt({ min: 0n, max: 1000n }), { nil: undefined }), { minLength: PEERS.length, maxLength: PEERS.length });

/** The model: durable balances, not-yet-durable increases, reservations. */
class Model {
  readonly durable = new Map<string, bigint>();
  readonly pendingUp = new Map<string, bigint>();
  readonly reserved = new Map<string, bigint>();
  readonly booked = new Set<string>();
  readonly acked = new Set<string>();
  constructor(readonly limits: (bigint | undefined)[]) {}

  private get(m: Map<string, bigint>, k: string): bigint {
    return m.get(k) ?? 0n;
  }

  canReserve(p: number, a: bigint): boolean {
    const limit = this.limits[p];
    const acct = accounts.peer(PEERS[p]);
    return limit === undefined || this.get(this.durable, acct) + this.get(this.pendingUp, acct) + this.get(this.reserved, PEERS[p]) + a <= limit;
  }

  reserve(p: number, a: bigint): void {
    this.reserved.set(PEERS[p], this.get(this.reserved, PEERS[p]) + a);
  }

  release(p: string, a: bigint): void {
    const r = this.get(this.reserved, p);
    this.reserved.set(p, a >= r ? 0n : r - a);
  }

  /**
   * What the ledger does with a commit: a new id books; a replay of an id still being written waits
   * for it; a replay of a durable id is confirmed on disk with its batch and, until then, counts
   * against the limit like a new entry would.
   */
  issue(e: JournalEntry): 'new' | 'pending-replay' | 'durable-replay' {
    const kind = this.acked.has(e.id) ? 'durable-replay' : this.booked.has(e.id) ? 'pending-replay' : 'new';
    this.booked.add(e.id);
    if (kind !== 'pending-replay') this.addUp(e, 1n);
    return kind;
  }

  ack(e: JournalEntry, kind: 'new' | 'pending-replay' | 'durable-replay'): void {
    if (kind === 'pending-replay') return;
    this.addUp(e, -1n);
    if (kind === 'durable-replay') return;
    this.acked.add(e.id);
    for (const p of e.postings) this.durable.set(p.account, this.get(this.durable, p.account) + p.amount);
  }

  private addUp(e: JournalEntry, sign: bigint): void {
    for (const p of e.postings) if (p.account.startsWith('peer:') && p.amount > 0n) this.pendingUp.set(p.account, this.get(this.pendingUp, p.account) + sign * p.amount);
  }
}

async function runScripts(s: fc.Scheduler, ledger: Ledger, model: Model, callers: Op[][]): Promise<void> {
  const committed: JournalEntry[] = [];
  const step = (label: string) => s.schedule(Promise.resolve(label), label);
  const checkLimits = () => {
    PEERS.forEach((p, i) => {
      const limit = model.limits[i];
      if (limit !== undefined) expect(ledger.balance(accounts.peer(p)) + ledger.reserved(p)).toBeLessThanOrEqual(limit);
      expect(ledger.reserved(p)).toBe(model.reserved.get(p) ?? 0n);
    });
  };
  const commit = (e: JournalEntry, reservation?: { peerId: string; amount: bigint }) =>
    new Promise<void>((resolve, reject) => {
      if (reservation) model.release(reservation.peerId, reservation.amount);
      const kind = model.issue(e);
      if (kind === 'new') committed.push(e);
      ledger.commit(e, reservation, (err) => {
        if (err) return reject(err);
        // Synchronous with the ledger's own update: no other caller runs in between.
        model.ack(e, kind);
        resolve();
      });
    });
  const caller = async (c: number, script: Op[]) => {
    for (let i = 0; i < script.length; i++) {
      const o = script[i];
      const id = `c${c}-${i}`;
      await step(`${id} ${o.t}`);
      if (o.t === 'pay') {
        const from = PEERS[o.from];
        const got = ledger.reserve(from, o.amount);
        expect(got).toBe(model.canReserve(o.from, o.amount));
        if (!got) continue;
        model.reserve(o.from, o.amount);
        checkLimits();
        await step(`${id} settle`);
        if (o.commit) await commit(entries.forward(id, from, PEERS[o.to === o.from ? (o.to + 1) % PEERS.length : o.to], o.amount, o.amount - o.amount / 10n), { peerId: from, amount: o.amount });
        else {
          ledger.release(from, o.amount);
          model.release(from, o.amount);
        }
      } else if (o.t === 'claim') await commit(entries.claimReceived(`claim-${id}`, PEERS[o.peer], o.amount));
      else if (o.t === 'send') await commit(entries.localSend(id, PEERS[o.to], o.amount));
      else if (committed.length > 0) await commit(committed[o.k % committed.length]);
      checkLimits();
    }
  };
  await s.waitFor(Promise.all(callers.map((script, c) => caller(c, script))));
}

async function check(s: fc.Scheduler, lim: (bigint | undefined)[], callers: Op[][], recentIdCapacity: number | undefined): Promise<void> {
  const dataDir = tempDir();
  const ledger = await Ledger.open({ dataDir, compactIntervalMs: 0, recentIdCapacity });
  try {
    PEERS.forEach((p, i) => ledger.setLimits(p, { creditLimit: lim[i] }));
    const model = new Model(lim);
    await runScripts(s, ledger, model, callers);
    await ledger.flush();
    const expected = new Map([...model.durable].filter(([, v]) => v !== 0n));
    const actual = new Map([...ledger.balances()].filter(([, v]) => v !== 0n));
    expect(actual).toEqual(expected);
    for (const p of PEERS) expect(ledger.reserved(p)).toBe(model.reserved.get(p) ?? 0n);
    expect(await ledger.verify()).toMatchObject({ ok: true, sum: '0' });
  } finally {
    await ledger.close();
  }
  const again = await Ledger.open({ dataDir, compactIntervalMs: 0 });
  try {
    expect(again.balances()).toEqual(new Map([...(await again.exportSnapshot().then((x) => Object.entries(x.balances)))].map(([k, v]) => [k, BigInt(v)])));
    for (const p of PEERS) expect(again.reserved(p)).toBe(0n);
  } finally {
    await again.close();
  }
}

describe('ledger under concurrent callers (fast-check model)', () => {
  it('matches the model exactly', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), limits, scripts, async (s, lim, callers) => check(s, lim, callers, undefined)),
      { numRuns: 60 },
    );
  });

  it('matches the model when memory holds only 2 ids and every id is looked up on disk', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), limits, scripts, async (s, lim, callers) => check(s, lim, callers, 2)),
      { numRuns: 30 },
    );
  });
});
