/**
 * Group commit as both ledger backends run it (LevelDB: write-lane.ts; PostgreSQL: postgres/pg-lane.ts),
 * and the checks of the ledger calls they share (limits, reserve, release, what a commit is refused for).
 *
 * The commits of one event-loop turn form a group; when the turn ends the group goes to the store's
 * write (`writeGroup`, the one thing each backend does its own way: one LevelDB batch, one SQL
 * statement). Up to `maxInFlight` groups are written at once and may complete in any order; commits
 * made meanwhile go into the next group. The subclass reports each group's outcome to `settle`, which
 * wakes `flush()` waiters, runs the callbacks and, on a failed write, puts the ledger in the fault state
 * (fail-stop) after recording the group's packets in the side journal.
 */
import { trackPendingUp, type LaneAccount } from './account.js';
import { LedgerError } from './errors.js';
import { callAll, safely, type Callback } from './group.js';
import type { SideJournal, SideRecord } from './side-journal.js';
import { accounts, type AccountId, type JournalEntry, type PeerLimits, type Reservation } from './types.js';
import { checkAccount, checkAmount, checkEntryShape, checkLimits, checkPeerId } from './validate.js';

/**
 * Why the ledger stopped taking money: the first failed write since the store was (re)opened
 * (`LEDGER_WRITE_FAILED`: cleared once the store works again), or damage found reading the store
 * (`LEDGER_CORRUPT`: stays until a restart; see `ledger salvage`).
 */
export interface LedgerFault {
  code: 'LEDGER_WRITE_FAILED' | 'LEDGER_CORRUPT';
  /** The store's own error message (ENOSPC, EPERM, EIO ...; a database URL masked), or the damage found. */
  reason: string;
  /** ms since the epoch of the first failure. */
  since: number;
  /** Packets paid downstream, rejected upstream and recorded in the side journal since then. */
  recorded: number;
  /** Such packets the side journal could not take either (their loss is in the error log only). */
  unrecorded: number;
}

/** Called once per batch write with its sync flag, before the write; tests count syncs per batch with it. */
export type WriteHook = (info: { seq: number; entries: number; sync: boolean }) => void;

/** One committed entry waiting for its group's write. */
export interface LaneItem {
  entry: JournalEntry;
  /** Booking time (ms). */
  ts: number;
  /** Found already booked: left out of the write, and not a loss when the write fails. */
  replay?: boolean;
}

/** The commits of one event-loop turn. */
export interface LaneGroup<I extends LaneItem> {
  readonly seq: number;
  readonly items: I[];
  readonly waiters: Callback[];
  /** The ctx of each waiter (same index). */
  readonly ctxs: unknown[];
  readonly empty: boolean;
}

export const closedError = (): LedgerError => new LedgerError('LEDGER_CLOSED', 'The ledger is closed', 'Use the ledger before close(), or open it again.');

/** How a backend sets up its lane. */
export interface LaneOptions<A, G> {
  /** Groups written at once (>= 1). */
  maxInFlight: number;
  /** The seq of the last group already written (the first new group is seqBase + 1). */
  seqBase: number;
  newGroup: (seq: number) => G;
  /** A fresh account (the id is already validated). */
  newAccount: (id: AccountId) => A;
  /** Where the packets of a failed group are recorded before their callers hear. */
  side: SideJournal;
  /** `reserve` refuses while the ledger is in the fault state. */
  refuseWhenFaulted: boolean;
}

export abstract class GroupLane<A extends LaneAccount, I extends LaneItem, G extends LaneGroup<I>> {
  /** Called after each durable batch with the new balance of every account it touched. */
  onBalanceChanged?: (changes: ReadonlyMap<AccountId, bigint>) => void;
  /** Called after each durable batch that touched a peer we owe at least its settleThreshold (-balance >= threshold). */
  onSettlementRequired?: (peerId: string, owed: bigint, threshold: bigint) => void;
  /** Called when the first write fails (the ledger stops taking money until the store works again). */
  onFault?: (fault: LedgerFault) => void;
  /** Called when the reopened store took the side journal's losses: the ledger takes money again. */
  onRecovered?: (info: { lossesBooked: number; downMs: number }) => void;
  /** See WriteHook. */
  writeHook?: WriteHook;
  /** Called when a batch write completes (ok or failed), before its callers hear (tests, bench/store-write.ts). */
  writtenHook?: (info: { seq: number; ok: boolean }) => void;

  protected readonly accts = new Map<AccountId, A>();
  protected readonly peers = new Map<string, A>();
  /**
   * Ids committed but not yet durable, with the sequence number of the group that writes them (a
   * repeat joins the first commit). A number, not the group: a long-lived Map's deleted slots can keep
   * their old values reachable for the young-generation GC, which then promotes whole dead groups.
   */
  protected pending = new Map<string, number>();
  protected groupSeq: number;
  protected group: G;
  /** The groups being written (at most `maxInFlight`), in no particular completion order. */
  protected readonly inFlight: G[] = [];
  /** An import or a reopen holds the write lane: no group starts. */
  protected laneHeld = false;
  /** Every group with seq <= doneSeq is done (written or failed). */
  protected doneSeq: number;
  private readonly doneAbove = new Set<number>();
  private flushWaiters: { seq: number; resolve: () => void }[] = [];
  protected closed = false;
  protected faultState: LedgerFault | undefined;
  private scheduled = false;
  private readonly maxInFlight: number;
  private readonly newGroup: (seq: number) => G;
  private readonly newAccount: (id: AccountId) => A;
  private readonly refuseWhenFaulted: boolean;
  protected readonly side: SideJournal;

