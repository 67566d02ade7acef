/**
 * The LevelDB ledger's write machinery (the base of `Ledger`): the shared group commit (group-lane.ts)
 * writing each group as one LevelDB batch, consolidation of delta records, and fail-stop on a failed write.
 *
 * The commits of one event-loop turn form a group, written as one LevelDB batch; up to
 * `maxBatchesInFlight` batches are written at once and LevelDB may apply them in any order, which
 * delta records make harmless. Callbacks run once their batch is written. A batch that fails puts the
 * ledger in the fault state (`fault`): its packet entries go to the side journal first, then their
 * callers hear of the failure; the ledger (see `Ledger`) reopens the store when writes work again.
 */
import { newAccount, type Account } from './account.js';
import { PREFIX_JOURNAL, WATERMARK_KEY, deltaKey, encodeI128, encodeU48, prefixedKey, timeKey } from './codec.js';
import { LedgerError } from './errors.js';
import { Group, fillBatch, scratchFor, type Item } from './group.js';
import { GroupLane } from './group-lane.js';
import { RecentIds } from './recent-ids.js';
import type { AckFile } from './integrity/ack-file.js';
import type { SideJournal } from './side-journal.js';
import type { Db } from './store.js';

export type { LedgerFault, WriteHook } from './group-lane.js';

/** Consolidate once this many written batches have delta records pending (or on the timer). */
const CONSOLIDATE_BATCHES = 64;

/** A written batch whose delta record is not consolidated yet. */
interface PendingDeltas {
  seq: number;
  touched: Account[];
  deltas: bigint[];
}

/** One consolidation: the written batches it takes and the base balance it writes for each account. */
interface ConsolidationPlan {
  take: PendingDeltas[];
  bases: Map<Account, bigint>;
  /** The highest batch seq taken (the `q` watermark it writes). */
  high: number;
}

export abstract class WriteLane extends GroupLane<Account, Item, Group> {
  /** Fingerprints of durable ids, for replay detection. */
  protected readonly recent: RecentIds;
  /** Written batches whose delta records are still on disk, for consolidation. */
  protected unconsolidated: PendingDeltas[] = [];
  protected consolidating: Promise<void> | undefined;
  private mark = 0;
  private scratch: Buffer = Buffer.allocUnsafe(64 * 1024);
  protected readonly writeOptions: { sync: boolean };
  /** A consolidation riding in the batch of group `seq` (see `write`). */
  private riding: { seq: number; plan: ConsolidationPlan; resolve: () => void } | undefined;
  /** The timer found delta records to consolidate while batches were being written: the next batch takes them. */
  private consolidateDue = false;

  protected constructor(
    protected db: Db,
    side: SideJournal,
    /** Where each written batch's sequence number is recorded before its callers hear (integrity/ack-file.ts). */
    protected readonly ack: AckFile,
    maxInFlight: number,
    sync: boolean,
    capacity: number,
    seqBase: number,
  ) {
    super({ maxInFlight, seqBase, side, newGroup: (seq) => new Group(seq), newAccount, refuseWhenFaulted: false });
    this.recent = new RecentIds(capacity);
    this.writeOptions = { sync };
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

  /**
   * The background timer's consolidation: a write of its own only when the lane is idle; while batches
   * are being written the next batch carries it instead (a synced write of its own would sit in
   * LevelDB's writer queue ahead of a packet batch and cost that batch's Fulfills one more fdatasync).
   */
  protected consolidateInBackground(): void {
    if (this.unconsolidated.length === 0 || this.consolidating !== undefined || this.faultState !== undefined || this.closed) return;
    if (this.inFlight.length > 0 || !this.group.empty) this.consolidateDue = true;
    else this.consolidate().catch(() => undefined);
  }

  /** Looks up on disk the ids that may have been booked before, then writes the batch. */
  protected writeGroup(g: Group): void {
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
  }

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
    // Consolidation rides in this batch (same LevelDB write, same fdatasync) instead of queueing a write
    // of its own in front of the next packet batch. It takes only batches already written (seq <= doneSeq).
    if ((this.consolidateDue || this.unconsolidated.length >= CONSOLIDATE_BATCHES) && this.consolidating === undefined && this.faultState === undefined) {
      const plan = this.consolidationPlan();
      if (plan !== undefined) {
        this.consolidateDue = false;
        fillConsolidation(batch, plan);
        let resolve!: () => void;
        this.consolidating = new Promise<void>((r) => (resolve = r));
        this.riding = { seq: g.seq, plan, resolve };
      }
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
      this.untrack(it.entry, it.accts);
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
    const r = this.riding;
    if (r !== undefined && r.seq === g.seq) {
      this.riding = undefined;
      if (err === undefined) this.applyConsolidation(r.plan);
      this.consolidating = undefined;
      r.resolve();
    }
    this.settle(g, err, touched);
  }

  protected writeFailure(err: unknown): LedgerError {
    return new LedgerError('LEDGER_WRITE_FAILED', `Ledger write failed; nothing of the batch was booked: ${err instanceof Error ? err.message : JSON.stringify(err)}`, 'Check the disk (space, permissions), then retry.', { cause: err });
  }

  /** The page key the failed batch would have had (salvage finds its packets by it). */
  protected lossPage(g: Group): string {
    const firstId = g.items.find((it) => !it.replay)?.entry.id;
    return firstId === undefined || g.bookedAt === 0 ? '' : timeKey(g.bookedAt, firstId).toString('hex');
  }

  /** What a consolidation now would take: every written batch up to doneSeq (undefined: none). */
  private consolidationPlan(): ConsolidationPlan | undefined {
    const upTo = this.doneSeq;
    const take = this.unconsolidated.filter((u) => u.seq <= upTo);
    if (take.length === 0) return undefined;
    const bases = new Map<Account, bigint>();
    let high = 0;
    for (const u of take) {
      high = Math.max(high, u.seq);
      for (let i = 0; i < u.touched.length; i++) {
        const a = u.touched[i];
        bases.set(a, (bases.get(a) ?? a.base) + u.deltas[i]);
      }
    }
    return { take, bases, high };
  }

  /** The plan's write succeeded: the bases are the stored ones, its batches' delta records are gone. */
  private applyConsolidation(plan: ConsolidationPlan): void {
    for (const [a, b] of plan.bases) a.base = b;
    const taken = new Set(plan.take);
    this.unconsolidated = this.unconsolidated.filter((u) => !taken.has(u));
  }

  private async consolidateOnce(): Promise<void> {
    const plan = this.consolidationPlan();
    if (plan === undefined) return;
    const batch = this.db.batch();
    fillConsolidation(batch, plan);
    try {
      await batch.write(this.writeOptions);
    } catch (err) {
      this.enterFault(err);
      throw err;
    }
    this.applyConsolidation(plan);
  }
}

/** A consolidation's writes: each taken batch's delta record deleted, the new bases, the watermark. */
function fillConsolidation(batch: ReturnType<Db['batch']>, plan: ConsolidationPlan): void {
  for (const u of plan.take) batch.del(deltaKey(u.seq));
  for (const [a, b] of plan.bases) batch.put(a.key, encodeI128(b));
  // Keeps the highest batch number findable once its delta record and page are gone (open check).
  batch.put(WATERMARK_KEY, encodeU48(plan.high));
}
