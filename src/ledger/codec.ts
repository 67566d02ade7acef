/**
 * The on-disk format (version 4: version 3 plus the `loss` entry kind). Keys are one ASCII prefix byte and a body:
 *
 * | key                      | value                                     |
 * |--------------------------|-------------------------------------------|
 * | `m`                      | meta: JSON `{format, version, createdAt}` |
 * | `b` + account            | base balance, signed 128-bit big-endian   |
 * | `c` + account            | checkpoint (sum of folded entries), same  |
 * | `d` + batch seq (u48 BE) | the balance deltas one batch booked       |
 * | `j` + entry id (utf8)    | the journal entry, binary (below)         |
 * | `t` + ts (u48 BE) + id   | time index: ids booked by one batch       |
 *
 * A time record indexes every entry one batch wrote (its key carries the batch's booking time and
 * its first id, which is unique); its value lists the ids, each as u16 length + utf8. Folding walks
 * these records oldest first. One record per batch, not per entry, halves the writes per packet.
 *
 * A packet batch never writes absolute balances: it writes its entries, its time record and one delta
 * record (per touched account: u8 length, account latin1, signed 128-bit delta). Batches can then reach
 * the disk in any order. An account's stored balance is its `b` record plus every `d` record's delta
 * for it; a background consolidation adds delta records into `b` and deletes them, in one batch.
 * Version 1 is this layout without delta records (a v1 store opens as is; its meta is rewritten).
 *
 * Entry value: u8 version, u8 kind, u48 ts, u8 posting count, per posting (u8 length, account latin1,
 * u8 sign (1 = negative), u64 magnitude), u8 option bits (1 condition, 2 sourcePeer, 4 requestId), then
 * condition (u8 length + bytes), sourcePeer (u8 length + utf8), requestId (u32). No JSON on this path.
 */
import { LedgerError, corruptHint } from './errors.js';
import { crc32c } from './integrity/crc32c.js';
import { entryKinds, type EntryKind, type JournalEntry, type Posting } from './types.js';

/**
 * Version of the store layout written in the meta record (6: ACKED names the last batches acknowledged,
 * not only the newest; 7: accounts may carry an asset record (`a`), so a build reading 6, which would
 * take an XRP peer's drops for the node's units, refuses the store with LEDGER_FORMAT_NEWER).
 */
export const FORMAT_VERSION = 7;
/** First byte of a version-3/4 journal page value (read, no longer written). */
export const PAGE_MARK = 0xff;
/**
 * First byte of a version-5 journal page value: 0xfe, u48 batch sequence number, u32 CRC-32C of the
 * page's items (everything after these 11 bytes), then the items.
 */
export const PAGE_MARK_V5 = 0xfe;
/** Bytes before a version-5 page's items. */
export const PAGE_HEADER_V5 = 11;
/** Key of the watermark record: u48, the highest batch sequence number consolidated into the base balances. */
export const WATERMARK_KEY = Buffer.from('q');
const ITEM_REF = 0;
const ITEM_INLINE = 1;
/** Name written in the meta record (and checked on open). */
export const FORMAT_NAME = 'agent-runtime-ledger';

export const PREFIX_BALANCE = 0x62; // 'b'
export const PREFIX_CHECKPOINT = 0x63; // 'c'
export const PREFIX_DELTA = 0x64; // 'd'
export const PREFIX_JOURNAL = 0x6a; // 'j'
export const PREFIX_TIME = 0x74; // 't'
/** Key of the meta record. */
export const META_KEY = Buffer.from('m');

/** Largest magnitude of one posting: an ILP amount is an unsigned 64-bit integer. */
export const MAX_POSTING = (1n << 64n) - 1n;
const I128_MIN = -(1n << 127n);
const I128_MAX = (1n << 127n) - 1n;
const ENTRY_VERSION = 1;
const TS_BYTES = 6;

const kindCode = new Map<EntryKind, number>(entryKinds.map((k, i) => [k, i]));

/** `prefix` + latin1/utf8 body as a fresh Buffer. */
export function prefixedKey(prefix: number, body: string): Buffer {
  const len = Buffer.byteLength(body, 'utf8');
  const key = Buffer.allocUnsafe(1 + len);
  key[0] = prefix;
  key.write(body, 1, 'utf8');
  return key;
}

/** Key of a time index record: `t` + ts + the first id it lists. */
export function timeKey(ts: number, id: string): Buffer {
  const key = Buffer.allocUnsafe(1 + TS_BYTES + Buffer.byteLength(id, 'utf8'));
  key[0] = PREFIX_TIME;
  key.writeUIntBE(ts, 1, TS_BYTES);
  key.write(id, 1 + TS_BYTES, 'utf8');
  return key;
}

