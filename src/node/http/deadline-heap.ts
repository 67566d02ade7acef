/**
 * One timer for many deadlines: a binary min-heap of (deadline, item) and a single setTimeout armed
 * at the earliest deadline, re-armed only when an earlier one arrives or it fires. The HTTP peer link
 * (ilp-http-client.ts) puts every request in flight here instead of giving each its own setTimeout:
 * a timeout still fires at its deadline (the timer is armed for the earliest, to the ms, as a
 * per-request setTimeout would be), not at the next tick of a periodic sweep.
 *
 * Items that settle before their deadline are not searched for and removed: the owner calls
 * `forget()`, `isLive(item)` makes the heap skip them when they surface, and the heap is rebuilt
 * without them once they outnumber the live ones (so memory follows what is in flight).
 */

/** Settled items kept before a rebuild is considered. */
const COMPACT_MIN = 1024;

export class DeadlineHeap<T> {
  private keys: number[] = [];
  private items: T[] = [];
  /** items in the heap that settled (counted by `forget`) */
  private stale = 0;
  private timer: NodeJS.Timeout | undefined;
  /** ms epoch the timer is armed for (Infinity: not armed) */
  private armedAt = Infinity;

  constructor(
    /** False once the item settled: it is dropped when it surfaces. */
    private readonly isLive: (item: T) => boolean,
    /** The item's deadline passed (called from the timer, `now` in ms epoch). */
    private readonly onDue: (item: T, now: number) => void,
  ) {}

  /** Entries held, settled ones not yet dropped included. */
  get size(): number {
    return this.keys.length;
  }

  /** Calls `onDue(item)` at `deadline` (ms epoch) unless the item settled by then. */
  add(deadline: number, item: T): void {
    if (this.stale > COMPACT_MIN && this.stale * 2 > this.keys.length) this.compact();
    this.keys.push(deadline);
    this.items.push(item);
    this.up(this.keys.length - 1);
    if (deadline < this.armedAt) this.arm(deadline);
  }

  /** One item settled before its deadline (it stays until it surfaces or a rebuild). */
  forget(): void {
    this.stale++;
  }

  /** Drops everything and stops the timer. */
  clear(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.armedAt = Infinity;
    this.keys = [];
    this.items = [];
    this.stale = 0;
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    this.armedAt = Infinity;
    const now = Date.now();
    while (this.keys.length > 0 && this.keys[0] <= now) {
      const item = this.pop();
      if (this.isLive(item)) this.onDue(item, now);
      else this.stale--;
    }
    if (this.keys.length > 0) this.arm(this.keys[0]);
  };

  private arm(at: number): void {
    clearTimeout(this.timer);
    this.armedAt = at;
    this.timer = setTimeout(this.fire, Math.max(0, at - Date.now()));
    // what is in flight keeps the process alive through its sockets; settled entries must not
    this.timer.unref();
  }

  private pop(): T {
    const top = this.items[0];
    const lastKey = this.keys.pop()!;
    const lastItem = this.items.pop()!;
    if (this.keys.length > 0) {
      this.keys[0] = lastKey;
      this.items[0] = lastItem;
      this.down(0);
    }
    return top;
  }

  /** Rebuilds the heap from its live items. */
  private compact(): void {
    const keys: number[] = [];
    const items: T[] = [];
    for (let i = 0; i < this.items.length; i++) {
      if (!this.isLive(this.items[i])) continue;
      keys.push(this.keys[i]);
      items.push(this.items[i]);
    }
    this.keys = keys;
    this.items = items;
    this.stale = 0;
    for (let i = (keys.length >> 1) - 1; i >= 0; i--) this.down(i);
  }

  private up(i: number): void {
    const { keys, items } = this;
    const k = keys[i];
    const it = items[i];
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (keys[parent] <= k) break;
      keys[i] = keys[parent];
      items[i] = items[parent];
      i = parent;
    }
    keys[i] = k;
    items[i] = it;
  }

  private down(i: number): void {
    const { keys, items } = this;
    const n = keys.length;
    const k = keys[i];
    const it = items[i];
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && keys[child + 1] < keys[child]) child++;
      if (keys[child] >= k) break;
      keys[i] = keys[child];
      items[i] = items[child];
      i = child;
    }
    keys[i] = k;
    items[i] = it;
  }
}
