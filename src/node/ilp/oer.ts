/**
 * Canonical OER primitives (ITU-T X.696) shared by the ILP, ILDCP and BTP codecs.
 *
 * Decoding is strict: a length prefix must be canonical (no long form for lengths below 128, no
 * leading zero bytes, no indefinite form), and every failure is a `CodecError` naming the field.
 * Writing is done into a buffer sized up front: callers add up `*Size` helpers, `allocUnsafe`
 * once, then write with the `write*` functions, which return the next offset.
 */
import { CodecError } from './errors.js';

/** Largest UInt64, 2^64 − 1. */
export const UINT64_MAX = 0xffff_ffff_ffff_ffffn;

/** Largest length a length prefix may carry here (4 length bytes): beyond any real buffer. */
const MAX_LENGTH_OF_LENGTH = 4;

/** Largest VarUInt read as a JS number: 6 bytes keeps it an exact integer. */
const MAX_VARUINT_BYTES = 6;

/** Guards the encoders' destructuring: a non-object from untyped callers is a CodecError too. */
export function assertObject(v: unknown, field: string): asserts v is object {
  if (v === null || typeof v !== 'object') throw new CodecError(`${field}: not an object`);
}

/** A type tag for error reasons: the number itself, or the JS type of anything else. */
export function typeName(v: unknown): string {
  return typeof v === 'number' ? String(v) : typeof v;
}

/** Bytes the canonical length prefix of an `n`-byte octet string takes. */
export function lengthPrefixSize(n: number): number {
  return n < 0x80 ? 1 : n < 0x100 ? 2 : n < 0x1_0000 ? 3 : n < 0x100_0000 ? 4 : 5;
}

/** Bytes a variable-length octet string of `n` bytes takes, prefix included. */
export function varOctetStringSize(n: number): number {
  return lengthPrefixSize(n) + n;
}

/** Bytes the canonical VarUInt encoding of a non-negative safe integer takes. */
export function varUIntSize(n: number): number {
  let bytes = 1;
  while (n >= 0x100 && bytes < 7) {
    n = Math.floor(n / 0x100);
    bytes++;
  }
  return 1 + bytes;
}

/** Writes a canonical length prefix for `n` at `off`; returns the next offset. */
export function writeLengthPrefix(b: Buffer, off: number, n: number): number {
  if (n < 0x80) {
    b[off] = n;
    return off + 1;
  }
  if (n < 0x100) {
    b[off] = 0x81;
    b[off + 1] = n;
    return off + 2;
  }
  if (n < 0x1_0000) {
    b[off] = 0x82;
    b[off + 1] = n >>> 8;
    b[off + 2] = n & 0xff;
    return off + 3;
  }
  if (n < 0x100_0000) {
    b[off] = 0x83;
    b[off + 1] = n >>> 16;
    b[off + 2] = (n >>> 8) & 0xff;
    b[off + 3] = n & 0xff;
    return off + 4;
  }
  b[off] = 0x84;
  b.writeUInt32BE(n, off + 1);
  return off + 5;
}

/** Writes `src` as a variable-length octet string at `off`; returns the next offset. */
export function writeVarOctetString(b: Buffer, off: number, src: Uint8Array): number {
  off = writeLengthPrefix(b, off, src.length);
  b.set(src, off);
  return off + src.length;
}

/** Writes a canonical VarUInt (length byte, then the big-endian value); returns the next offset. */
export function writeVarUInt(b: Buffer, off: number, n: number): number {
  const size = varUIntSize(n) - 1;
  b[off] = size;
  for (let i = size; i >= 1; i--) {
    b[off + i] = n % 0x100;
    n = Math.floor(n / 0x100);
  }
  return off + 1 + size;
}

/**
 * Writes a UInt64 big-endian at `off`; returns the next offset.
 * @throws CodecError when `v` is not a bigint in 0..2^64−1
 */
export function writeUInt64(b: Buffer, off: number, v: bigint, field: string): number {
  if (typeof v !== 'bigint' || v < 0n || v > UINT64_MAX) throw new CodecError(`${field}: not a UInt64`);
  return putUInt64(b, off, v);
}

/**
 * Writes a UInt64 big-endian at `off` without checking its range (the caller did); returns the
 * next offset. Amounts below 2^53 skip BigInt arithmetic, which costs more than the write itself.
 */
export function putUInt64(b: Buffer, off: number, v: bigint): number {
  if (v <= 0x1f_ffff_ffff_ffffn) {
    const n = Number(v);
    const hi = Math.floor(n / 0x1_0000_0000);
    const lo = n - hi * 0x1_0000_0000;
    b[off] = 0;
    b[off + 1] = hi >>> 16;
    b[off + 2] = (hi >>> 8) & 0xff;
    b[off + 3] = hi & 0xff;
    b[off + 4] = lo >>> 24;
    b[off + 5] = (lo >>> 16) & 0xff;
    b[off + 6] = (lo >>> 8) & 0xff;
    b[off + 7] = lo & 0xff;
  } else {
    b.writeBigUInt64BE(v, off);
  }
  return off + 8;
}

