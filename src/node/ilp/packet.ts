/**
 * ILPv4 packets (RFC 0027) in canonical OER: Prepare (12), Fulfill (13), Reject (14).
 *
 * Envelope: type UInt8, then the contents as a variable-length octet string. Decoders are strict
 * (canonical length prefixes, no trailing bytes inside or after the envelope, RFC size limits) and
 * throw only `CodecError`. Decoded `Buffer` fields are views into the input (no copy): copy them
 * if the input buffer will be reused.
 *
 * The hot path of a connector uses `readPrepareView` and `patchPrepare`: RFC 0027 made amount and
 * expiry fixed-length so a forwarded Prepare can be re-sent with only those bytes rewritten.
 */
import { isUtf8 } from 'node:buffer';
import { isValidAddressBytes, isValidIlpAddress, MAX_ADDRESS_LENGTH } from './address.js';
import { CodecError } from './errors.js';
import {
  assertObject,
  lengthPrefixAt,
  typeName,
  lengthPrefixSize,
  OerReader,
  prefixSizeAt,
  putAscii,
  putUInt64,
  UINT64_MAX,
  writeLengthPrefix,
  writeVarOctetString,
} from './oer.js';
import { ILP_TIMESTAMP_LENGTH, isEncodableTime, readIlpTimestamp, writeIlpTimestamp } from './time.js';

/** ILPv4 packet type bytes. */
export const IlpPacketType = { Prepare: 12, Fulfill: 13, Reject: 14 } as const;

/** Largest `data` of any ILP packet, in bytes. */
export const MAX_DATA_LENGTH = 32767;
/** Largest Reject `message`, in UTF-8 bytes. */
export const MAX_MESSAGE_LENGTH = 8191;
/** Length of a condition or fulfillment, in bytes. */
export const HASH_LENGTH = 32;

/** An ILP Prepare. */
export interface IlpPrepare {
  /** UInt64, in the link's asset units at its asset scale. */
  amount: bigint;
  /** UTC expiry, millisecond precision. */
  expiresAt: Date;
  /** 32 bytes: SHA-256 of the fulfillment. */
  executionCondition: Buffer;
  /** ILP address, at most 1023 bytes. */
  destination: string;
  /** At most 32767 bytes. */
  data: Buffer;
}

/** An ILP Fulfill. */
export interface IlpFulfill {
  /** 32 bytes whose SHA-256 is the Prepare's condition. */
  fulfillment: Buffer;
  /** At most 32767 bytes. */
  data: Buffer;
}

/** An ILP Reject. */
export interface IlpReject {
  /** Three IA5 characters, e.g. `F02`. */
  code: string;
  /** ILP address of the node that rejected; may be empty in a received Reject. */
  triggeredBy: string;
  /** UTF-8, at most 8191 bytes. */
  message: string;
  /** At most 32767 bytes. */
  data: Buffer;
}

/** Any ILPv4 packet, tagged by its type byte. */
export type IlpPacket =
  | { type: 12; prepare: IlpPrepare }
  | { type: 13; fulfill: IlpFulfill }
  | { type: 14; reject: IlpReject };

/** A decoded Prepare that copies nothing it does not need, with the offsets `patchPrepare` writes at. */
export interface PrepareView {
  /** UInt64 amount. */
  amount: bigint;
  /** Expiry as a Date (same instant as `expiresAtMs`; a new Date each time it is read). */
  readonly expiresAt: Date;
  /** Expiry, ms since the epoch. */
  expiresAtMs: number;
  /** View into the input buffer (no copy). */
  executionCondition: Buffer;
  /** Validated ILP address. */
  destination: string;
  /** Byte length of `data`. */
  dataLength: number;
  /** Offset of `data` in the input buffer. */
  dataOffset: number;
  /** Offset of the 8-byte amount in the input buffer. */
  amountOffset: number;
  /** Offset of the 17-byte expiry in the input buffer. */
  expiresAtOffset: number;
}

/** Type byte of an encoded packet (its first byte, not validated), or undefined when empty. */
export function peekPacketType(b: Buffer): number | undefined {
  return b.length > 0 ? b[0] : undefined;
}

// ---------------------------------------------------------------- shared checks