/** The lower bound of time keys at or after `ts` (ms). */
export function timeKeyBound(ts: number): Buffer {
  const key = Buffer.allocUnsafe(1 + TS_BYTES);
  key[0] = PREFIX_TIME;
  key.writeUIntBE(Math.max(0, Math.min(ts, 2 ** 48 - 1)), 1, TS_BYTES);
  return key;
}

/** Splits a time key into its timestamp and entry id. */
export function parseTimeKey(key: Buffer): { ts: number; id: string } {
  return { ts: key.readUIntBE(1, TS_BYTES), id: key.toString('utf8', 1 + TS_BYTES) };
}

/** The body of a prefixed key (account or id). */
export function keyBody(key: Buffer): string {
  return key.toString('utf8', 1);
}

/** Encodes a signed balance as 16 bytes (two's complement, big-endian). */
export function encodeI128(v: bigint): Buffer {
  if (v < I128_MIN || v > I128_MAX) throw new RangeError(`balance ${v} does not fit in 128 bits`);
  const buf = Buffer.allocUnsafe(16);
  buf.writeBigInt64BE(v >> 64n, 0);
  buf.writeBigUInt64BE(BigInt.asUintN(64, v), 8);
  return buf;
}

/** Writes `v` as 16 bytes (two's complement, big-endian) at `off`; returns the offset after it. */
export function writeI128(buf: Buffer, off: number, v: bigint): number {
  if (v < I128_MIN || v > I128_MAX) throw new RangeError(`amount ${v} does not fit in 128 bits`);
  buf.writeBigInt64BE(v >> 64n, off);
  buf.writeBigUInt64BE(BigInt.asUintN(64, v), off + 8);
  return off + 16;
}

/** Key of a delta record: `d` + the batch's sequence number (u48 BE). */
export function deltaKey(seq: number): Buffer {
  const key = Buffer.allocUnsafe(1 + TS_BYTES);
  key[0] = PREFIX_DELTA;
  key.writeUIntBE(seq, 1, TS_BYTES);
  return key;
}

/** The batch sequence number of a delta record's key. */
export function parseDeltaKey(key: Buffer): number {
  return key.readUIntBE(1, TS_BYTES);
}

/** Size of one delta in a delta record (the account must be ASCII). */
export const deltaSize = (account: string): number => 17 + account.length;

/** Writes one (account, delta) of a delta record at `off`; returns the offset after it. */
export function writeDelta(buf: Buffer, off: number, account: string, delta: bigint): number {
  const n = buf.write(account, off + 1, 'latin1');
  buf[off] = n;
  return writeI128(buf, off + 1 + n, delta);
}

/** Encodes a delta record's value. */
export function encodeDeltas(deltas: readonly (readonly [string, bigint])[]): Buffer {
  let size = 0;
  for (const [account] of deltas) size += deltaSize(account);
  const buf = Buffer.allocUnsafe(size);
  let off = 0;
  for (const [account, delta] of deltas) off = writeDelta(buf, off, account, delta);
  return buf;
}

/** Decodes a delta record's value into (account, delta) pairs. */
export function decodeDeltas(buf: Buffer): [string, bigint][] {
  const out: [string, bigint][] = [];
  for (let off = 0; off < buf.length; ) {
    const n = buf[off];
    if (off + 17 + n > buf.length) throw new RangeError('truncated delta record');
    out.push([buf.toString('latin1', off + 1, off + 1 + n), decodeI128(buf.subarray(off + 1 + n, off + 17 + n))]);
    off += 17 + n;
  }
  return out;
}

/** Decodes a 16-byte balance. */
export function decodeI128(buf: Uint8Array): bigint {
  const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.length !== 16) throw new RangeError(`a stored amount must be 16 bytes, got ${b.length}`);
  return (b.readBigInt64BE(0) << 64n) | b.readBigUInt64BE(8);
}

/** Upper bound of the encoded size of an entry's value (accounts are ASCII, checked on commit). */
export function entrySizeBound(e: JournalEntry): number {
  // header 9, per posting 10 + account, option bits 1, condition 1 + n, sourcePeer 1 + utf8, requestId 4
  let n = 9 + e.postings.length * 10 + 1 + 4;
  for (const p of e.postings) n += p.account.length;
  if (e.condition) n += 1 + e.condition.length;
  if (e.sourcePeer !== undefined) n += 1 + e.sourcePeer.length * 3;
  return n;
}

