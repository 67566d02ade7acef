/**
 * Group commit: the commits of one event-loop turn, and how they become one LevelDB batch (one
 * journal page holding the packets inline and naming the other entries, which get their own `j`
 * records, and one delta record with each touched account's change).
 * The batch holds no absolute balance, so batches may be written in any order.
 */
import type { Account } from './account.js';
import { PAGE_HEADER_V5, PREFIX_DELTA, PREFIX_JOURNAL, PREFIX_TIME, deltaSize, entrySizeBound, pageItemOverhead, writeDelta, writeEntry, writeInlineItem, writeRefItem, sealPage } from './codec.js';
import type { Db } from './store.js';
import type { JournalEntry } from './types.js';

/** A commit's completion callback; `ctx` is whatever the committer passed along (no closure per packet). */
export type Callback = (err: Error | undefined, ctx?: unknown) => void;

/** One committed entry waiting for its batch. */
export interface Item {
  entry: JournalEntry;
  /** Booking time (ms). */
  ts: number;
  /** The account of each posting, in order. */
  accts: Account[];
  /** The id's fingerprint (RecentIds), kept so the id is hashed once. */
  hi: number;
  lo: number;
  /** Look the id up on disk before booking (it may have been booked before). */
  check: boolean;
  /** A freshly minted id (JournalEntry.fresh): never looked up, never remembered. */
  fresh: boolean;
  /** Found on disk: a replay, left out of the batch (its callback still waits for the batch). */
  replay: boolean;
}

/** The commits of one event-loop turn, written as one batch. */
export class Group {
  /** @param seq the batch's sequence number (increasing; also the key of its delta record). */
  constructor(readonly seq: number) {}

  readonly items: Item[] = [];
  readonly waiters: Callback[] = [];
  /** The ctx of each waiter (same index). */
  readonly ctxs: unknown[] = [];
  /** Time (ms) of the batch's time record, set when the batch is built. */
  bookedAt = 0;
  /** The batch holds a journal page (some entry was not a replay): its sequence number is on disk once written. */
  paged = false;
  /** The accounts the batch touched and each one's change (same order), set when the batch is built. */
  touched: Account[] = [];
  deltas: bigint[] = [];

  get empty(): boolean {
    return this.items.length === 0;
  }
}

/** Re-throws `err` on a later tick: a throwing callback must not stop the others or break the ledger. */
export function rethrowLater(err: unknown): void {
  process.nextTick(() => {
    throw err;
  });
}

/** Runs `fn`, re-throwing what it throws on a later tick. */
export function safely(fn: () => void): void {
  try {
    fn();
  } catch (err) {
    rethrowLater(err);
  }
}

/** Calls every waiter with `err` and its ctx (no closure per waiter: this runs once per packet). */
export function callAll(waiters: readonly Callback[], ctxs: readonly unknown[], err: Error | undefined): void {
  for (let i = 0; i < waiters.length; i++) {
    try {
      waiters[i](err, ctxs[i]);
    } catch (e) {
      rethrowLater(e);
    }
  }
}

/** A scratch buffer large enough to encode `items` (grown when needed, else reused). */
export function scratchFor(scratch: Buffer, items: readonly Item[]): Buffer {
  // Per item: its value once (inline in the page, or under its j key of 1 + id bytes) + its page item,
  // and at most once the page key (7 + id) and mark; utf8 <= 3 bytes a char.
  // Delta record: its key (7) and at most one delta per posting.
  let size = 8 + PAGE_HEADER_V5;
  for (const it of items) {
    size += entrySizeBound(it.entry) + 1 + pageItemOverhead(it.entry.id) + it.entry.id.length * 6 + 7;
    for (const p of it.entry.postings) size += deltaSize(p.account);
  }
  return scratch.length >= size ? scratch : Buffer.allocUnsafe(Math.max(size, scratch.length * 2));
}

type ChainedBatch = ReturnType<Db['batch']>;

/**
 * Puts the group's journal page (booked at `now`), the `j` records of its non-fresh entries and its delta record (key `d` + `g.seq`)
 * into `batch`, and sets `g.touched` / `g.deltas`. `buf` may be reused across batches: a chained batch
 * copies every key and value when put() is called.
 */
export function fillBatch(batch: ChainedBatch, g: Group, buf: Buffer, mark: number, now: number): void {
  const items = g.items;
  const touched: Account[] = [];
  let off = 0;
  let firstId: string | undefined;
  // Entries whose ids may repeat get their own j record (a replay check reads it by id).
  for (const it of items) {
    if (it.replay || it.fresh) continue;
    const keyStart = off;
    buf[off] = PREFIX_JOURNAL;
    off += 1 + buf.write(it.entry.id, off + 1, 'utf8');
    const valueStart = off;
    off = writeEntry(buf, off, it.entry, it.ts);
    batch.put(buf.subarray(keyStart, valueStart), buf.subarray(valueStart, off));
  }
  // The page: packets inline, the others by reference, in commit order.
  const pageStart = off;
  off += PAGE_HEADER_V5;
  for (const it of items) {
    if (it.replay) continue;
    firstId ??= it.entry.id;
    off = it.fresh ? writeInlineItem(buf, off, it.entry, it.ts) : writeRefItem(buf, off, it.entry.id);
    const postings = it.entry.postings;
    for (let p = 0; p < postings.length; p++) {
      const a = it.accts[p];
      if (a.mark !== mark) {
        a.mark = mark;
        a.delta = 0n;
        touched.push(a);
      }
      a.delta += postings[p].amount;
    }
  }
  const deltas = new Array<bigint>(touched.length);
  g.paged = firstId !== undefined;
  if (firstId !== undefined) {
    sealPage(buf, pageStart, off, g.seq);
    // The page's key: booking time + first id (unique).
    const keyStart = off;
    buf[off] = PREFIX_TIME;
    buf.writeUIntBE(now, off + 1, 6);
    off += 7 + buf.write(firstId, off + 7, 'utf8');
    batch.put(buf.subarray(keyStart, off), buf.subarray(pageStart, keyStart));
    // The delta record: each touched account's change (order-independent, unlike an absolute balance).
    const valueStart = off;
    for (let i = 0; i < touched.length; i++) {
      deltas[i] = touched[i].delta;
      off = writeDelta(buf, off, touched[i].id, deltas[i]);
    }
    const dKey = off;
    buf[off] = PREFIX_DELTA;
    buf.writeUIntBE(g.seq, off + 1, 6);
    off += 7;
    batch.put(buf.subarray(dKey, off), buf.subarray(valueStart, dKey));
  }
  g.touched = touched;
  g.deltas = deltas;
}
