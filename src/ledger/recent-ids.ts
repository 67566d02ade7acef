/**
 * Replay detection memory: 64-bit fingerprints of recently booked ids in typed-array hash tables
 * (linear probing, load <= 1/2), in two generations so dropping the oldest ids costs nothing per id.
 * Typed arrays keep millions of ids out of the garbage collector's way (a Set of strings costs a full
 * GC ~100 ms per million ids). A fingerprint match means "maybe booked": the ledger confirms it on disk.
 *
 * Ids can be in the journal without being here (more than `capacity` booked since folding, or a
 * restart that loaded only the newest). `diskOnlyUntil` is then the latest booking time (ms) such an
 * id can have; while it is set the ledger looks every new id up on disk. Once folding has removed
 * every entry booked up to that time, memory is complete again.
 */

const MIN_SLOTS = 1 << 12;

/** One generation: an open-addressing table of (hi, lo) fingerprints; lo is never 0 (0 = empty slot). */
class FingerprintTable {
  slots: Uint32Array;
  count = 0;
  maxTs = 0;

  constructor(private readonly maxSlots: number) {
    this.slots = new Uint32Array(2 * Math.min(MIN_SLOTS, maxSlots));
  }

  has(hi: number, lo: number): boolean {
    const mask = this.slots.length / 2 - 1;
    for (let s = hi & mask; ; s = (s + 1) & mask) {
      const l = this.slots[2 * s + 1];
      if (l === 0) return false;
      if (l === lo && this.slots[2 * s] === hi) return true;
    }
  }

  add(hi: number, lo: number): void {
    if (2 * (this.count + 1) > this.slots.length / 2 && this.slots.length / 2 < this.maxSlots) this.grow();
    const mask = this.slots.length / 2 - 1;
    for (let s = hi & mask; ; s = (s + 1) & mask) {
      const l = this.slots[2 * s + 1];
      if (l === 0) {
        this.slots[2 * s] = hi;
        this.slots[2 * s + 1] = lo;
        this.count++;
        return;
      }
      if (l === lo && this.slots[2 * s] === hi) return;
    }
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Uint32Array(old.length * 2);
    this.count = 0;
    for (let i = 0; i < old.length; i += 2) if (old[i + 1] !== 0) this.add(old[i], old[i + 1]);
  }
}

/** murmur3's finaliser: spreads every input bit over the output. */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Fingerprints of recently booked ids. */
export class RecentIds {
  private current: FingerprintTable;
  private previous: FingerprintTable | undefined;
  private readonly generation: number;
  private readonly maxSlots: number;
  /** The fingerprint computed by the last `mayHave` / `fingerprint` call. */
  hi = 0;
  lo = 0;
  /** Latest booking time of a journal id that may be on disk only; 0 when memory holds every id. */
  diskOnlyUntil = 0;

  /** @param capacity how many ids to hold at most (once full, between capacity/2 and capacity are held). */
  constructor(capacity: number) {
    this.generation = capacity > 0 ? Math.max(1, Math.ceil(capacity / 2)) : 0;
    let slots = MIN_SLOTS;
    while (slots < 2 * this.generation) slots *= 2;
    this.maxSlots = slots;
    this.current = new FingerprintTable(this.maxSlots);
  }

  /** Whether some journal ids may be on disk only. */
  get incomplete(): boolean {
    return this.diskOnlyUntil > 0;
  }

  /** Computes the fingerprint of `id` into `hi` / `lo`. */
  fingerprint(id: string): void {
    let a = 0x811c9dc5;
    let b = 0x9747b28c;
    for (let i = 0; i < id.length; i++) {
      const c = id.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995);
      b ^= b >>> 15;
    }
    this.hi = mix(a ^ id.length);
    this.lo = (mix(b) | 1) >>> 0;
  }

  /** Fingerprints `id` (into `hi` / `lo`) and says whether it may have been booked. */
  mayHave(id: string): boolean {
    this.fingerprint(id);
    return this.current.has(this.hi, this.lo) || (this.previous?.has(this.hi, this.lo) ?? false);
  }

  /** Records a booked id by its fingerprint, booked at `ts` (its time record's time). */
  add(hi: number, lo: number, ts: number): void {
    if (this.generation === 0) {
      this.markDiskOnly(ts);
      return;
    }
    if (this.current.count >= this.generation) {
      if (this.previous !== undefined && this.previous.count > 0) this.markDiskOnly(this.previous.maxTs);
      this.previous = this.current;
      this.current = new FingerprintTable(this.maxSlots);
    }
    this.current.add(hi, lo);
    if (ts > this.current.maxTs) this.current.maxTs = ts;
  }

  /** Records a booked id. */
  addId(id: string, ts: number): void {
    this.fingerprint(id);
    this.add(this.hi, this.lo, ts);
  }

  /** Number of fingerprints held. */
  get size(): number {
    return this.current.count + (this.previous?.count ?? 0);
  }

  /** Notes that ids booked up to `ts` may be on disk only. */
  markDiskOnly(ts: number): void {
    this.diskOnlyUntil = Math.max(this.diskOnlyUntil, ts, 1);
  }

  /** Folding removed every entry booked before `cutoff` (ms). Folded ids stay "maybe": a disk lookup settles them. */
  foldedBefore(cutoff: number): void {
    if (this.diskOnlyUntil > 0 && this.diskOnlyUntil < cutoff) this.diskOnlyUntil = 0;
  }
}