  protected constructor(o: LaneOptions<A, G>) {
    this.side = o.side;
    this.maxInFlight = o.maxInFlight;
    this.newGroup = o.newGroup;
    this.newAccount = o.newAccount;
    this.refuseWhenFaulted = o.refuseWhenFaulted;
    this.groupSeq = o.seqBase + 1;
    this.group = o.newGroup(this.groupSeq);
    this.doneSeq = o.seqBase;
  }

  /** Books an entry; `cb` once its group is written (see each backend). */
  abstract commit(entry: JournalEntry, reservation: Reservation | undefined, cb: Callback, ctx?: unknown): void;

  /** Writes group `g` to the store; calls `settle` (directly or through the backend's own completion) when it is done. */
  protected abstract writeGroup(g: G): void;

  /** The error the callers of a failed group hear. */
  protected abstract writeFailure(err: unknown): LedgerError;

  /** The side-journal page of a failed group's packets ('' when the backend has none). */
  protected abstract lossPage(g: G): string;

  /** Hook for the subclass: the ledger just entered the fault state. */
  protected abstract faulted(): void;

  /** Why the ledger refuses money now (a write failed and the store has not recovered yet); undefined when it works. */
  get fault(): LedgerFault | undefined {
    return this.faultState;
  }

  /** Resolves when everything committed so far is written (or has failed): every group up to the current one. */
  flush(): Promise<void> {
    const seq = this.group.empty ? this.group.seq - 1 : this.group.seq;
    if (this.doneSeq >= seq) return Promise.resolve();
    return new Promise((resolve) => {
      this.flushWaiters.push({ seq, resolve });
      if (seq === this.group.seq) this.schedule();
    });
  }

  /** Sets a peer's limits (asset units). Takes effect from the next reserve. */
  setLimits(peerId: string, limits: PeerLimits): void {
    checkLimits(peerId, limits);
    const a = this.peer(peerId);
    a.creditLimit = limits.creditLimit;
    a.settleThreshold = limits.settleThreshold;
  }

  /** Reserve `amount` on peer:<peerId>. Returns false (nothing reserved) when it would exceed the credit limit. */
  reserve(peerId: string, amount: bigint): boolean {
    const a = this.peers.get(peerId) ?? this.peer(peerId);
    if (typeof amount !== 'bigint' || amount < 0n) checkAmount(amount, 'reserve amount');
    if (this.refuseWhenFaulted && this.faultState !== undefined) return false;
    if (a.creditLimit !== undefined && a.balance + a.pendingUp + a.reserved + amount > a.creditLimit) return false;
    a.reserved += amount;
    return true;
  }

  /** Releases what `reserve` took (Reject, timeout, expiry). Never takes the reservation below zero. */
  release(peerId: string, amount: bigint): void {
    const a = this.peers.get(peerId);
    if (a !== undefined) a.reserved = amount >= a.reserved ? 0n : a.reserved - amount;
  }

  /** `commit` as a promise (settlement and tools; the packet path uses the callback form). */
  commitAsync(entry: JournalEntry, reservation?: Reservation): Promise<void> {
    return new Promise((resolve, reject) => this.commit(entry, reservation, (err) => (err ? reject(err) : resolve())));
  }

  /** Durable balance of `account` (0 if never booked). Positive: the account owes us. */
  balance(account: AccountId): bigint {
    return this.accts.get(account)?.balance ?? 0n;
  }

  /** What Prepares in flight have reserved on peer:<peerId>. */
  reserved(peerId: string): bigint {
    return this.peers.get(peerId)?.reserved ?? 0n;
  }

  /** Every booked account with its durable balance. */
  balances(): Map<AccountId, bigint> {
    const out = new Map<AccountId, bigint>();
    for (const a of this.accts.values()) if (a.booked) out.set(a.id, a.balance);
    return out;
  }

  /**
   * What every commit checks first: releases `reservation` (even when the commit is then refused),
   * throws when the ledger is closed or the entry is malformed or unbalanced.
   */
  protected admit(entry: JournalEntry, reservation: Reservation | undefined): void {
    if (reservation !== undefined) {
      checkAmount(reservation.amount, 'reservation amount');
      this.release(reservation.peerId, reservation.amount);
    }
    if (this.closed) throw closedError();
    checkEntryShape(entry);
  }