const TWO_32 = 2 ** 32;
const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Writes u8 sign + u64 magnitude; amounts below 2^53 go through Number, which allocates no bigints. */
function writeMagnitude(buf: Buffer, off: number, amount: bigint): void {
  const negative = amount < 0n;
  buf[off] = negative ? 1 : 0;
  if (amount <= SAFE && amount >= -SAFE) {
    const n = negative ? -Number(amount) : Number(amount);
    buf.writeUInt32BE(Math.floor(n / TWO_32), off + 1);
    buf.writeUInt32BE(n >>> 0, off + 5);
  } else {
    buf.writeBigUInt64BE(negative ? -amount : amount, off + 1);
  }
}

/** Writes the value of `e` (booked at `ts`) into `buf` at `off`; returns the offset after it. */
export function writeEntry(buf: Buffer, off: number, e: JournalEntry, ts: number): number {
  buf[off++] = ENTRY_VERSION;
  buf[off++] = kindCode.get(e.kind)!;
  buf.writeUIntBE(ts, off, TS_BYTES);
  off += TS_BYTES;
  const postings = e.postings;
  buf[off++] = postings.length;
  for (let i = 0; i < postings.length; i++) {
    const p = postings[i];
    const n = buf.write(p.account, off + 1, 'latin1');
    buf[off] = n;
    off += 1 + n;
    writeMagnitude(buf, off, p.amount);
    off += 9;
  }
  const bits = (e.condition ? 1 : 0) | (e.sourcePeer !== undefined ? 2 : 0) | (e.requestId !== undefined ? 4 : 0);
  buf[off++] = bits;
  if (e.condition) {
    buf[off++] = e.condition.length;
    off += e.condition.copy(buf, off);
  }
  if (e.sourcePeer !== undefined) {
    const n = buf.write(e.sourcePeer, off + 1, 'utf8');
    buf[off] = n;
    off += 1 + n;
  }
  if (e.requestId !== undefined) {
    buf.writeUInt32BE(e.requestId, off);
    off += 4;
  }
  return off;
}

/** Encodes an entry's value into a fresh buffer. */
export function encodeEntry(e: JournalEntry, ts: number): Buffer {
  const buf = Buffer.allocUnsafe(entrySizeBound(e));
  const end = writeEntry(buf, 0, e, ts);
  return buf.subarray(0, end);
}

/** Decodes only the postings and timestamp (what folding and verify need). */
export function decodePostings(buf: Buffer): { ts: number; postings: Posting[] } {
  return decodeEntryParts(buf, false);
}

/** Decodes a stored entry; `id` comes from its key. */
export function decodeEntry(id: string, buf: Buffer): JournalEntry {
  const e = decodeEntryParts(buf, true) as JournalEntry;
  e.id = id;
  return e;
}

function decodeEntryParts(buf: Buffer, full: boolean): Partial<JournalEntry> & { ts: number; postings: Posting[] } {
  if (buf.length < 10 || buf[0] !== ENTRY_VERSION) throw new RangeError(`unknown journal entry version ${buf[0]}`);
  const kind = entryKinds[buf[1]];
  if (kind === undefined) throw new RangeError(`unknown journal entry kind ${buf[1]}`);
  const ts = buf.readUIntBE(2, TS_BYTES);
  let off = 2 + TS_BYTES;
  const n = buf[off++];
  const postings: Posting[] = new Array<Posting>(n);
  for (let i = 0; i < n; i++) {
    const len = buf[off];
    const account = buf.toString('latin1', off + 1, off + 1 + len);
    off += 1 + len;
    const mag = buf.readBigUInt64BE(off + 1);
    postings[i] = { account, amount: buf[off] === 1 ? -mag : mag };
    off += 9;
  }
  if (!full) return { ts, postings };
  const e: Partial<JournalEntry> & { ts: number; postings: Posting[] } = { kind, postings, ts };
  const bits = buf[off++];
  if (bits & 1) {
    const len = buf[off++];
    e.condition = Buffer.from(buf.subarray(off, off + len));
    off += len;
  }
  if (bits & 2) {
    const len = buf[off++];
    e.sourcePeer = buf.toString('utf8', off, off + len);
    off += len;
  }
  if (bits & 4) e.requestId = buf.readUInt32BE(off);
  return e;
}

/** Writes one id of a time record's value (u16 length + utf8) at `off`; returns the offset after it. */
export function writeListedId(buf: Buffer, off: number, id: string): number {
  const n = buf.write(id, off + 2, 'utf8');
  buf.writeUInt16BE(n, off);
  return off + 2 + n;
}

