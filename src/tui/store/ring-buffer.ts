/**
 * A fixed-capacity ring: O(1) push that overwrites the oldest item, no allocation after construction.
 * The packet pane keeps the last N packets here, however fast they arrive.
 */
export class RingBuffer<T> {
  private readonly items: (T | undefined)[];
  private next = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    this.items = new Array<T | undefined>(capacity);
  }

  get size(): number {
    return this.count;
  }

  push(item: T): void {
    this.items[this.next] = item;
    this.next = (this.next + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
  }

  /** The i-th newest item (0 = the newest), or undefined past the oldest. */
  at(i: number): T | undefined {
    if (i < 0 || i >= this.count) return undefined;
    return this.items[(this.next - 1 - i + this.capacity * 2) % this.capacity];
  }

  /** Up to `limit` items, newest first. */
  newest(limit = this.count): T[] {
    const n = Math.min(limit, this.count);
    const out = new Array<T>(n);
    for (let i = 0; i < n; i++) out[i] = this.at(i) as T;
    return out;
  }

  /** Up to `limit` items matching `keep`, newest first, skipping the first `skip` matches. */
  select(keep: (item: T) => boolean, skip: number, limit: number): { items: T[]; matched: number } {
    const items: T[] = [];
    let matched = 0;
    for (let i = 0; i < this.count; i++) {
      const item = this.at(i) as T;
      if (!keep(item)) continue;
      if (matched >= skip && items.length < limit) items.push(item);
      matched++;
    }
    return { items, matched };
  }

  clear(): void {
    this.items.fill(undefined);
    this.next = 0;
    this.count = 0;
  }
}