function assertBytes(v: unknown, length: number, field: string): asserts v is Uint8Array {
  if (!(v instanceof Uint8Array) || v.length !== length) throw new CodecError(`${field}: not ${length} bytes`);
}

function assertData(v: unknown, field: string): asserts v is Uint8Array {
  if (!(v instanceof Uint8Array)) throw new CodecError(`${field}: not a Buffer`);
  if (v.length > MAX_DATA_LENGTH) throw new CodecError(`${field}: ${v.length} bytes exceeds the maximum of ${MAX_DATA_LENGTH}`);
}

/** Checks the type byte and the envelope length; returns a reader over the contents. */
function openEnvelope(b: Buffer, type: number, name: string): OerReader {
  if (!Buffer.isBuffer(b)) throw new CodecError(`${name}: not a Buffer`);
  if (b.length === 0) throw new CodecError(`${name}: empty`);
  if (b[0] !== type) throw new CodecError(`${name}.type: expected ${type}, got ${b[0]}`);
  const r = new OerReader(b, 1, b.length);
  const len = r.lengthPrefix(name);
  if (len !== r.remaining()) throw new CodecError(`${name}: ${r.remaining() - len} trailing bytes after the envelope`);
  return r;
}

/**
 * The last address decoded at one call site. A connector sees the same few destinations over and
 * over: bytes equal to the cached string's characters are the same, already validated, address,
 * so a hit skips both the validation and the string allocation.
 */
class AddressCache {
  private value = '';

  /** Returns the address in `buf[start, start + len)`, validated; `allowEmpty` for triggeredBy. */
  get(buf: Buffer, start: number, len: number, field: string, allowEmpty: boolean): string {
    if (len === 0 && allowEmpty) return '';
    const cached = this.value;
    if (len === cached.length) {
      // Backwards: addresses differ at their ends (`g.node.peer1` vs `g.node.peer2`).
      let i = len - 1;
      while (i >= 0 && buf[start + i] === cached.charCodeAt(i)) i--;
      if (i < 0 && len > 0) return cached;
    }
    if (len > MAX_ADDRESS_LENGTH) throw new CodecError(`${field}: ${len} bytes exceeds the maximum of ${MAX_ADDRESS_LENGTH}`);
    if (!isValidAddressBytes(buf, start, start + len)) throw new CodecError(`${field}: invalid ILP address`);
    const value = buf.toString('latin1', start, start + len);
    this.value = value;
    return value;
  }

  /** Reads a length-prefixed address at the reader's position. */
  read(r: OerReader, field: string, allowEmpty: boolean): string {
    const len = r.lengthPrefix(field);
    const value = this.get(r.buf, r.pos, len, field, allowEmpty);
    r.pos += len;
    return value;
  }
}

const destinationCache = new AddressCache();
const triggeredByCache = new AddressCache();

// ---------------------------------------------------------------- Prepare

/**
 * Encodes a Prepare.
 * @throws CodecError when a field breaks RFC 0027 (amount not UInt64, bad expiry, condition not
 * 32 bytes, invalid destination, data over 32767 bytes)
 */
export function serializePrepare(p: IlpPrepare): Buffer {
  assertObject(p, 'prepare');
  const { amount, expiresAt, executionCondition, destination, data } = p;
  if (typeof amount !== 'bigint' || amount < 0n || amount > UINT64_MAX) throw new CodecError('prepare.amount: not a UInt64');
  if (!(expiresAt instanceof Date)) throw new CodecError('prepare.expiresAt: not a Date');
  const expiresAtMs = expiresAt.getTime();
  if (!isEncodableTime(expiresAtMs)) throw new CodecError('prepare.expiresAt: time out of range');
  assertBytes(executionCondition, HASH_LENGTH, 'prepare.executionCondition');
  if (!isValidIlpAddress(destination)) throw new CodecError('prepare.destination: invalid ILP address');
  assertData(data, 'prepare.data');
  const destLen = destination.length;
  const contentLen = 8 + ILP_TIMESTAMP_LENGTH + HASH_LENGTH + lengthPrefixSize(destLen) + destLen + lengthPrefixSize(data.length) + data.length;
  const b = Buffer.allocUnsafe(1 + lengthPrefixSize(contentLen) + contentLen);
  b[0] = IlpPacketType.Prepare;
  let off = writeLengthPrefix(b, 1, contentLen);
  off = putUInt64(b, off, amount);
  off = writeIlpTimestamp(b, off, expiresAtMs, 'prepare.expiresAt');
  b.set(executionCondition, off);
  off = putAscii(b, writeLengthPrefix(b, off + HASH_LENGTH, destLen), destination);
  writeVarOctetString(b, off, data);
  return b;
}

