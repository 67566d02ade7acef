/**
 * Minimal BTP 2.0 (RFC 0023) and ILPv4 (RFC 0027) encoders for the load generator.
 *
 * Frames are built once, then the hot loop patches fixed-length fields in place: the BTP request id
 * (UInt32 at offset 1), the ILP expiry (17 ASCII digits) and the first bytes of the data (a sequence
 * number). Only what the bench needs is here: a MESSAGE carrying one `ilp` entry, a RESPONSE carrying
 * one `ilp` entry (or none), the auth MESSAGE, and a reader that finds the `ilp` payload in a frame.
 */
import { createHash } from 'node:crypto';

/** BTP frame type bytes. */
export const BTP_RESPONSE = 1;
export const BTP_ERROR = 2;
export const BTP_MESSAGE = 6;

/** ILP packet type bytes. */
export const ILP_PREPARE = 12;
export const ILP_FULFILL = 13;
export const ILP_REJECT = 14;

/** Length of an ILP timestamp (`YYYYMMDDHHmmSSfff`). */
export const ILP_TIMESTAMP_LENGTH = 17;

/** The one fulfillment every bench packet uses, and its condition sha256(F). */
export const BENCH_FULFILLMENT: Buffer = createHash('sha256').update('agent-runtime one-hop bench fulfillment').digest();
export const BENCH_CONDITION: Buffer = createHash('sha256').update(BENCH_FULFILLMENT).digest();

/** Bytes an OER length prefix for `len` takes. */
export function lengthPrefixSize(len: number): number {
  if (len < 0x80) return 1;
  if (len < 0x100) return 2;
  if (len < 0x10000) return 3;
  return 4;
}

/** Writes an OER length prefix; returns the offset after it. */
export function writeLengthPrefix(b: Buffer, off: number, len: number): number {
  if (len < 0x80) {
    b[off] = len;
    return off + 1;
  }
  const n = lengthPrefixSize(len) - 1;
  b[off] = 0x80 | n;
  for (let i = n; i >= 1; i--) {
    b[off + i] = len & 0xff;
    len >>>= 8;
  }
  return off + 1 + n;
}

/**
 * Reads an OER length prefix at `off`.
 * @returns the length, with the offset after the prefix in `cursor.pos`; -1 when malformed
 */
export function readLengthPrefix(b: Buffer, cursor: { pos: number }): number {
  const off = cursor.pos;
  if (off >= b.length) return -1;
  const first = b[off];
  if (first < 0x80) {
    cursor.pos = off + 1;
    return first;
  }
  const n = first & 0x7f;
  if (n === 0 || n > 3 || off + 1 + n > b.length) return -1;
  let len = 0;
  for (let i = 1; i <= n; i++) len = len * 256 + b[off + i];
  cursor.pos = off + 1 + n;
  return len;
}

/** Writes an ILP timestamp (`YYYYMMDDHHmmSSfff`, UTC) for `ms` into `b` at `off`. */
export function writeIlpTimestamp(b: Buffer, off: number, ms: number): void {
  const iso = new Date(ms).toISOString(); // 2026-11-25T07:42:09.123Z
  const digits = iso.slice(0, 4) + iso.slice(5, 7) + iso.slice(8, 10) + iso.slice(11, 13) + iso.slice(14, 16) + iso.slice(17, 19) + iso.slice(20, 23);
  b.write(digits, off, ILP_TIMESTAMP_LENGTH, 'latin1');
}

/** An encoded ILP Prepare and where its patchable fields sit. */
export interface PrepareLayout {
  packet: Buffer;
  /** Offset of the 17-byte expiry. */
  expiryOffset: number;
  /** Offset of the first data byte. */
  dataOffset: number;
}

/** Encodes an ILP Prepare (RFC 0027, canonical OER). */
export function encodePrepare(p: { amount: bigint; expiresAtMs: number; condition: Buffer; destination: string; data: Buffer }): PrepareLayout {
  const dest = Buffer.from(p.destination, 'ascii');
  const contentLen = 8 + ILP_TIMESTAMP_LENGTH + 32 + lengthPrefixSize(dest.length) + dest.length + lengthPrefixSize(p.data.length) + p.data.length;
  const b = Buffer.alloc(1 + lengthPrefixSize(contentLen) + contentLen);
  b[0] = ILP_PREPARE;
  let off = writeLengthPrefix(b, 1, contentLen);
  b.writeBigUInt64BE(p.amount, off);
  off += 8;
  const expiryOffset = off;
  writeIlpTimestamp(b, off, p.expiresAtMs);
  off += ILP_TIMESTAMP_LENGTH;
  p.condition.copy(b, off);
  off += 32;
  off = writeLengthPrefix(b, off, dest.length);
  dest.copy(b, off);
  off += dest.length;
  off = writeLengthPrefix(b, off, p.data.length);
  const dataOffset = off;
  p.data.copy(b, off);
  return { packet: b, expiryOffset, dataOffset };
}

/** Encodes an ILP Fulfill. */
export function encodeFulfill(fulfillment: Buffer, data: Buffer = Buffer.alloc(0)): Buffer {
  const contentLen = 32 + lengthPrefixSize(data.length) + data.length;
  const b = Buffer.alloc(1 + lengthPrefixSize(contentLen) + contentLen);
  b[0] = ILP_FULFILL;
  let off = writeLengthPrefix(b, 1, contentLen);
  fulfillment.copy(b, off);
  off = writeLengthPrefix(b, off + 32, data.length);
  data.copy(b, off);
  return b;
}

/** One protocol data entry of a BTP frame. */
export interface Entry {
  name: string;
  /** 0 octet-stream, 1 text/plain-utf8, 2 json */
  contentType: number;
  data: Buffer;
}

