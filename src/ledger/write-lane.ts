/**
 * The ledger's write machinery (the base of `Ledger`): group commit, batches in flight, completion in
 * any order, consolidation of delta records, and fail-stop on a failed write.
 *
 * The commits of one event-loop turn form a group, written as one LevelDB batch; up to
 * `maxBatchesInFlight` batches are written at once and LevelDB may apply them in any order, which
 * delta records make harmless. Callbacks run once their batch is written. A batch that fails puts the
 * ledger in the fault state (`fault`): its packet entries go to the side journal first, then their
 * callers hear of the failure; the ledger (see `Ledger`) reopens the store when writes work again.
 */
import { trackPendingUp, newAccount, type Account } from './account.js';
import { PREFIX_JOURNAL, WATERMARK_KEY, deltaKey, encodeI128, encodeU48, prefixedKey, timeKey } from './codec.js';
import { LedgerError } from './errors.js';
import { Group, callAll, fillBatch, safely, scratchFor } from './group.js';
import { RecentIds } from './recent-ids.js';
import type { AckFile } from './integrity/ack-file.js';
import type { SideJournal, SideRecord } from './side-journal.js';
import type { Db } from './store.js';
import { accounts, type AccountId } from './types.js';
import { checkAccount, checkPeerId } from './validate.js';

/** Consolidate once this many written batches have delta records pending (or on the timer). */
const CONSOLIDATE_BATCHES = 64;

/** A written batch whose delta record is not consolidated yet. */
interface PendingDeltas {
  seq: number;
  touched: Account[];
  deltas: bigint[];
}

/** Why the ledger stopped taking money: the first failed write since the store was (re)opened. */
export interface LedgerFault {
  code: 'LEDGER_WRITE_FAILED';
  /** The store's own error message (ENOSPC, EPERM, EIO ...). */
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

export abstract class WriteLane {
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

  protected readonly accts = new Map<AccountId, Account>();
  protected readonly peers = new Map<string, Account>();
  /** Fingerprints of durable ids, for replay detection. */
  protected readonly recent: RecentIds;
  /**
   * Ids committed but not yet durable, with the sequence number of the group that writes them. A
   * number, not the Group: a long-lived Map's deleted slots can keep their old values reachable for
   * the young-generation GC, which then promotes whole dead groups.
   */
  protected pending = new Map<string, number>();
  protected groupSeq: number;
  protected group: Group;
  /** The groups being written (at most `maxInFlight`), in no particular completion order. */
  protected readonly inFlight: Group[] = [];
  /** An import or a reopen holds the write lane: no batch starts. */
  protected laneHeld = false;
  /** Every group with seq <= doneSeq is done (written or failed). */
  protected doneSeq: number;
  private readonly doneAbove = new Set<number>();
  private flushWaiters: { seq: number; resolve: () => void }[] = [];
  /** Written batches whose delta records are still on disk, for consolidation. */
  protected unconsolidated: PendingDeltas[] = [];
  protected consolidating: Promise<void> | undefined;
  protected closed = false;
  protected faultState: LedgerFault | undefined;
  private scheduled = false;
  private mark = 0;
  private scratch: Buffer = Buffer.allocUnsafe(64 * 1024);
  protected readonly writeOptions: { sync: boolean };

  protected constructor(
    protected db: Db,
    protected readonly side: SideJournal,
    /** Where each written batch's sequence number is recorded before its callers hear (integrity/ack-file.ts). */
    protected readonly ack: AckFile,
    private readonly maxInFlight: number,
    sync: boolean,
    capacity: number,
    seqBase: number,
  ) {
    this.groupSeq = seqBase + 1;
    this.group = new Group(this.groupSeq);
    this.doneSeq = seqBase;
    this.recent = new RecentIds(capacity);
    this.writeOptions = { sync };
  }

  /** Why the ledger refuses money now (a write failed and the store has not reopened yet); undefined when it works. */
  get fault(): LedgerFault | undefined {
    return this.faultState;
  }

  /** Resolves when everything committed so far is written (or has failed): every batch up to the current one. */
  flush(): Promise<void> {
    const seq = this.group.empty ? this.group.seq - 1 : this.group.seq;
    if (this.doneSeq >= seq) return Promise.resolve();
    return new Promise((resolve) => {
      this.flushWaiters.push({ seq, resolve });
      if (seq === this.group.seq) this.schedule();
    });
  }

  /**
   * Adds the delta records of every written batch up to the highest seq S such that all batches <= S
   * are done into the base balances, and deletes them, in one atomic batch. Serialized with itself;
   * runs in the background (timer, or every CONSOLIDATE_BATCHES batches) and at close.
   */
  consolidate(): Promise<void> {
    this.consolidating ??= this.consolidateOnce().finally(() => {
      this.consolidating = undefined;
    });
    return this.consolidating;
  }

  /** The store refused a write: stop taking money (once), and let the subclass start probing. */
  protected enterFault(err: unknown): void {
    if (this.faultState !== undefined) return;
    this.faultState = { code: 'LEDGER_WRITE_FAILED', reason: err instanceof Error ? err.message : String(err), since: Date.now(), recorded: 0, unrecorded: 0 };
    this.faulted();
    const f = this.faultState;
    if (this.onFault) safely(() => this.onFault!(f));
  }

  /** Hook for the subclass: the ledger just entered the fault state. */
  protected abstract faulted(): void;

  protected account(id: AccountId): Account {
    let a = this.accts.get(id);
    if (a !== undefined) return a;
    checkAccount(id);
    a = newAccount(id);
    this.accts.set(id, a);
    if (a.peerId !== undefined) this.peers.set(a.peerId, a);
    return a;
  }

