/**
 * The PostgreSQL ledger's write lane: group commit over a connection pool.
 *
 * The commits of one event-loop turn form a group, written as one statement (`BATCH`: journal rows
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
import { LedgerError } from '../errors.js';
import { callAll, safely, type Callback } from '../group.js';
import type { SideJournal, SideRecord } from '../side-journal.js';
import { accounts, type AccountId, type JournalEntry } from '../types.js';
import { checkAccount, checkPeerId } from '../validate.js';
import type { LedgerFault } from '../write-lane.js';
import { BATCH, rowsJson } from './queries.js';

/** One account in memory. */
export interface PgAccount {
  readonly id: AccountId;
  /** Durable balance: base + every committed batch's change. */
  balance: bigint;
  booked: boolean;
  readonly peerId: string | undefined;
  /** Positive postings committed but not yet durable, counted against the credit limit at once. */
  pendingUp: bigint;
  reserved: bigint;
  creditLimit: bigint | undefined;
  settleThreshold: bigint | undefined;
}

interface Item {
  entry: JournalEntry;
  ts: number;
  accts: PgAccount[];
}

class PgGroup {
  constructor(readonly seq: number) {}
  readonly items: Item[] = [];
  readonly waiters: Callback[] = [];
  readonly ctxs: unknown[] = [];
  get empty(): boolean {
    return this.items.length === 0;
  }
}

function addPendingUp(it: Item, sign: 1n | -1n): void {
  const postings = it.entry.postings;
  for (let i = 0; i < it.accts.length; i++) {
    const a = it.accts[i];
    const amount = postings[i].amount;
    if (a.peerId !== undefined && amount > 0n) a.pendingUp += sign * amount;
  }
}

export abstract class PgLane {
  onBalanceChanged?: (changes: ReadonlyMap<AccountId, bigint>) => void;
  onSettlementRequired?: (peerId: string, owed: bigint, threshold: bigint) => void;
  onFault?: (fault: LedgerFault) => void;
  onRecovered?: (info: { lossesBooked: number; downMs: number }) => void;
  /** Tests: called before each batch statement with its size. */
  writeHook?: (info: { seq: number; entries: number; sync: boolean }) => void;

  protected readonly accts = new Map<AccountId, PgAccount>();
  protected readonly peers = new Map<string, PgAccount>();
  /** Ids committed but not yet durable, with their group's seq (a repeat joins the first commit). */
  protected pending = new Map<string, number>();
  protected group: PgGroup;
  private groupSeq = 1;
  protected readonly inFlight: PgGroup[] = [];
  protected laneHeld = false;
  protected closed = false;
  protected faultState: LedgerFault | undefined;
  private scheduled = false;
  private flushWaiters: { seq: number; resolve: () => void }[] = [];
  private doneSeq = 0;
  private readonly doneAbove = new Set<number>();

  protected constructor(
    protected pool: pg.Pool,
    protected readonly side: SideJournal,
    private readonly maxInFlight: number,
  ) {
    this.group = new PgGroup(this.groupSeq);
  }

  get fault(): LedgerFault | undefined {
    return this.faultState;
  }

  /** Resolves when every commit made so far is durable or has failed. */
  flush(): Promise<void> {
    const seq = this.group.empty ? this.group.seq - 1 : this.group.seq;
    if (this.doneSeq >= seq) return Promise.resolve();
    return new Promise((resolve) => {
      this.flushWaiters.push({ seq, resolve });
      if (seq === this.group.seq) this.schedule();
    });
  }

  protected account(id: AccountId): PgAccount {
    let a = this.accts.get(id);
    if (a !== undefined) return a;
    checkAccount(id);
    a = { id, balance: 0n, booked: false, peerId: id.startsWith('peer:') ? id.slice(5) : undefined, pendingUp: 0n, reserved: 0n, creditLimit: undefined, settleThreshold: undefined };
    this.accts.set(id, a);
    if (a.peerId !== undefined) this.peers.set(a.peerId, a);
    return a;
  }

  protected peer(peerId: string): PgAccount {
    const a = this.peers.get(peerId);
    if (a !== undefined) return a;
    checkPeerId(peerId);
    return this.account(accounts.peer(peerId));
  }

  /** Adds a checked entry to the current group (or to the unwritten commit of the same id). */
  protected enqueue(entry: JournalEntry, cb: Callback, ctx: unknown): void {
    const owner = this.pending.get(entry.id);
    if (owner !== undefined) {
      const g = owner === this.group.seq ? this.group : this.inFlight.find((x) => x.seq === owner)!;
      g.waiters.push(cb);
      g.ctxs.push(ctx);
      return;
    }
    const postings = entry.postings;
    const accts = new Array<PgAccount>(postings.length);
    for (let i = 0; i < postings.length; i++) accts[i] = this.accts.get(postings[i].account) ?? this.account(postings[i].account);
    const it: Item = { entry, ts: entry.ts ?? Date.now(), accts };
    addPendingUp(it, 1n);
    const g = this.group;
    g.items.push(it);
    g.waiters.push(cb);
    g.ctxs.push(ctx);
    this.pending.set(entry.id, g.seq);
    this.schedule();
  }

