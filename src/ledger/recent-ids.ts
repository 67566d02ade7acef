/**
 * Replay detection memory: the ids of recently booked entries, in two generations so that dropping
 * the oldest ids costs nothing per id (a Set evicting its first entry one at a time is O(n) in V8).
 *
 * Ids can be in the journal without being here (more than `capacity` booked, or a restart that
 * loaded only the newest). `diskOnlyUntil` is then the latest booking time (ms) such an id can have;
 * while it is set the ledger looks new ids up on disk before booking them. Once folding has removed
 * every entry booked up to that time, memory is complete again.
 */
export class RecentIds {
  private current = new Set<string>();
  private previous = new Set<string>();
  private currentMaxTs = 0;
  private previousMaxTs = 0;
  private readonly generation: number;
  /** Latest booking time of a journal id that may be on disk only; 0 when memory holds every id. */
  diskOnlyUntil = 0;

  /** @param capacity how many ids to hold at most (once full, between capacity/2 and capacity are held). */
  constructor(capacity: number) {
    this.generation = capacity > 0 ? Math.max(1, Math.ceil(capacity / 2)) : 0;
  }

  /** Number of ids held. */
  get size(): number {
    return this.current.size + this.previous.size;
  }

  /** Whether some journal ids may be on disk only. */
  get incomplete(): boolean {
    return this.diskOnlyUntil > 0;
  }

  has(id: string): boolean {
    return this.current.has(id) || this.previous.has(id);
  }

  /** Records an id booked at `ts` (its time record's time); may drop the older generation. */
  add(id: string, ts: number): void {
    if (this.generation === 0) {
      this.markDiskOnly(ts);
      return;
    }
    if (this.current.size >= this.generation) {
      if (this.previous.size > 0) this.markDiskOnly(this.previousMaxTs);
      this.previous = this.current;
      this.previousMaxTs = this.currentMaxTs;
      this.current = new Set();
      this.currentMaxTs = 0;
    }
    this.current.add(id);
    if (ts > this.currentMaxTs) this.currentMaxTs = ts;
  }

  /** Notes that ids booked up to `ts` may be on disk only. */
  markDiskOnly(ts: number): void {
    this.diskOnlyUntil = Math.max(this.diskOnlyUntil, ts, 1);
  }

  /** Forgets a folded id (its entry left the journal). */
  forget(id: string): void {
    if (!this.current.delete(id)) this.previous.delete(id);
  }

  /** Folding removed every entry booked before `cutoff` (ms). */
  foldedBefore(cutoff: number): void {
    if (this.diskOnlyUntil > 0 && this.diskOnlyUntil < cutoff) this.diskOnlyUntil = 0;
  }
}
