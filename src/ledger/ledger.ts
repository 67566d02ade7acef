/**
 * The ledger: balances in LevelDB, reservations in memory, one journal entry per fulfilled packet.
 *
 * Hot path (synchronous, no promise per packet): `reserve` checks the credit limit, `commit` books an
 * entry into the current group, and the group of every commit made in one event-loop turn is written
 * as one LevelDB batch: the entries, one time record listing their ids, and one delta record with the
 * change of each touched account (never an absolute balance). Up to `maxBatchesInFlight` batches are
 * written at once; LevelDB may apply them in any order, which deltas make harmless. Commits made
 * meanwhile form the next group. Callbacks run once their batch is written, so a Fulfill goes upstream
 * only after its entry is on disk (OS page cache: survives kill -9; `sync: true`: survives power loss).
 * A background consolidation (serialized, never on the packet path) adds written delta records into
 * the base balances and deletes them, in one batch; a restart consolidates whatever it finds.
 *
 * Replays: an id booked before (in this process, or still in the journal after a restart) books
 * nothing. Once an entry is folded into checkpoints (older than `journalRetentionMs`) its id is
 * forgotten: a replay that late would be booked again.
 */
import { trackPendingUp, newAccount, type Account } from './account.js';
import { PREFIX_JOURNAL, deltaKey, encodeI128, prefixedKey } from './codec.js';
import { LedgerError } from './errors.js';
import { Folder } from './folder.js';
import { Group, callAll, fillBatch, safely, scratchFor, type Callback } from './group.js';
import { RecentIds } from './recent-ids.js';
import { buildSnapshot, planImport } from './snapshot.js';
import { findEntry, loadState, openStore, scanStore, verifyStore, writeImport, type Db } from './store.js';
import { accounts, type AccountId, type JournalEntry, type LedgerOptions, type LedgerSnapshot, type PeerLimits, type Reservation, type VerifyResult } from './types.js';
import { checkAccount, checkAmount, checkEntryShape, checkLimits, checkPeerId } from './validate.js';

const DEFAULT_RETENTION_MS = 900_000;
const DEFAULT_COMPACT_MS = 5_000;
const DEFAULT_RECENT_IDS = 2_000_000;
const DEFAULT_IN_FLIGHT = 3;
/** Consolidate once this many written batches have delta records pending (or on the timer). */
const CONSOLIDATE_BATCHES = 64;
const CONSOLIDATE_MS = 1_000;

/** A written batch whose delta record is not consolidated yet. */
interface PendingDeltas {
  seq: number;
  touched: Account[];
  deltas: bigint[];
}

const closedError = () => new LedgerError('LEDGER_CLOSED', 'The ledger is closed', 'Use the ledger before close(), or open it again.');

/** The node's ledger. Create with `Ledger.open`. */
export class Ledger {
  /** Called after each durable batch with the new balance of every account it touched. */
  onBalanceChanged?: (changes: ReadonlyMap<AccountId, bigint>) => void;
  /** Called after each durable batch that touched a peer we owe at least its settleThreshold (-balance >= threshold). */
  onSettlementRequired?: (peerId: string, owed: bigint, threshold: bigint) => void;

  private readonly accts = new Map<AccountId, Account>();
  private readonly peers = new Map<string, Account>();
  /** Fingerprints of durable ids, for replay detection. */
  private readonly recent: RecentIds;
  /**
   * Ids committed but not yet durable, with the sequence number of the group that writes them (the
   * current or the in-flight one). A number, not the Group: a long-lived Map's deleted slots can keep
   * their old values reachable for the young-generation GC, which then promotes whole dead groups.
   */
  private pending = new Map<string, number>();
  /** Sequence number of the current group; earlier groups are in flight or done. */
  private groupSeq: number;
  private group: Group;
  /** The groups being written (at most `maxInFlight`), in no particular completion order. */
  private readonly inFlight: Group[] = [];
  private readonly maxInFlight: number;
  /** An import holds the write lane: no batch starts. */
  private laneHeld = false;
  /** Every group with seq <= doneSeq is done (written or failed). */
  private doneSeq: number;
  /** Done groups above doneSeq (completed out of order). */
  private readonly doneAbove = new Set<number>();
  /** flush() waiters: resolved once doneSeq >= seq. */
  private flushWaiters: { seq: number; resolve: () => void }[] = [];
  /** Written batches whose delta records are still on disk, for consolidation. */
  private unconsolidated: PendingDeltas[] = [];
  private consolidating: Promise<void> | undefined;
  private consolidateTimer: NodeJS.Timeout | undefined;
  private scheduled = false;
  private mark = 0;
  private closed = false;
  private closing: Promise<void> | undefined;
  private scratch: Buffer = Buffer.allocUnsafe(64 * 1024);
  private readonly writeOptions: { sync: boolean };
  private readonly folder: Folder;