/** Writes a page item naming an entry stored under its own `j` key; returns the offset after it. */
export function writeRefItem(buf: Buffer, off: number, id: string): number {
  buf[off] = ITEM_REF;
  return writeListedId(buf, off + 1, id);
}

/** Writes a page item holding entry `e` (booked at `ts`) inline; returns the offset after it. */
export function writeInlineItem(buf: Buffer, off: number, e: JournalEntry, ts: number): number {
  buf[off] = ITEM_INLINE;
  off = writeListedId(buf, off + 1, e.id);
  const end = writeEntry(buf, off + 4, e, ts);
  buf.writeUInt32BE(end - off - 4, off);
  return end;
}

/** Most bytes a page item adds besides the entry's value (the id is utf8: at most 3 bytes a char). */
export const pageItemOverhead = (id: string): number => 7 + id.length * 3;

/** One entry of a journal page: its id, and its value when stored inline (else it lives under `j` + id). */
export interface PageItem {
  id: string;
  value?: Buffer;
}

/** A journal page whose own checksum does not match its bytes: the store is damaged (LEDGER_CORRUPT). */
export class PageChecksumError extends LedgerError {
  override readonly name: string = 'PageChecksumError';

  constructor(readonly seq: number) {
    super('LEDGER_CORRUPT', `The ledger is damaged: the journal page of batch ${seq} fails its checksum`, corruptHint(), { details: { seq } });
  }
}

/** A u48 big-endian value (the watermark record). */
export function encodeU48(n: number): Buffer {
  const b = Buffer.allocUnsafe(6);
  b.writeUIntBE(n, 0, 6);
  return b;
}

/** Throws PageChecksumError when a version-5 page's items do not match its CRC (older pages have none). */
export function checkPage(buf: Buffer): void {
  if (buf.length >= PAGE_HEADER_V5 && buf[0] === PAGE_MARK_V5 && crc32c(buf, PAGE_HEADER_V5) !== buf.readUInt32BE(7)) throw new PageChecksumError(buf.readUIntBE(1, 6));
}

/** Writes a version-5 page header over `buf[start, start + 11)` for items in `[start + 11, end)`. */
export function sealPage(buf: Buffer, start: number, end: number, seq: number): void {
  buf[start] = PAGE_MARK_V5;
  buf.writeUIntBE(seq, start + 1, 6);
  buf.writeUInt32BE(crc32c(buf, start + PAGE_HEADER_V5, end), start + 7);
}

/**
 * Decodes a journal page (version 5 after checking its CRC: PageChecksumError when it fails; version 3)
 * or a version-2 id list.
 */
export function decodePage(buf: Buffer, verify = true): PageItem[] {
  let off = 1;
  if (buf.length >= PAGE_HEADER_V5 && buf[0] === PAGE_MARK_V5) {
    if (verify) checkPage(buf);
    off = PAGE_HEADER_V5;
  } else if (buf.length === 0 || buf[0] !== PAGE_MARK) return decodeIdList(buf).map((id) => ({ id }));
  const items: PageItem[] = [];
  while (off < buf.length) {
    const kind = buf[off];
    if (kind !== ITEM_REF && kind !== ITEM_INLINE) throw new RangeError(`unknown journal page item kind ${kind}`);
    const n = buf.readUInt16BE(off + 1);
    const id = buf.toString('utf8', off + 3, off + 3 + n);
    off += 3 + n;
    if (kind === ITEM_REF) {
      items.push({ id });
      continue;
    }
    const len = buf.readUInt32BE(off);
    if (off + 4 + len > buf.length) throw new RangeError('a journal page item runs past the end of its page');
    items.push({ id, value: buf.subarray(off + 4, off + 4 + len) });
    off += 4 + len;
  }
  return items;
}

/** Encodes the value of a time record. */
export function encodeIdList(ids: readonly string[]): Buffer {
  let size = 0;
  for (const id of ids) size += 2 + Buffer.byteLength(id, 'utf8');
  const buf = Buffer.allocUnsafe(size);
  let off = 0;
  for (const id of ids) off = writeListedId(buf, off, id);
  return buf;
}

/** Decodes the value of a time record. */
export function decodeIdList(buf: Buffer): string[] {
  const ids: string[] = [];
  for (let off = 0; off + 2 <= buf.length; ) {
    const n = buf.readUInt16BE(off);
    ids.push(buf.toString('utf8', off + 2, off + 2 + n));
    off += 2 + n;
  }
  return ids;
}
