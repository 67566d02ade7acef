/**
 * What one payer (the local agent or a peer) spent, over the four budget windows.
 *
 * Each window is a ring of 61 buckets of 1/60 of its length (a minute in 1 s buckets, a month of
 * 30 days in 12 h buckets). `spent(window)` sums the buckets that touch the last window length, so a
 * payment leaves a window at most one bucket (1/60 of the window) late and never early: the budget
 * can only be stricter than an exact sliding window, never looser. History is kept for every window,
 * whatever budgets are configured, so changing a policy keeps what was already spent.
 */
import { WINDOWS, type Window } from '../config/schema-agents.js';

/** Window lengths in ms; a month is 30 days. */
export const WINDOW_MS: Readonly<Record<Window, number>> = {
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
  month: 30 * 86_400_000,
};

const BUCKETS = 60;
const SLOTS = BUCKETS + 1;

class Ring {
  readonly bucketMs: number;
  readonly stamps = new Float64Array(SLOTS).fill(-1);
  readonly amounts: bigint[] = new Array<bigint>(SLOTS).fill(0n);

  constructor(windowMs: number) {
    this.bucketMs = windowMs / BUCKETS;
  }

  add(now: number, amount: bigint): void {
    const idx = Math.floor(now / this.bucketMs);
    const slot = idx % SLOTS;
    if (this.stamps[slot] !== idx) {
      this.stamps[slot] = idx;
      this.amounts[slot] = 0n;
    }
    this.amounts[slot] += amount;
  }

  spent(now: number): bigint {
    const oldest = Math.floor(now / this.bucketMs) - BUCKETS;
    let sum = 0n;
    for (let i = 0; i < SLOTS; i++) if (this.stamps[i] >= oldest) sum += this.amounts[i];
    return sum;
  }

  /** Live buckets as [bucket index, amount] (for the store). */
  dump(now: number): [number, string][] {
    const oldest = Math.floor(now / this.bucketMs) - BUCKETS;
    const out: [number, string][] = [];
    for (let i = 0; i < SLOTS; i++) if (this.stamps[i] >= oldest && this.amounts[i] !== 0n) out.push([this.stamps[i], this.amounts[i].toString()]);
    return out;
  }

  restore(rows: readonly [number, string][]): void {
    for (const [idx, amount] of rows) {
      if (!Number.isSafeInteger(idx) || idx < 0 || !/^\d+$/.test(amount)) continue;
      const slot = idx % SLOTS;
      if (this.stamps[slot] > idx) continue;
      if (this.stamps[slot] !== idx) this.amounts[slot] = 0n;
      this.stamps[slot] = idx;
      this.amounts[slot] += BigInt(amount);
    }
  }
}

/** The stored form of a history: per window, [bucket index, amount] rows, and the total ever added. */
export type StoredHistory = Partial<Record<Window, [number, string][]>> & { total?: string };

/** Committed spending of one payer over every window. */
export class SpendHistory {
  private readonly rings = new Map<Window, Ring>(WINDOWS.map((w) => [w, new Ring(WINDOW_MS[w])]));
  /**
   * Everything ever added: compared at start with the payer's spend memo balance in the ledger,
   * which every counted payment also raised, in its own batch (policies.ts).
   */
  total = 0n;

  /** Records a fulfilled payment at `now` (ms epoch). */
  add(now: number, amount: bigint): void {
    for (const r of this.rings.values()) r.add(now, amount);
    this.total += amount;
  }

  /** Spent within the window ending at `now`. */
  spent(window: Window, now: number): bigint {
    return this.rings.get(window)!.spent(now);
  }

  dump(now: number): StoredHistory {
    const out: StoredHistory = { total: this.total.toString() };
    for (const [w, r] of this.rings) {
      const rows = r.dump(now);
      if (rows.length > 0) out[w] = rows;
    }
    return out;
  }

  restore(stored: StoredHistory): void {
    for (const w of WINDOWS) {
      const rows = stored[w];
      if (Array.isArray(rows)) this.rings.get(w)!.restore(rows);
    }
    if (typeof stored.total === 'string' && /^\d+$/.test(stored.total)) this.total = BigInt(stored.total);
  }
}
