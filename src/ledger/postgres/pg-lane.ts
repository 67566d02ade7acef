/**
 * The PostgreSQL ledger's write lane: the shared group commit (../group-lane.ts) over a connection pool.
 *
 * The commits of one event-loop turn form a group, written as one statement (batch.ts `BATCH`: journal rows
 * plus one delta row, its own transaction); up to `maxInFlight` statements run at once on separate
 * connections, and commits made meanwhile go into the next group. A callback runs only after its
 * group's statement answered, i.e. after COMMIT with synchronous_commit on: the WAL record is flushed
 * on the server. Delta rows commute, so transactions may commit in any order.
 *
 * A failed statement puts the ledger in the fault state (fail-stop): its packet entries go to the side
 * journal before their callers hear (they reject upstream while the next hop was paid), and the
 * subclass probes the database until it answers again.
 */
import type pg from 'pg';
import { trackPendingUp, type LaneAccount } from '../account.js';
import { LedgerError } from '../errors.js';
import type { Callback } from '../group.js';
import { GroupLane, type LaneGroup } from '../group-lane.js';
import type { SideJournal } from '../side-journal.js';
import type { AccountId, JournalEntry } from '../types.js';
import { BATCH, batchParams, type BatchResult } from './batch.js';

/** One account in memory. */
export type PgAccount = LaneAccount;

interface Item {
  entry: JournalEntry;
  ts: number;
  accts: PgAccount[];
}

class PgGroup implements LaneGroup<Item> {
  constructor(readonly seq: number) {}
  readonly items: Item[] = [];
  readonly waiters: Callback[] = [];
  readonly ctxs: unknown[] = [];
  get empty(): boolean {
    return this.items.length === 0;
  }
}

const newPgAccount = (id: AccountId): PgAccount => ({ id, balance: 0n, booked: false, peerId: id.startsWith('peer:') ? id.slice(5) : undefined, pendingUp: 0n, reserved: 0n, creditLimit: undefined, settleThreshold: undefined });

export abstract class PgLane extends GroupLane<PgAccount, Item, PgGroup> {
  protected constructor(
    protected pool: pg.Pool,
    side: SideJournal,
    maxInFlight: number,
  ) {
    // A faulted PostgreSQL ledger refuses reservations itself.
    super({ maxInFlight, seqBase: 0, side, newGroup: (seq) => new PgGroup(seq), newAccount: newPgAccount, refuseWhenFaulted: true });
  }

  /** Adds a checked entry to the current group (or to the unwritten commit of the same id). */
  protected enqueue(entry: JournalEntry, cb: Callback, ctx: unknown): void {
    if (this.joinPending(entry.id, cb, ctx)) return;
    const accts = this.postingAccounts(entry);
    trackPendingUp(accts, entry.postings, 1);
    this.addItem({ entry, ts: entry.ts ?? Date.now(), accts }, cb, ctx);
  }

  protected writeGroup(g: PgGroup): void {
    if (this.writeHook) this.writeHook({ seq: g.seq, entries: g.items.length, sync: true });
    let values: string[];
    try {
      values = batchParams(g.items);
    } catch (err) {
      this.done(g, err, undefined);
      return;
    }
    this.pool.query<BatchResult>({ name: BATCH.name, text: BATCH.text, values }).then(
      (r) => this.done(g, undefined, r.rows[0]),
      (err: unknown) => this.done(g, err, undefined),
    );
  }

  private done(g: PgGroup, err: unknown, result: BatchResult | undefined): void {
    const changes = new Map<PgAccount, bigint>();
    const all = result !== undefined && result.n === g.items.length;
    const fresh = all ? undefined : new Set(result?.ids ?? []);
    for (const it of g.items) {
      this.untrack(it.entry, it.accts);
      if (err !== undefined) continue;
      if (!all && !fresh!.has(it.entry.id)) {
        // A replay; for an id marked fresh it is a minting bug (see JournalEntry.fresh), never silent.
        if (it.entry.fresh === true) this.freshRepeated(it.entry.id);
        continue;
      }
      const postings = it.entry.postings;
      for (let i = 0; i < it.accts.length; i++) changes.set(it.accts[i], (changes.get(it.accts[i]) ?? 0n) + postings[i].amount);
    }
    for (const [a, d] of changes) {
      a.balance += d;
      a.booked = true;
    }
    this.settle(g, err, changes.size > 0 ? [...changes.keys()] : []);
  }

  protected writeFailure(err: unknown): LedgerError {
    const reason = this.describe(err);
    return new LedgerError('LEDGER_WRITE_FAILED', `Ledger write failed; nothing of the batch was booked: ${reason}`, 'Check the PostgreSQL server (running, reachable, disk space), then retry.', { cause: err, details: { reason } });
  }

  /** The PostgreSQL journal has no pages. */
  protected lossPage(): string {
    return '';
  }

  /** Hook: an id marked fresh was already in the journal (so it was not booked again). */
  protected abstract freshRepeated(id: string): void;
}