  protected schedule(): void {
    if (this.scheduled || this.laneHeld || this.inFlight.length >= this.maxInFlight) return;
    this.scheduled = true;
    setImmediate(this.writeNext);
  }

  private readonly writeNext = (): void => {
    this.scheduled = false;
    if (this.laneHeld || this.inFlight.length >= this.maxInFlight || this.group.empty) return;
    const g = this.group;
    this.group = new PgGroup(++this.groupSeq);
    this.inFlight.push(g);
    if (this.writeHook) this.writeHook({ seq: g.seq, entries: g.items.length, sync: true });
    let json: string;
    try {
      json = rowsJson(g.items);
    } catch (err) {
      this.done(g, err, undefined);
      return;
    }
    this.pool.query<{ id: string }>({ name: BATCH.name, text: BATCH.text, values: [json] }).then(
      (r) => this.done(g, undefined, r.rows),
      (err: unknown) => this.done(g, err, undefined),
    );
  };

  private done(g: PgGroup, err: unknown, inserted: { id: string }[] | undefined): void {
    const changes = new Map<PgAccount, bigint>();
    const all = inserted !== undefined && inserted.length === g.items.length;
    const fresh = all ? undefined : new Set(inserted?.map((r) => r.id));
    for (const it of g.items) {
      addPendingUp(it, -1n);
      this.pending.delete(it.entry.id);
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
    this.inFlight.splice(this.inFlight.indexOf(g), 1);
    if (this.pending.size === 0) this.pending = new Map();
    this.finished(g.seq);
    let failure: LedgerError | undefined;
    if (err !== undefined) {
      this.enterFault(err);
      this.recordLosses(g);
      const reason = this.describe(err);
      failure = new LedgerError('LEDGER_WRITE_FAILED', `Ledger write failed; nothing of the batch was booked: ${reason}`, 'Check the PostgreSQL server (running, reachable, disk space), then retry.', { cause: err, details: { reason } });
    }
    if (!this.group.empty) this.schedule();
    callAll(g.waiters, g.ctxs, failure);
    if (changes.size > 0) this.notify([...changes.keys()]);
  }

  /** An error's message with nothing secret in it (the subclass masks the URL). */
  protected abstract describe(err: unknown): string;

  /** Hook: an id marked fresh was already in the journal (so it was not booked again). */
  protected abstract freshRepeated(id: string): void;

  /** Hook: the ledger just entered the fault state. */
  protected abstract faulted(): void;

  protected enterFault(err: unknown): void {
    if (this.faultState !== undefined) return;
    this.faultState = { code: 'LEDGER_WRITE_FAILED', reason: this.describe(err), since: Date.now(), recorded: 0, unrecorded: 0 };
    this.faulted();
    const f = this.faultState;
    if (this.onFault) safely(() => this.onFault!(f));
  }

  /** Packets of a failed batch were paid downstream and are rejected upstream: record them first. */
  private recordLosses(g: PgGroup): void {
    const f = this.faultState!;
    const records: SideRecord[] = [];
    for (const it of g.items) if (it.entry.kind === 'packet') records.push({ page: '', entry: { ...it.entry, ts: it.ts } });
    if (records.length === 0) return;
    try {
      this.side.append(records);
      f.recorded += records.length;
    } catch {
      f.unrecorded += records.length;
    }
  }

  private finished(seq: number): void {
    if (seq === this.doneSeq + 1) {
      this.doneSeq = seq;
      while (this.doneAbove.delete(this.doneSeq + 1)) this.doneSeq++;
    } else {
      this.doneAbove.add(seq);
    }
    if (this.flushWaiters.length > 0) {
      const ready = this.flushWaiters.filter((w) => w.seq <= this.doneSeq);
      if (ready.length > 0) {
        this.flushWaiters = this.flushWaiters.filter((w) => w.seq > this.doneSeq);
        for (const w of ready) safely(w.resolve);
      }
    }
  }

  private notify(touched: PgAccount[]): void {
    if (this.onBalanceChanged) {
      const changes = new Map<AccountId, bigint>();
      for (const a of touched) changes.set(a.id, a.balance);
      safely(() => this.onBalanceChanged!(changes));
    }
    if (this.onSettlementRequired) {
      for (const a of touched) {
        const t = a.settleThreshold;
        if (t !== undefined && a.peerId !== undefined && -a.balance >= t) safely(() => this.onSettlementRequired!(a.peerId!, -a.balance, t));
      }
    }
  }
}