/**
 * Where `parsePrepare` found the fields of the last Prepare it accepted. Module state instead of a
 * result object: the two public decoders build their own result from it right away, and the packet
 * path saves an allocation per packet.
 */
let parsedExpiresAtMs = 0;
let parsedDestination = '';
let parsedDataOffset = 0;
let parsedDataLength = 0;

/**
 * Validates a whole Prepare. The amount is at offset `prefix + 1`, the expiry 8 bytes later and the
 * condition 17 bytes after that; the rest is left in the `parsed*` variables.
 * @returns offset of the amount
 */
function parsePrepare(b: Buffer): number {
  if (!Buffer.isBuffer(b)) throw new CodecError('prepare: not a Buffer');
  const end = b.length;
  if (end === 0) throw new CodecError('prepare: empty');
  if (b[0] !== IlpPacketType.Prepare) throw new CodecError(`prepare.type: expected ${IlpPacketType.Prepare}, got ${b[0]}`);
  const contentLen = lengthPrefixAt(b, 1, end, 'prepare');
  const amountOffset = 1 + prefixSizeAt(b, 1);
  if (contentLen !== end - amountOffset) {
    throw new CodecError(`prepare: ${end - amountOffset - contentLen} trailing bytes after the envelope`);
  }
  const left = end - amountOffset;
  if (left < 8) throw new CodecError('prepare.amount: truncated');
  if (left < 8 + ILP_TIMESTAMP_LENGTH) throw new CodecError('prepare.expiresAt: truncated');
  parsedExpiresAtMs = readIlpTimestamp(b, amountOffset + 8, 'prepare.expiresAt');
  if (left < 8 + ILP_TIMESTAMP_LENGTH + HASH_LENGTH) throw new CodecError('prepare.executionCondition: truncated');
  let pos = amountOffset + 8 + ILP_TIMESTAMP_LENGTH + HASH_LENGTH;
  const destLen = lengthPrefixAt(b, pos, end, 'prepare.destination');
  pos += prefixSizeAt(b, pos);
  parsedDestination = destinationCache.get(b, pos, destLen, 'prepare.destination', false);
  pos += destLen;
  const dataLen = lengthPrefixAt(b, pos, end, 'prepare.data');
  if (dataLen > MAX_DATA_LENGTH) throw new CodecError(`prepare.data: ${dataLen} bytes exceeds the maximum of ${MAX_DATA_LENGTH}`);
  pos += prefixSizeAt(b, pos);
  parsedDataOffset = pos;
  parsedDataLength = dataLen;
  if (pos + dataLen !== end) throw new CodecError(`prepare: ${end - pos - dataLen} trailing bytes`);
  return amountOffset;
}

/**
 * Decodes a Prepare; `executionCondition` and `data` are views into `b`.
 * @throws CodecError on any malformed input
 */
export function deserializePrepare(b: Buffer): IlpPrepare {
  const amountOffset = parsePrepare(b);
  const conditionOffset = amountOffset + 8 + ILP_TIMESTAMP_LENGTH;
  return {
    amount: b.readBigUInt64BE(amountOffset),
    expiresAt: new Date(parsedExpiresAtMs),
    executionCondition: b.subarray(conditionOffset, conditionOffset + HASH_LENGTH),
    destination: parsedDestination,
    data: b.subarray(parsedDataOffset, parsedDataOffset + parsedDataLength),
  };
}

/**
 * Decodes and validates a Prepare exactly like `deserializePrepare`, but returns offsets instead
 * of a data view, for forwarding the same bytes with `patchPrepare`.
 * @throws CodecError on any malformed input
 */
export function readPrepareView(b: Buffer): PrepareView {
  const amountOffset = parsePrepare(b);
  return new View(b, amountOffset);
}

/** A PrepareView as a class: one shape for every packet, and the expiry's Date made only when asked for. */
class View implements PrepareView {
  readonly amount: bigint;
  readonly expiresAtMs: number;
  readonly executionCondition: Buffer;
  readonly destination: string;
  readonly dataLength: number;
  readonly dataOffset: number;
  readonly expiresAtOffset: number;