/**
 * Encodes a BTP MESSAGE (6) or RESPONSE (1) with the given protocol data.
 * @returns the frame and the offset of the first entry's data (where an `ilp` packet starts)
 */
export function encodeBtpFrame(type: 1 | 6, requestId: number, entries: readonly Entry[]): { frame: Buffer; firstDataOffset: number } {
  let bodyLen = 2; // count as a length-prefixed UInt (count < 128: 01 nn)
  for (const e of entries) bodyLen += lengthPrefixSize(e.name.length) + e.name.length + 1 + lengthPrefixSize(e.data.length) + e.data.length;
  const b = Buffer.alloc(5 + lengthPrefixSize(bodyLen) + bodyLen);
  b[0] = type;
  b.writeUInt32BE(requestId >>> 0, 1);
  let off = writeLengthPrefix(b, 5, bodyLen);
  b[off++] = 1;
  b[off++] = entries.length;
  let firstDataOffset = -1;
  for (const e of entries) {
    off = writeLengthPrefix(b, off, e.name.length);
    off += b.write(e.name, off, 'latin1');
    b[off++] = e.contentType;
    off = writeLengthPrefix(b, off, e.data.length);
    if (firstDataOffset < 0) firstDataOffset = off;
    e.data.copy(b, off);
    off += e.data.length;
  }
  return { frame: b, firstDataOffset };
}

/** A BTP MESSAGE carrying an ILP Prepare, with the offsets the hot loop patches. */
export interface PrepareFrame {
  frame: Buffer;
  /** Offset of the UInt32 request id (always 1). */
  requestIdOffset: number;
  expiryOffset: number;
  dataOffset: number;
}

/** Builds a BTP MESSAGE whose `ilp` entry is a Prepare. */
export function buildPrepareFrame(p: { requestId: number; amount: bigint; expiresAtMs: number; condition: Buffer; destination: string; data: Buffer }): PrepareFrame {
  const ilp = encodePrepare(p);
  const { frame, firstDataOffset } = encodeBtpFrame(BTP_MESSAGE, p.requestId, [{ name: 'ilp', contentType: 0, data: ilp.packet }]);
  return { frame, requestIdOffset: 1, expiryOffset: firstDataOffset + ilp.expiryOffset, dataOffset: firstDataOffset + ilp.dataOffset };
}

/** Builds the BTP RESPONSE that answers request `requestId` with an ILP Fulfill. */
export function buildFulfillResponse(requestId: number, fulfillment: Buffer = BENCH_FULFILLMENT): Buffer {
  return encodeBtpFrame(BTP_RESPONSE, requestId, [{ name: 'ilp', contentType: 0, data: encodeFulfill(fulfillment) }]).frame;
}

/** Builds an empty BTP RESPONSE (the answer to an auth message). */
export function buildEmptyResponse(requestId: number): Buffer {
  return encodeBtpFrame(BTP_RESPONSE, requestId, []).frame;
}

/** Builds the BTP auth MESSAGE: `auth` (empty), `auth_username`, `auth_token`. */
export function buildAuthFrame(requestId: number, username: string, token: string): Buffer {
  return encodeBtpFrame(BTP_MESSAGE, requestId, [
    { name: 'auth', contentType: 0, data: Buffer.alloc(0) },
    { name: 'auth_username', contentType: 1, data: Buffer.from(username, 'utf8') },
    { name: 'auth_token', contentType: 1, data: Buffer.from(token, 'utf8') },
  ]).frame;
}

const cursor = { pos: 0 };

/**
 * Offset of the data of the first `ilp` protocol data entry of a MESSAGE or RESPONSE frame.
 * @returns -1 when the frame has none or is malformed
 */
export function findIlp(frame: Buffer): number {
  if (frame.length < 8) return -1;
  cursor.pos = 5;
  const bodyLen = readLengthPrefix(frame, cursor);
  if (bodyLen < 0 || cursor.pos + bodyLen > frame.length) return -1;
  const countLen = frame[cursor.pos];
  if (countLen === 0 || countLen > 2) return -1;
  let count = 0;
  for (let i = 1; i <= countLen; i++) count = count * 256 + frame[cursor.pos + i];
  cursor.pos += 1 + countLen;
  for (let i = 0; i < count; i++) {
    const nameLen = readLengthPrefix(frame, cursor);
    if (nameLen < 0) return -1;
    const nameAt = cursor.pos;
    const isIlp = nameLen === 3 && frame[nameAt] === 0x69 && frame[nameAt + 1] === 0x6c && frame[nameAt + 2] === 0x70;
    cursor.pos = nameAt + nameLen + 1; // skip the name and the content type
    const dataLen = readLengthPrefix(frame, cursor);
    if (dataLen < 0 || cursor.pos + dataLen > frame.length) return -1;
    if (isIlp) return dataLen > 0 ? cursor.pos : -1;
    cursor.pos += dataLen;
  }
  return -1;
}

/** The three-character code of the ILP Reject starting at `off`, or `???` when unreadable. */
export function rejectCodeAt(frame: Buffer, off: number): string {
  cursor.pos = off + 1;
  const len = readLengthPrefix(frame, cursor);
  if (len < 3 || cursor.pos + 3 > frame.length) return '???';
  return frame.toString('latin1', cursor.pos, cursor.pos + 3);
}

/** The code of a BTP ERROR frame (three characters right after the body's length prefix). */
export function btpErrorCode(frame: Buffer): string {
  cursor.pos = 5;
  if (readLengthPrefix(frame, cursor) < 3 || cursor.pos + 3 > frame.length) return '???';
  return frame.toString('latin1', cursor.pos, cursor.pos + 3);
}