/** Longest string `putAscii` copies in JS; longer ones go through the native writer. */
const SHORT_STRING = 48;

/**
 * Writes an ASCII string (already validated) at `off`; returns the next offset. Short strings are
 * copied in a loop, which beats the native call's fixed cost.
 */
export function putAscii(b: Buffer, off: number, s: string): number {
  const len = s.length;
  if (len > SHORT_STRING) return off + b.write(s, off, len, 'latin1');
  for (let i = 0; i < len; i++) b[off + i] = s.charCodeAt(i);
  return off + len;
}

/**
 * Reads the canonical length prefix at `b[pos]` and checks that many bytes follow it before `end`.
 * Advance past the prefix with `prefixSizeAt(b, pos)`.
 * @returns the length announced
 */
export function lengthPrefixAt(b: Buffer, pos: number, end: number, field: string): number {
  if (pos >= end) throw new CodecError(`${field}: truncated length prefix`);
  const first = b[pos++];
  let len = first;
  if (first >= 0x80) {
    const n = first & 0x7f;
    if (n === 0) throw new CodecError(`${field}: indefinite length prefix`);
    if (n > MAX_LENGTH_OF_LENGTH) throw new CodecError(`${field}: length-of-length ${n} too large`);
    if (end - pos < n) throw new CodecError(`${field}: truncated length prefix`);
    if (b[pos] === 0) throw new CodecError(`${field}: non-canonical length prefix (leading zero)`);
    len = 0;
    for (let i = 0; i < n; i++) len = len * 0x100 + b[pos++];
    if (len < 0x80) throw new CodecError(`${field}: non-canonical length prefix (long form for ${len})`);
  }
  if (len > end - pos) throw new CodecError(`${field}: length ${len} exceeds the ${end - pos} bytes left`);
  return len;
}

/** Size of the length prefix starting at `b[pos]` (valid once `lengthPrefixAt` accepted it). */
export function prefixSizeAt(b: Buffer, pos: number): number {
  const first = b[pos];
  return first < 0x80 ? 1 : 1 + (first & 0x7f);
}

/**
 * A cursor over `buf[pos, end)`. Each read takes the field path used in error reasons and throws
 * `CodecError` when the bytes are missing or malformed.
 */
export class OerReader {
  /** Next byte to read. */
  pos: number;

  constructor(
    readonly buf: Buffer,
    pos: number,
    /** One past the last readable byte. */
    readonly end: number,
  ) {
    this.pos = pos;
  }

  /** Bytes left before `end`. */
  remaining(): number {
    return this.end - this.pos;
  }

  uint8(field: string): number {
    if (this.pos >= this.end) throw new CodecError(`${field}: truncated`);
    return this.buf[this.pos++];
  }

  uint32(field: string): number {
    if (this.end - this.pos < 4) throw new CodecError(`${field}: truncated`);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  uint64(field: string): bigint {
    if (this.end - this.pos < 8) throw new CodecError(`${field}: truncated`);
    const v = this.buf.readBigUInt64BE(this.pos);
    this.pos += 8;
    return v;
  }

  /** The next `n` bytes as a view (no copy). */
  octets(n: number, field: string): Buffer {
    if (this.end - this.pos < n) throw new CodecError(`${field}: truncated`);
    const start = this.pos;
    this.pos += n;
    return this.buf.subarray(start, start + n);
  }

  /** Skips `n` bytes after checking they are there. */
  skip(n: number, field: string): void {
    if (this.end - this.pos < n) throw new CodecError(`${field}: truncated`);
    this.pos += n;
  }

  /** Reads a canonical length prefix and checks that many bytes follow. */
  lengthPrefix(field: string): number {
    const len = lengthPrefixAt(this.buf, this.pos, this.end, field);
    this.pos += prefixSizeAt(this.buf, this.pos);
    return len;
  }

  /** A variable-length octet string as a view (no copy), at most `max` bytes long. */
  varOctetString(field: string, max: number): Buffer {
    const len = this.lengthPrefix(field);
    if (len > max) throw new CodecError(`${field}: ${len} bytes exceeds the maximum of ${max}`);
    const start = this.pos;
    this.pos += len;
    return this.buf.subarray(start, start + len);
  }

  /** A canonical VarUInt of at most 6 value bytes, as a number. */
  varUInt(field: string): number {
    const len = this.lengthPrefix(field);
    if (len === 0) throw new CodecError(`${field}: empty VarUInt`);
    if (len > MAX_VARUINT_BYTES) throw new CodecError(`${field}: VarUInt of ${len} bytes too large`);
    const { buf } = this;
    if (len > 1 && buf[this.pos] === 0) throw new CodecError(`${field}: non-canonical VarUInt (leading zero)`);
    let v = 0;
    for (let i = 0; i < len; i++) v = v * 0x100 + buf[this.pos++];
    return v;
  }

  /** Throws unless every byte up to `end` was read. */
  assertEnd(field: string): void {
    if (this.pos !== this.end) throw new CodecError(`${field}: ${this.end - this.pos} trailing bytes`);
  }
}