  constructor(
    b: Buffer,
    readonly amountOffset: number,
  ) {
    const conditionOffset = amountOffset + 8 + ILP_TIMESTAMP_LENGTH;
    this.amount = b.readBigUInt64BE(amountOffset);
    this.expiresAtMs = parsedExpiresAtMs;
    this.executionCondition = b.subarray(conditionOffset, conditionOffset + HASH_LENGTH);
    this.destination = parsedDestination;
    this.dataLength = parsedDataLength;
    this.dataOffset = parsedDataOffset;
    this.expiresAtOffset = amountOffset + 8;
  }

  get expiresAt(): Date {
    return new Date(this.expiresAtMs);
  }
}

/**
 * Rewrites the amount and expiry of an encoded Prepare in place (nothing else changes). `b` must
 * be a Prepare (as accepted by `readPrepareView`); nothing is written when an argument is invalid.
 * @param amount new UInt64 amount
 * @param expiresAtMs new expiry, ms since the epoch (integer, years 0000..9999)
 * @throws CodecError when `b` is not a Prepare envelope or an argument is out of range
 */
export function patchPrepare(b: Buffer, amount: bigint, expiresAtMs: number): void {
  if (!Buffer.isBuffer(b) || b.length < 2 || b[0] !== IlpPacketType.Prepare) throw new CodecError('prepare: not a Prepare');
  if (typeof amount !== 'bigint' || amount < 0n || amount > UINT64_MAX) throw new CodecError('prepare.amount: not a UInt64');
  if (!isEncodableTime(expiresAtMs)) throw new CodecError('prepare.expiresAt: time out of range');
  const first = b[1];
  const amountOffset = first < 0x80 ? 2 : 2 + (first & 0x7f);
  if (b.length < amountOffset + 8 + ILP_TIMESTAMP_LENGTH) throw new CodecError('prepare: truncated');
  putUInt64(b, amountOffset, amount);
  writeIlpTimestamp(b, amountOffset + 8, expiresAtMs, 'prepare.expiresAt');
}

// ---------------------------------------------------------------- Fulfill

/**
 * Encodes a Fulfill.
 * @throws CodecError when the fulfillment is not 32 bytes or data exceeds 32767 bytes
 */
export function serializeFulfill(f: IlpFulfill): Buffer {
  assertObject(f, 'fulfill');
  const { fulfillment, data } = f;
  assertBytes(fulfillment, HASH_LENGTH, 'fulfill.fulfillment');
  assertData(data, 'fulfill.data');
  const contentLen = HASH_LENGTH + lengthPrefixSize(data.length) + data.length;
  const b = Buffer.allocUnsafe(1 + lengthPrefixSize(contentLen) + contentLen);
  b[0] = IlpPacketType.Fulfill;
  const off = writeLengthPrefix(b, 1, contentLen);
  b.set(fulfillment, off);
  writeVarOctetString(b, off + HASH_LENGTH, data);
  return b;
}

/**
 * Decodes a Fulfill; `fulfillment` and `data` are views into `b`.
 * @throws CodecError on any malformed input
 */
export function deserializeFulfill(b: Buffer): IlpFulfill {
  const r = openEnvelope(b, IlpPacketType.Fulfill, 'fulfill');
  const fulfillment = r.octets(HASH_LENGTH, 'fulfill.fulfillment');
  const data = r.varOctetString('fulfill.data', MAX_DATA_LENGTH);
  r.assertEnd('fulfill');
  return { fulfillment, data };
}

// ---------------------------------------------------------------- Reject

function isIa5(s: string, i: number): boolean {
  return s.charCodeAt(i) < 0x80;
}

/**
 * Encodes a Reject. An empty `triggeredBy` is accepted so a received Reject re-encodes as it was.
 * @throws CodecError when the code is not 3 IA5 characters, triggeredBy is neither empty nor an
 * ILP address, the message exceeds 8191 UTF-8 bytes or data exceeds 32767 bytes
 */