  private constructor(
    private readonly db: Db,
    private readonly opts: LedgerOptions,
    capacity: number,
    private checkpoints: Map<AccountId, bigint>,
    seqBase: number,
  ) {
    this.groupSeq = seqBase + 1;
    this.group = new Group(this.groupSeq);
    this.doneSeq = seqBase;
    this.maxInFlight = Math.max(1, Math.floor(opts.maxBatchesInFlight ?? DEFAULT_IN_FLIGHT));
    this.recent = new RecentIds(capacity);
    this.writeOptions = { sync: opts.sync === true };
    this.folder = new Folder(db, {
      retentionMs: opts.journalRetentionMs ?? DEFAULT_RETENTION_MS,
      intervalMs: opts.compactIntervalMs ?? DEFAULT_COMPACT_MS,
      sync: opts.sync === true,
      checkpoints: () => this.checkpoints,
      folded: (checkpoints) => {
        this.checkpoints = checkpoints;
      },
      foldedBefore: (cutoff) => this.recent.foldedBefore(cutoff),
    });
  }

  /**
   * Opens (or creates) the ledger in `<dataDir>/ledger` and restores the stored balances; reservations
   * start empty. Throws LedgerInUseError when another process holds the store, LedgerOpenError otherwise.
   */
  static async open(opts: LedgerOptions): Promise<Ledger> {
    const retention = opts.journalRetentionMs ?? DEFAULT_RETENTION_MS;
    if (typeof opts.dataDir !== 'string' || opts.dataDir === '') {
      throw new LedgerError('LEDGER_INVALID_OPTIONS', 'Ledger.open needs a dataDir', 'Pass the node data directory (config key dataDir).');
    }
    if (!Number.isFinite(retention) || retention < 0) {
      throw new LedgerError('LEDGER_INVALID_OPTIONS', `journalRetentionMs must be a non-negative number of ms, got ${retention}`, 'Fix ledger.journalRetentionMs in the config.');
    }
    const capacity = Math.max(0, opts.recentIdCapacity ?? DEFAULT_RECENT_IDS);
    const db = await openStore(opts.dataDir);
    try {
      const state = await loadState(db, capacity);
      const ledger = new Ledger(db, opts, capacity, state.checkpoints, state.maxDeltaSeq);
      for (const [id, balance] of state.balances) {
        const a = ledger.account(id);
        a.balance = balance;
        a.base = balance;
        a.booked = true;
      }
      for (const r of state.recent) ledger.recent.addId(r.id, r.ts);
      if (state.diskOnlyUntil > 0) ledger.recent.markDiskOnly(state.diskOnlyUntil);
      ledger.folder.start();
      ledger.consolidateTimer = setInterval(() => {
        if (ledger.unconsolidated.length > 0 && ledger.consolidating === undefined) ledger.consolidate().catch(() => undefined);
      }, CONSOLIDATE_MS);
      ledger.consolidateTimer.unref();
      return ledger;
    } catch (err) {
      await db.close().catch(() => undefined);
      throw err;
    }
  }

  /** The node's data directory this ledger was opened in. */
  get dataDir(): string {
    return this.opts.dataDir;
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
    if (a.creditLimit !== undefined && a.balance + a.pendingUp + a.reserved + amount > a.creditLimit) return false;
    a.reserved += amount;
    return true;
  }