  protected peer(peerId: string): Account {
    const a = this.peers.get(peerId);
    if (a !== undefined) return a;
    checkPeerId(peerId);
    return this.account(accounts.peer(peerId));
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
    this.group = new Group(++this.groupSeq);
    this.inFlight.push(g);
    const checks = g.items.filter((it) => it.check);
    if (checks.length > 0) {
      this.db.getMany(checks.map((it) => prefixedKey(PREFIX_JOURNAL, it.entry.id))).then(
        (found) => {
          checks.forEach((it, i) => (it.replay = found[i] !== undefined));
          this.write(g);
        },
        (err: unknown) => this.done(g, err),
      );
    } else {
      this.write(g);
    }
  };

  /** Writes the batch of `g` (items found on disk are replays and left out). */
  private write(g: Group): void {
    this.scratch = scratchFor(this.scratch, g.items);
    let batch: ReturnType<Db['batch']>;
    try {
      batch = this.db.batch();
    } catch (err) {
      this.done(g, err);
      return;
    }
    try {
      g.bookedAt = Date.now();
      fillBatch(batch, g, this.scratch, ++this.mark, g.bookedAt);
    } catch (err) {
      void batch.close();
      this.done(g, err);
      return;
    }
    if (batch.length === 0) {
      void batch.close();
      this.done(g, undefined);
      return;
    }
    if (this.writeHook) this.writeHook({ seq: g.seq, entries: g.items.length, sync: this.writeOptions.sync });
    batch.write(this.writeOptions).then(
      () => this.done(g, undefined),
      (err: unknown) => this.done(g, err),
    );
  }

  private done(g: Group, err: unknown): void {
    // Before anyone hears: from here on, losing this batch is corruption, not a torn write.
    if (err === undefined && g.paged) this.ack.write(g.seq);
    for (const it of g.items) {
      trackPendingUp(it.accts, it.entry.postings, -1);
      this.pending.delete(it.entry.id);
      if (err === undefined && !it.replay && !it.fresh) this.recent.add(it.hi, it.lo, g.bookedAt);
    }
    const touched = err === undefined ? g.touched : [];
    if (touched.length > 0) {
      // Deltas commute: batches may complete in any order.
      const deltas = g.deltas;
      for (let i = 0; i < touched.length; i++) {
        const a = touched[i];
        a.balance += deltas[i];
        a.booked = true;
      }
      this.unconsolidated.push({ seq: g.seq, touched, deltas });
    }
    this.inFlight.splice(this.inFlight.indexOf(g), 1);
    // Emptied: start a new Map. Once a Map is in the old generation V8 allocates each new hash table
    // of it there too, and this one's table is rebuilt every ~100 commits.
    if (this.pending.size === 0) this.pending = new Map();
    this.finished(g.seq);
    let failure: LedgerError | undefined;
    if (err !== undefined) {
      this.enterFault(err);
      this.recordLosses(g);
      failure = new LedgerError('LEDGER_WRITE_FAILED', `Ledger write failed; nothing of the batch was booked: ${err instanceof Error ? err.message : JSON.stringify(err)}`, 'Check the disk (space, permissions), then retry.', { cause: err });
    }
    if (!this.group.empty) this.schedule();
    callAll(g.waiters, g.ctxs, failure);
    if (touched.length > 0) this.notify(touched);
  }

  /** Packets of a failed batch were paid downstream and will be rejected upstream: record them before anyone hears. */
  private recordLosses(g: Group): void {
    const f = this.faultState!;
    const firstId = g.items.find((it) => !it.replay)?.entry.id;
    const page = firstId === undefined || g.bookedAt === 0 ? '' : timeKey(g.bookedAt, firstId).toString('hex');
    const records: SideRecord[] = [];
    for (const it of g.items) if (!it.replay && it.entry.kind === 'packet') records.push({ page, entry: { ...it.entry, ts: it.ts } });
    if (records.length === 0) return;
    try {
      this.side.append(records);
      f.recorded += records.length;
    } catch {
      f.unrecorded += records.length;
    }
  }

  /** Marks batch `seq` done, advances doneSeq over every batch done in a row, wakes flush() waiters. */
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
    if (this.unconsolidated.length >= CONSOLIDATE_BATCHES && this.consolidating === undefined && !this.closed && this.faultState === undefined) {
      // Off the packet path: after this turn's callbacks, and its write goes to the threadpool.
      setImmediate(() => {
        if (this.consolidating === undefined) this.consolidate().catch(() => undefined);
      });
    }
  }

  private async consolidateOnce(): Promise<void> {
    const upTo = this.doneSeq;
    const take = this.unconsolidated.filter((u) => u.seq <= upTo);
    if (take.length === 0) return;
    const bases = new Map<Account, bigint>();
    const batch = this.db.batch();
    let high = 0;
    for (const u of take) {
      high = Math.max(high, u.seq);
      for (let i = 0; i < u.touched.length; i++) {
        const a = u.touched[i];
        bases.set(a, (bases.get(a) ?? a.base) + u.deltas[i]);
      }
      batch.del(deltaKey(u.seq));
    }
    for (const [a, b] of bases) batch.put(a.key, encodeI128(b));
    // Keeps the highest batch number findable once its delta record and page are gone (open check).
    batch.put(WATERMARK_KEY, encodeU48(high));
    try {
      await batch.write(this.writeOptions);
    } catch (err) {
      this.enterFault(err);
      throw err;
    }
    for (const [a, b] of bases) a.base = b;
    const taken = new Set(take);
    this.unconsolidated = this.unconsolidated.filter((u) => !taken.has(u));
  }

  private notify(touched: Account[]): void {
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