export function serializeReject(j: IlpReject): Buffer {
  assertObject(j, 'reject');
  const { code, triggeredBy, message, data } = j;
  if (typeof code !== 'string' || code.length !== 3 || !isIa5(code, 0) || !isIa5(code, 1) || !isIa5(code, 2)) {
    throw new CodecError('reject.code: not 3 IA5 characters');
  }
  if (triggeredBy !== '' && !isValidIlpAddress(triggeredBy)) throw new CodecError('reject.triggeredBy: invalid ILP address');
  if (typeof message !== 'string') throw new CodecError('reject.message: not a string');
  const messageLen = Buffer.byteLength(message, 'utf8');
  if (messageLen > MAX_MESSAGE_LENGTH) {
    throw new CodecError(`reject.message: ${messageLen} bytes exceeds the maximum of ${MAX_MESSAGE_LENGTH}`);
  }
  assertData(data, 'reject.data');
  const byLen = triggeredBy.length;
  const contentLen =
    3 + lengthPrefixSize(byLen) + byLen + lengthPrefixSize(messageLen) + messageLen + lengthPrefixSize(data.length) + data.length;
  const b = Buffer.allocUnsafe(1 + lengthPrefixSize(contentLen) + contentLen);
  b[0] = IlpPacketType.Reject;
  let off = writeLengthPrefix(b, 1, contentLen);
  b[off] = code.charCodeAt(0);
  b[off + 1] = code.charCodeAt(1);
  b[off + 2] = code.charCodeAt(2);
  off = writeLengthPrefix(b, off + 3, byLen);
  off = putAscii(b, off, triggeredBy);
  off = writeLengthPrefix(b, off, messageLen);
  off += b.write(message, off, messageLen, 'utf8');
  writeVarOctetString(b, off, data);
  return b;
}

/**
 * Decodes a Reject; `data` is a view into `b`. An empty triggeredBy is accepted.
 * @throws CodecError on any malformed input (including a message that is not valid UTF-8)
 */
export function deserializeReject(b: Buffer): IlpReject {
  const r = openEnvelope(b, IlpPacketType.Reject, 'reject');
  const codeStart = r.pos;
  r.skip(3, 'reject.code');
  if ((b[codeStart] | b[codeStart + 1] | b[codeStart + 2]) >= 0x80) throw new CodecError('reject.code: not IA5');
  const code = b.toString('latin1', codeStart, codeStart + 3);
  const triggeredBy = triggeredByCache.read(r, 'reject.triggeredBy', true);
  const messageBytes = r.varOctetString('reject.message', MAX_MESSAGE_LENGTH);
  if (!isUtf8(messageBytes)) throw new CodecError('reject.message: invalid UTF-8');
  const message = messageBytes.toString('utf8');
  const data = r.varOctetString('reject.data', MAX_DATA_LENGTH);
  r.assertEnd('reject');
  return { code, triggeredBy, message, data };
}

// ---------------------------------------------------------------- any packet

/**
 * Encodes any ILPv4 packet.
 * @throws CodecError on an unknown type or an invalid field
 */
export function serializeIlpPacket(p: IlpPacket): Buffer {
  assertObject(p, 'packet');
  switch (p.type) {
    case IlpPacketType.Prepare:
      return serializePrepare(p.prepare);
    case IlpPacketType.Fulfill:
      return serializeFulfill(p.fulfill);
    case IlpPacketType.Reject:
      return serializeReject(p.reject);
    default:
      throw new CodecError(`packet.type: unknown type ${typeName((p as { type: unknown }).type)}`);
  }
}

/**
 * Decodes any ILPv4 packet by its type byte.
 * @throws CodecError on an unknown type or malformed input
 */
export function deserializeIlpPacket(b: Buffer): IlpPacket {
  if (!Buffer.isBuffer(b)) throw new CodecError('packet: not a Buffer');
  if (b.length === 0) throw new CodecError('packet: empty');
  switch (b[0]) {
    case IlpPacketType.Prepare:
      return { type: IlpPacketType.Prepare, prepare: deserializePrepare(b) };
    case IlpPacketType.Fulfill:
      return { type: IlpPacketType.Fulfill, fulfill: deserializeFulfill(b) };
    case IlpPacketType.Reject:
      return { type: IlpPacketType.Reject, reject: deserializeReject(b) };
    default:
      throw new CodecError(`packet.type: unknown type ${b[0]}`);
  }
}