  /** Releases what `reserve` took (Reject, timeout, expiry). Never takes the reservation below zero. */
  release(peerId: string, amount: bigint): void {
    const a = this.peers.get(peerId);
    if (a !== undefined) a.reserved = amount >= a.reserved ? 0n : a.reserved - amount;
  }

  /**
   * Atomically: book the entry (idempotent by id), release `reservation` {peerId, amount} if given, then
   * call cb after the batch is written. cb(err) on write failure (then nothing was booked and the
   * reservation is still released). Throws a LedgerError when the entry is malformed or unbalanced
   * (LEDGER_INVALID_ENTRY, LEDGER_UNBALANCED_ENTRY) or the ledger is closed: nothing is booked and,
   * as with a write failure, the reservation is released all the same.
   */
  commit(entry: JournalEntry, reservation: Reservation | undefined, cb: Callback, ctx?: unknown): void {
    if (reservation !== undefined) {
      checkAmount(reservation.amount, 'reservation amount');
      this.release(reservation.peerId, reservation.amount);
    }
    if (this.closed) throw closedError();
    checkEntryShape(entry);
    const postings = entry.postings;
    const accts = new Array<Account>(postings.length);
    for (let i = 0; i < postings.length; i++) accts[i] = this.accts.get(postings[i].account) ?? this.account(postings[i].account);
    const id = entry.id;
    const owner = this.pending.get(id);
    if (owner !== undefined) {
      // The same id committed again while unwritten: it is booked once, both callers hear when.
      const g = owner === this.group.seq ? this.group : this.inFlight.find((x) => x.seq === owner)!;
      g.waiters.push(cb);
      g.ctxs.push(ctx);
      return;
    }
    // Maybe booked before (fingerprint match), or memory does not hold every id: settled on disk when
    // the batch is built. Until then the entry counts against the limit like any other.
    // A fresh id (minted by this process, see JournalEntry.fresh) cannot have been booked: no lookup, not remembered.
    const fresh = entry.fresh === true;
    const check = !fresh && (this.recent.mayHave(id) || this.recent.incomplete);
    trackPendingUp(accts, postings, 1);
    const g = this.group;
    g.items.push({ entry, ts: entry.ts ?? Date.now(), accts, hi: fresh ? 0 : this.recent.hi, lo: fresh ? 0 : this.recent.lo, check, replay: false, fresh });
    g.waiters.push(cb);
    g.ctxs.push(ctx);
    this.pending.set(id, g.seq);
    this.schedule();
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
   * A journal entry by id while it is inside the retention window (folded entries are gone). A packet's
   * entry lives inside its batch's journal page and is found by searching the pages newest first: a
   * tool's lookup, not something to call per packet.
   */
  async getEntry(id: string): Promise<JournalEntry | undefined> {
    if (this.closed) throw closedError();
    return findEntry(this.db, id);
  }

  /** Recomputes every balance from checkpoints + journal (one consistent read) and compares with the stored ones. */
  async verify(): Promise<VerifyResult> {
    if (this.closed) throw closedError();
    await this.flush();
    return verifyStore(this.db);
  }

  /** Balances, checkpoints and the journal as JSON-ready data (one consistent read). */
  async exportSnapshot(): Promise<LedgerSnapshot> {
    if (this.closed) throw closedError();
    await this.flush();
    const scan = await scanStore(this.db, true);
    return buildSnapshot(scan.balances, scan.checkpoints, scan.entries);
  }

  /**
   * Loads a snapshot into an empty ledger in one batch. Throws LEDGER_NOT_EMPTY if anything is booked
   * and LEDGER_SNAPSHOT_INVALID if the snapshot is malformed or does not balance.
   */
  async importSnapshot(snapshot: LedgerSnapshot): Promise<void> {
    if (this.closed) throw closedError();
    const plan = planImport(snapshot);
    const booked = [...this.accts.values()].filter((a) => a.booked).length;
    const journal = this.recent.size + (this.recent.incomplete ? 1 : 0);
    if (booked > 0 || journal > 0 || this.checkpoints.size > 0 || this.pending.size > 0 || this.inFlight.length > 0 || this.laneHeld) {
      throw new LedgerError(
        'LEDGER_NOT_EMPTY',
        `Cannot import: the ledger in ${this.opts.dataDir} already holds ${booked} accounts and ${journal} journal entries`,
        'Import into an empty data directory (export and move the current one away first).',
      );
    }
    // Hold the write lane: commits made meanwhile are written after the import, on top of it.
    this.laneHeld = true;
    try {
      // No consolidation may write base balances under the import (an empty ledger has none to do).
      while (this.consolidating !== undefined) await this.consolidating.catch(() => undefined);
      // Folding is held off so it cannot fold imported entries into checkpoints it read before the import.
      await this.folder.hold(async () => {
        await writeImport(this.db, plan);
        this.checkpoints = new Map(plan.checkpoints);
      });
      for (const [account, b] of plan.balances) {
        const a = this.account(account);
        a.balance = b;
        a.base = b;
        a.booked = true;
      }
    } catch (err) {
      throw new LedgerError('LEDGER_WRITE_FAILED', `Import failed, nothing was written: ${(err as Error).message}`, 'Check the disk, then retry.', { cause: err });
    } finally {
      this.laneHeld = false;
      if (!this.group.empty) this.schedule();
    }
    for (const e of plan.entries) this.recent.addId(e.id, e.ts ?? 0);
    if (plan.balances.size > 0 && this.onBalanceChanged) safely(() => this.onBalanceChanged!(new Map(plan.balances)));
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

  /** Stops folding, writes what is pending, consolidates the delta records, closes the store. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.closed = true;
      if (this.consolidateTimer) clearInterval(this.consolidateTimer);
      await this.folder.stop();
      await this.flush();
      while (this.consolidating !== undefined) await this.consolidating.catch(() => undefined);
      // Left-over delta records are consolidated at the next open if this fails.
      if (this.unconsolidated.length > 0) await this.consolidate().catch(() => undefined);
      await this.db.close();
    })();
    return this.closing;
  }

  /**
   * Folds the journal entries booked before `before` (ms since the epoch; default now minus the
   * retention window) into checkpoints now; a background timer does it too. Resolves with how many.
   */
  foldNow(before?: number): Promise<number> {
    return this.folder.run(before);
  }

  // ---- internals ----

  private account(id: AccountId): Account {
    let a = this.accts.get(id);
    if (a !== undefined) return a;
    checkAccount(id);
    a = newAccount(id);
    this.accts.set(id, a);
    if (a.peerId !== undefined) this.peers.set(a.peerId, a);
    return a;
  }

  private peer(peerId: string): Account {
    const a = this.peers.get(peerId);
    if (a !== undefined) return a;
    checkPeerId(peerId);
    return this.account(accounts.peer(peerId));
  }

  private schedule(): void {
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
    const batch = this.db.batch();
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
    batch.write(this.writeOptions).then(
      () => this.done(g, undefined),
      (err: unknown) => this.done(g, err),
    );
  }

  private done(g: Group, err: unknown): void {
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
    if (!this.group.empty) this.schedule();
    const failure =
      err === undefined
        ? undefined
        : new LedgerError('LEDGER_WRITE_FAILED', `Ledger write failed; nothing of the batch was booked: ${err instanceof Error ? err.message : JSON.stringify(err)}`, 'Check the disk (space, permissions), then retry.', { cause: err });
    callAll(g.waiters, g.ctxs, failure);
    if (touched.length > 0) this.notify(touched);
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
    if (this.unconsolidated.length >= CONSOLIDATE_BATCHES && this.consolidating === undefined && !this.closed) {
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
    for (const u of take) {
      for (let i = 0; i < u.touched.length; i++) {
        const a = u.touched[i];
        bases.set(a, (bases.get(a) ?? a.base) + u.deltas[i]);
      }
      batch.del(deltaKey(u.seq));
    }
    for (const [a, b] of bases) batch.put(a.key, encodeI128(b));
    await batch.write(this.writeOptions);
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