  /** The same id committed again while unwritten: it is booked once, both callers hear when. True when it joined. */
  protected joinPending(id: string, cb: Callback, ctx: unknown): boolean {
    const owner = this.pending.get(id);
    if (owner === undefined) return false;
    const g = owner === this.group.seq ? this.group : this.inFlight.find((x) => x.seq === owner)!;
    g.waiters.push(cb);
    g.ctxs.push(ctx);
    return true;
  }

  /** Adds an item (its pending increases already tracked) to the current group. */
  protected addItem(it: I, cb: Callback, ctx: unknown): void {
    const g = this.group;
    g.items.push(it);
    g.waiters.push(cb);
    g.ctxs.push(ctx);
    this.pending.set(it.entry.id, g.seq);
    this.schedule();
  }

  protected account(id: AccountId): A {
    let a = this.accts.get(id);
    if (a !== undefined) return a;
    checkAccount(id);
    a = this.newAccount(id);
    this.accts.set(id, a);
    if (a.peerId !== undefined) this.peers.set(a.peerId, a);
    return a;
  }

  protected peer(peerId: string): A {
    const a = this.peers.get(peerId);
    if (a !== undefined) return a;
    checkPeerId(peerId);
    return this.account(accounts.peer(peerId));
  }

  /** The accounts of an entry's postings, in order. */
  protected postingAccounts(entry: JournalEntry): A[] {
    const postings = entry.postings;
    const accts = new Array<A>(postings.length);
    for (let i = 0; i < postings.length; i++) accts[i] = this.accts.get(postings[i].account) ?? this.account(postings[i].account);
    return accts;
  }

  /** Removes an item's not-yet-durable increases and its pending id (its group is done). */
  protected untrack(entry: JournalEntry, accts: readonly A[]): void {
    trackPendingUp(accts, entry.postings, -1);
    this.pending.delete(entry.id);
  }

  protected schedule(): void {
    if (this.scheduled || this.laneHeld || this.inFlight.length >= this.maxInFlight) return;
    this.scheduled = true;
    setImmediate(this.writeNext);
  }

  private readonly writeNext = (): void => {
    this.scheduled = false;
    this.startGroup();
  };

  /**
   * Starts writing the current group now if a slot is free. Called when a slot frees (settle, before
   * the finished group's callbacks run: the disk gets the next batch without waiting for them or for
   * another event-loop phase) and by `schedule` once the turn's commits are in.
   */
  protected startGroup(): void {
    if (this.laneHeld || this.inFlight.length >= this.maxInFlight || this.group.empty) return;
    const g = this.group;
    this.group = this.newGroup(++this.groupSeq);
    this.inFlight.push(g);
    this.writeGroup(g);
  }

  /** The store's reason for a failed write, as the fault names it. */
  protected describe(err: unknown): string {
    return err instanceof Error ? err.message : String(err);
  }

  /** The store refused a write: stop taking money (once), and let the subclass start probing. */
  protected enterFault(err: unknown, code: LedgerFault['code'] = 'LEDGER_WRITE_FAILED'): void {
    if (this.faultState !== undefined) return;
    this.faultState = { code, reason: this.describe(err), since: Date.now(), recorded: 0, unrecorded: 0 };
    this.faulted();
    const f = this.faultState;
    if (this.onFault) safely(() => this.onFault!(f));
  }

  /**
   * Group `g` is done (`err` undefined: written; the subclass has applied its balances, `touched` the
   * accounts that changed): wakes flush() waiters, starts the next group, calls its waiters back.
   */
  protected settle(g: G, err: unknown, touched: readonly A[]): void {
    this.inFlight.splice(this.inFlight.indexOf(g), 1);
    // Emptied: start a new Map. Once a Map is in the old generation V8 allocates each new hash table
    // of it there too, and this one's table is rebuilt every ~100 commits.
    if (this.pending.size === 0) this.pending = new Map();
    this.finished(g.seq);
    let failure: LedgerError | undefined;
    if (err !== undefined) {
      this.enterFault(err);
      this.recordLosses(g);
      failure = this.writeFailure(err);
    }
    // The commits made while g was written go out now, before g's callbacks: a Fulfill waits for the
    // write in progress when it was committed and then its own, nothing else (no timer, no extra turn).
    if (this.writtenHook) safely(() => this.writtenHook!({ seq: g.seq, ok: err === undefined }));
    this.startGroup();
    callAll(g.waiters, g.ctxs, failure);
    if (touched.length > 0) this.notify(touched);
  }

  /** Packets of a failed group were paid downstream and will be rejected upstream: record them before anyone hears. */
  private recordLosses(g: G): void {
    const f = this.faultState!;
    const page = this.lossPage(g);
    const records: SideRecord[] = [];
    for (const it of g.items) if (it.replay !== true && it.entry.kind === 'packet') records.push({ page, entry: { ...it.entry, ts: it.ts } });
    if (records.length === 0) return;
    try {
      this.side.append(records);
      f.recorded += records.length;
    } catch {
      f.unrecorded += records.length;
    }
  }

  /** Marks group `seq` done, advances doneSeq over every group done in a row, wakes flush() waiters. */
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

  private notify(touched: readonly A[]): void {
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
