/**
 * A link's requests awaiting their response, by request id. The link hands out ids in sequence, so
 * the id's low bits pick the slot of a power-of-two ring: parallel arrays, no object and no Map entry
 * per request. (A Map here churned its hash table once per ~100 requests, and once the Map was old
 * V8 allocated each new table in the old generation: tens of MB a second for the major GC.)
 */
import type { ResponseCallback } from './btp-link.js';

const EMPTY = -1;

export class PendingTable {
  private mask: number;
  private ids: Float64Array;
  private deadlines: Float64Array;
  private cbs: (ResponseCallback | undefined)[];
  private ctxs: unknown[];
  /** Requests in the table. */
  size = 0;

  constructor(capacity = 256) {
    this.mask = capacity - 1;
    this.ids = new Float64Array(capacity).fill(EMPTY);
    this.deadlines = new Float64Array(capacity);
    this.cbs = new Array<ResponseCallback | undefined>(capacity).fill(undefined);
    this.ctxs = new Array<unknown>(capacity).fill(undefined);
  }

  /** The first id at or after `from` (mod 2^32) whose slot is free; grows the ring when half full. */
  freeId(from: number): number {
    if (this.size * 2 >= this.ids.length) this.grow();
    let id = from >>> 0;
    while (this.ids[id & this.mask] !== EMPTY) id = (id + 1) >>> 0;
    return id;
  }

  /** Adds request `id` (from freeId, before anything else is added). */
  add(id: number, cb: ResponseCallback, ctx: unknown, deadline: number): void {
    const s = id & this.mask;
    if (this.ids[s] !== EMPTY) throw new Error(`request id ${id}: its slot is taken`);
    this.ids[s] = id;
    this.cbs[s] = cb;
    this.ctxs[s] = ctx;
    this.deadlines[s] = deadline;
    this.size++;
  }

  /**
   * Adds request `id` taken over from another link's table (a replaced link, btp-link.ts handOver):
   * its id was handed out there, so the ring grows until the id's slot here is free.
   */
  adopt(id: number, cb: ResponseCallback, ctx: unknown, deadline: number): void {
    while (this.size * 2 >= this.ids.length || this.ids[id & this.mask] !== EMPTY) this.grow();
    this.add(id, cb, ctx, deadline);
  }

  /** The slot of request `id`, or -1 when it is not waiting. */
  slotOf(id: number): number {
    const s = id & this.mask;
    return this.ids[s] === id ? s : -1;
  }

  cb(slot: number): ResponseCallback {
    return this.cbs[slot]!;
  }

  ctx(slot: number): unknown {
    return this.ctxs[slot];
  }

  deadline(slot: number): number {
    return this.deadlines[slot];
  }

  idAt(slot: number): number {
    return this.ids[slot];
  }

  /** Every occupied slot whose deadline is at or before `now`. */
  expiredSlots(now: number): number[] {
    const out: number[] = [];
    if (this.size === 0) return out;
    for (let s = 0; s < this.ids.length; s++) if (this.ids[s] !== EMPTY && this.deadlines[s] <= now) out.push(s);
    return out;
  }

  /** Every occupied slot. */
  slots(): number[] {
    const out: number[] = [];
    for (let s = 0; s < this.ids.length && out.length < this.size; s++) if (this.ids[s] !== EMPTY) out.push(s);
    return out;
  }

  remove(slot: number): void {
    if (this.ids[slot] === EMPTY) return;
    this.ids[slot] = EMPTY;
    this.cbs[slot] = undefined;
    this.ctxs[slot] = undefined;
    this.size--;
  }

  private grow(): void {
    const { ids, deadlines, cbs, ctxs } = this;
    const capacity = ids.length * 2;
    this.mask = capacity - 1;
    this.ids = new Float64Array(capacity).fill(EMPTY);
    this.deadlines = new Float64Array(capacity);
    this.cbs = new Array<ResponseCallback | undefined>(capacity).fill(undefined);
    this.ctxs = new Array<unknown>(capacity).fill(undefined);
    // Distinct low bits under the old mask stay distinct under the wider one.
    for (let s = 0; s < ids.length; s++) {
      if (ids[s] === EMPTY) continue;
      const t = ids[s] & this.mask;
      this.ids[t] = ids[s];
      this.deadlines[t] = deadlines[s];
      this.cbs[t] = cbs[s];
      this.ctxs[t] = ctxs[s];
    }
  }
}
