/**
 * Background folding: journal entries booked more than `retentionMs` ago are added to per-account
 * checkpoints and deleted, in the same batch, a chunk at a time. It runs on a timer (never on the
 * packet path) and its batches touch only checkpoint keys and old journal keys, which packet batches
 * never write, so the two may be in flight together without ordering concerns.
 */
import { PREFIX_CHECKPOINT, encodeI128, prefixedKey } from './codec.js';
import { readFoldChunk, type Db } from './store.js';
import type { AccountId } from './types.js';

/** Entries folded per batch: small enough that a fold batch never stalls packet batches for long. */
const CHUNK = 2_000;

/** What the folder needs from the ledger. */
export interface FolderOptions {
  retentionMs: number;
  intervalMs: number;
  sync: boolean;
  /** The checkpoints as they are stored now. */
  checkpoints: () => Map<AccountId, bigint>;
  /** Called after a chunk is durable, with the new checkpoints. */
  folded: (checkpoints: Map<AccountId, bigint>) => void;
  /** Called when every entry booked before `cutoff` has been folded. */
  foldedBefore: (cutoff: number) => void;
  /** Hears why a background fold failed (it is retried on the next tick). */
  failed?: (err: unknown) => void;
}

/** Runs folds on a timer, one at a time. */
export class Folder {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private stopped = false;

  constructor(
    /** The store (a function: the ledger may reopen it after a failed write). */
    private readonly store: () => Db,
    private readonly o: FolderOptions,
  ) {}

  /** Starts the timer (unref'd: it never keeps the process alive). */
  start(): void {
    if (this.o.intervalMs <= 0 || this.stopped) return;
    this.timer = setInterval(() => {
      // A failed background fold is retried on the next tick; the journal just stays longer.
      if (!this.running) this.run().catch((err: unknown) => this.o.failed?.(err));
    }, this.o.intervalMs);
    this.timer.unref();
  }

  /**
   * Folds every entry booked before `cutoff` (ms; default: now - retention); resolves with how many.
   * A call while a fold runs waits for it, then folds again with its own cutoff.
   */
  async run(cutoff?: number): Promise<number> {
    while (this.running) await this.running.catch(() => undefined);
    if (this.stopped) return 0;
    const fold = this.foldAll(cutoff ?? Date.now() - this.o.retentionMs);
    this.running = fold;
    try {
      return await fold;
    } finally {
      this.running = undefined;
    }
  }

  /** Runs `fn` with folding held off (waits for a fold in progress first): for writes that set checkpoints. */
  async hold<T>(fn: () => Promise<T>): Promise<T> {
    while (this.running) await this.running.catch(() => undefined);
    const held = fn();
    this.running = held.then(
      () => 0,
      () => 0,
    );
    try {
      return await held;
    } finally {
      this.running = undefined;
    }
  }

  /** Stops the timer and waits for a fold in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  private async foldAll(cutoff: number): Promise<number> {
    let total = 0;
    for (;;) {
      if (this.stopped) return total;
      const db = this.store();
      const chunk = await readFoldChunk(db, cutoff, CHUNK);
      if (chunk.ids.length === 0) {
        this.o.foldedBefore(cutoff);
        return total;
      }
      const checkpoints = new Map(this.o.checkpoints());
      const batch = db.batch();
      for (const k of chunk.timeKeys) batch.del(k);
      for (const k of chunk.journalKeys) batch.del(k);
      for (const [account, delta] of chunk.deltas) {
        const c = (checkpoints.get(account) ?? 0n) + delta;
        checkpoints.set(account, c);
        batch.put(prefixedKey(PREFIX_CHECKPOINT, account), encodeI128(c));
      }
      await batch.write({ sync: this.o.sync });
      this.o.folded(checkpoints);
      total += chunk.ids.length;
      if (chunk.ids.length < CHUNK) {
        this.o.foldedBefore(cutoff);
        return total;
      }
    }
  }
}
