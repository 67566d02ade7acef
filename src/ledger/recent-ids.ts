/**
 * Replay detection memory: the ids of recently booked entries, in two generations so that dropping
 * the oldest ids costs nothing per id (a Set evicting its first entry one at a time is O(n) in V8).
 * Ids that leave memory while their entry is still in the journal are counted in `onDisk`; while that
 * count is above zero the ledger looks new ids up on disk before booking them.
 */
export class RecentIds {
  private current = new Set<string>();
  private previous = new Set<string>();
  private readonly generation: number;
  /** Journal entries still on disk whose id is not held here. */
  onDisk = 0;

  /** @param capacity how many ids to hold at most (between capacity/2 and capacity are held). */
  constructor(capacity: number) {
    this.generation = Math.max(1, Math.ceil(capacity / 2));
    if (capacity <= 0) this.generation = 0;
  }

  /** Number of ids held. */
  get size(): number {
    return this.current.size + this.previous.size;
  }

  has(id: string): boolean {
    return this.current.has(id) || this.previous.has(id);
  }

  /** Records a booked id; may drop the older generation. */
  add(id: string): void {
    if (this.generation === 0) {
      this.onDisk++;
      return;
    }
    this.current.add(id);
    if (this.current.size >= this.generation) {
      this.onDisk += this.previous.size;
      this.previous = this.current;
      this.current = new Set();
    }
  }

  /** Forgets a folded id (its entry left the journal). */
  forget(id: string): void {
    if (!this.current.delete(id) && !this.previous.delete(id) && this.onDisk > 0) this.onDisk--;
  }
}
