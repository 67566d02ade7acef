/**
 * BTP 2.0 frames (RFC 0023, asn1/BilateralTransferProtocol.asn) in canonical OER.
 *
 * Frame: type UInt8, requestId UInt32, then the body as a variable-length octet string. Bodies:
 * MESSAGE (6) and RESPONSE (1) carry protocol data; ERROR (2) code, name, triggeredAt, data and
 * protocol data; TRANSFER (7) an amount and protocol data. The legacy PREPARE (3), FULFILL (4) and
 * REJECT (5) follow the RFC's ASN.1 (transferId UInt128 first); they are decoded and encoded for
 * completeness and never sent by the node.
 *
 * Decoding is strict (canonical lengths, IA5 names, no trailing bytes) and throws only
 * `CodecError`. Decoded `Buffer` fields are views into the input (no copy).
 */
import { CodecError } from '../ilp/errors.js';
import {
  assertObject,
  lengthPrefixSize,
  typeName,
  OerReader,
  UINT64_MAX,
  varOctetStringSize,
  varUIntSize,
  writeLengthPrefix,
  writeVarOctetString,
  writeVarUInt,
} from '../ilp/oer.js';
import { GENERALIZED_TIME_LENGTH, isEncodableTime, readGeneralizedTime, writeGeneralizedTime } from '../ilp/time.js';

/** BTP frame type bytes. */
export const BtpType = { Response: 1, Error: 2, Prepare: 3, Fulfill: 4, Reject: 5, Message: 6, Transfer: 7 } as const;

/** Content types of a protocol data entry. */
export const ContentType = { OctetStream: 0, TextPlainUtf8: 1, ApplicationJson: 2 } as const;

/** Largest ERROR `data`, in bytes. */
export const MAX_BTP_ERROR_DATA_LENGTH = 8192;

/** One entry of a frame's protocol data. */
export interface ProtocolData {
  /** IA5 (ASCII) name, e.g. `ilp`, `auth_token`. */
  protocolName: string;
  /** UInt8; see `ContentType`. */
  contentType: number;
  data: Buffer;
}

/** MESSAGE (6) or RESPONSE (1). */
export interface BtpMessageFrame {
  type: 6 | 1;
  /** UInt32. */
  requestId: number;
  protocolData: ProtocolData[];
}

/** TRANSFER (7): a settlement of `amount` (UInt64, link asset units). */
export interface BtpTransferFrame {
  type: 7;
  requestId: number;
  amount: bigint;
  protocolData: ProtocolData[];
}

/** ERROR (2). */
export interface BtpErrorFrame {
  type: 2;
  requestId: number;
  /** Three IA5 characters, e.g. `F00`. */
  code: string;
  /** IA5 name of the error, e.g. `NotAcceptedError`. */
  name: string;
  /** UTC, millisecond precision. */
  triggeredAt: Date;
  /** At most 8192 bytes. */
  data: Buffer;
  protocolData: ProtocolData[];
}

/** Legacy PREPARE (3). */
export interface BtpLegacyPrepareFrame {
  type: 3;
  requestId: number;
  /** 16 bytes (UInt128). */
  transferId: Buffer;
  amount: bigint;
  /** 32 bytes. */
  executionCondition: Buffer;
  expiresAt: Date;
  protocolData: ProtocolData[];
}

/** Legacy FULFILL (4). */
export interface BtpLegacyFulfillFrame {
  type: 4;
  requestId: number;
  /** 16 bytes (UInt128). */
  transferId: Buffer;
  /** 32 bytes. */
  fulfillment: Buffer;
  protocolData: ProtocolData[];
}

/** Legacy REJECT (5). */
export interface BtpLegacyRejectFrame {
  type: 5;
  requestId: number;
  /** 16 bytes (UInt128). */
  transferId: Buffer;
  protocolData: ProtocolData[];
}

/** Any BTP frame, tagged by its type byte. */
export type BtpFrame =
  | BtpMessageFrame
  | BtpTransferFrame
  | BtpErrorFrame
  | BtpLegacyPrepareFrame
  | BtpLegacyFulfillFrame
  | BtpLegacyRejectFrame;

const TRANSFER_ID_LENGTH = 16;
const HASH_LENGTH = 32;
const EMPTY = Buffer.alloc(0);

// ---------------------------------------------------------------- encoding

function isIa5String(s: unknown): s is string {
  if (typeof s !== 'string') return false;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return false;
  return true;
}

function assertBytes(v: unknown, length: number, field: string): asserts v is Uint8Array {
  if (!(v instanceof Uint8Array) || v.length !== length) throw new CodecError(`${field}: not ${length} bytes`);
}

function assertAmount(v: unknown, field: string): asserts v is bigint {
  if (typeof v !== 'bigint' || v < 0n || v > UINT64_MAX) throw new CodecError(`${field}: not a UInt64`);
}

function timeOf(d: unknown, field: string): number {
  if (!(d instanceof Date) || !isEncodableTime(d.getTime())) throw new CodecError(`${field}: not a Date in years 0000..9999`);
  return d.getTime();
}

/** Validates protocol data and returns its encoded size. */
function protocolDataSize(pd: unknown): number {
  if (!Array.isArray(pd)) throw new CodecError('btp.protocolData: not an array');
  let size = varUIntSize(pd.length);
  for (const p of pd as (ProtocolData | null)[]) {
    if (p === null || typeof p !== 'object') throw new CodecError('btp.protocolData: entry not an object');
    if (!isIa5String(p.protocolName)) throw new CodecError('btp.protocolData.protocolName: not an IA5 string');
    if (!Number.isInteger(p.contentType) || p.contentType < 0 || p.contentType > 255) {
      throw new CodecError('btp.protocolData.contentType: not a UInt8');
    }
    if (!(p.data instanceof Uint8Array)) throw new CodecError('btp.protocolData.data: not a Buffer');
    size += varOctetStringSize(p.protocolName.length) + 1 + varOctetStringSize(p.data.length);
  }
  return size;
}

function writeProtocolData(b: Buffer, off: number, pd: ProtocolData[]): number {
  off = writeVarUInt(b, off, pd.length);
  for (const p of pd) {
    const nameLen = p.protocolName.length;
    off = writeLengthPrefix(b, off, nameLen);
    off += b.write(p.protocolName, off, nameLen, 'latin1');
    b[off++] = p.contentType;
    off = writeVarOctetString(b, off, p.data);
  }
  return off;
}

/** Body size of a frame, everything but protocol data; validates the type-specific fields. */
function headSize(f: BtpFrame): number {
  switch (f.type) {
    case BtpType.Message:
    case BtpType.Response:
      return 0;
    case BtpType.Transfer:
      assertAmount(f.amount, 'btp.transfer.amount');
      return 8;
    case BtpType.Error:
      if (!isIa5String(f.code) || f.code.length !== 3) throw new CodecError('btp.error.code: not 3 IA5 characters');
      if (!isIa5String(f.name)) throw new CodecError('btp.error.name: not an IA5 string');
      timeOf(f.triggeredAt, 'btp.error.triggeredAt');
      if (!(f.data instanceof Uint8Array)) throw new CodecError('btp.error.data: not a Buffer');
      if (f.data.length > MAX_BTP_ERROR_DATA_LENGTH) {
        throw new CodecError(`btp.error.data: ${f.data.length} bytes exceeds the maximum of ${MAX_BTP_ERROR_DATA_LENGTH}`);
      }
      return 3 + varOctetStringSize(f.name.length) + 1 + GENERALIZED_TIME_LENGTH + varOctetStringSize(f.data.length);
    case BtpType.Prepare:
      assertBytes(f.transferId, TRANSFER_ID_LENGTH, 'btp.prepare.transferId');
      assertAmount(f.amount, 'btp.prepare.amount');
      assertBytes(f.executionCondition, HASH_LENGTH, 'btp.prepare.executionCondition');
      timeOf(f.expiresAt, 'btp.prepare.expiresAt');
      return TRANSFER_ID_LENGTH + 8 + HASH_LENGTH + 1 + GENERALIZED_TIME_LENGTH;
    case BtpType.Fulfill:
      assertBytes(f.transferId, TRANSFER_ID_LENGTH, 'btp.fulfill.transferId');
      assertBytes(f.fulfillment, HASH_LENGTH, 'btp.fulfill.fulfillment');
      return TRANSFER_ID_LENGTH + HASH_LENGTH;
    case BtpType.Reject:
      assertBytes(f.transferId, TRANSFER_ID_LENGTH, 'btp.reject.transferId');
      return TRANSFER_ID_LENGTH;
    default:
      throw new CodecError(`btp.type: unknown type ${typeName((f as { type: unknown }).type)}`);
  }
}

function writeHead(b: Buffer, off: number, f: BtpFrame): number {
  switch (f.type) {
    case BtpType.Transfer:
      b.writeBigUInt64BE(f.amount, off);
      return off + 8;
    case BtpType.Error:
      off += b.write(f.code, off, 3, 'latin1');
      off = writeLengthPrefix(b, off, f.name.length);
      off += b.write(f.name, off, f.name.length, 'latin1');
      b[off] = GENERALIZED_TIME_LENGTH;
      off = writeGeneralizedTime(b, off + 1, f.triggeredAt.getTime(), 'btp.error.triggeredAt');
      return writeVarOctetString(b, off, f.data);
    case BtpType.Prepare:
      b.set(f.transferId, off);
      b.writeBigUInt64BE(f.amount, off + TRANSFER_ID_LENGTH);
      b.set(f.executionCondition, off + TRANSFER_ID_LENGTH + 8);
      off += TRANSFER_ID_LENGTH + 8 + HASH_LENGTH;
      b[off] = GENERALIZED_TIME_LENGTH;
      return writeGeneralizedTime(b, off + 1, f.expiresAt.getTime(), 'btp.prepare.expiresAt');
    case BtpType.Fulfill:
      b.set(f.transferId, off);
      b.set(f.fulfillment, off + TRANSFER_ID_LENGTH);
      return off + TRANSFER_ID_LENGTH + HASH_LENGTH;
    case BtpType.Reject:
      b.set(f.transferId, off);
      return off + TRANSFER_ID_LENGTH;
    default:
      return off;
  }
}

function assertRequestId(id: unknown): asserts id is number {
  if (!Number.isInteger(id) || (id as number) < 0 || (id as number) > 0xffff_ffff) {
    throw new CodecError('btp.requestId: not a UInt32');
  }
}

/**
 * Encodes a BTP frame.
 * @throws CodecError when a field is invalid (request id not UInt32, non-IA5 names, sizes, ...)
 */
export function encodeBtp(f: BtpFrame): Buffer {
  assertObject(f, 'btp');
  assertRequestId(f.requestId);
  const bodyLen = headSize(f) + protocolDataSize(f.protocolData);
  const b = Buffer.allocUnsafe(5 + lengthPrefixSize(bodyLen) + bodyLen);
  b[0] = f.type;
  b.writeUInt32BE(f.requestId, 1);
  const off = writeHead(b, writeLengthPrefix(b, 5, bodyLen), f);
  writeProtocolData(b, off, f.protocolData);
  return b;
}

/**
 * Encodes a MESSAGE or RESPONSE whose only protocol data is `ilp` (octet-stream): the packet path's
 * frame, written in one allocation.
 * @param ilp an encoded ILP packet
 */
export function encodeBtpIlp(type: 6 | 1, requestId: number, ilp: Uint8Array): Buffer {
  checkBtpIlp(type, requestId, ilp);
  const b = Buffer.allocUnsafe(btpIlpSize(ilp.length));
  writeBtpIlp(b, 0, type, requestId, ilp);
  return b;
}

/** Bytes of a MESSAGE or RESPONSE frame whose only protocol data is `ilp` of `ilpLength` bytes. */
export function btpIlpSize(ilpLength: number): number {
  // count (01 01), name (03 'ilp'), content type (00), data
  const bodyLen = 7 + varOctetStringSize(ilpLength);
  return 5 + lengthPrefixSize(bodyLen) + bodyLen;
}

/** Throws the CodecError encodeBtpIlp would throw for these arguments. */
export function checkBtpIlp(type: number, requestId: number, ilp: unknown): asserts ilp is Uint8Array {
  if (type !== BtpType.Message && type !== BtpType.Response) throw new CodecError(`btp.type: ${typeName(type)} cannot carry ilp`);
  assertRequestId(requestId);
  if (!(ilp instanceof Uint8Array)) throw new CodecError('btp.protocolData.data: not a Buffer');
}

/**
 * Writes what encodeBtpIlp returns into `b` at `off` (`b` must hold btpIlpSize(ilp.length) bytes from
 * there; the arguments checked with checkBtpIlp); returns the next offset. Lets a link write a turn's
 * frames straight into one buffer.
 */
export function writeBtpIlp(b: Buffer, off: number, type: 6 | 1, requestId: number, ilp: Uint8Array): number {
  const bodyLen = 7 + varOctetStringSize(ilp.length);
  b[off] = type;
  b.writeUInt32BE(requestId, off + 1);
  off = writeLengthPrefix(b, off + 5, bodyLen);
  b[off] = 1;
  b[off + 1] = 1;
  b[off + 2] = 3;
  b[off + 3] = 0x69; // i
  b[off + 4] = 0x6c; // l
  b[off + 5] = 0x70; // p
  b[off + 6] = ContentType.OctetStream;
  return writeVarOctetString(b, off + 7, ilp);
}

// ---------------------------------------------------------------- decoding

function readIa5(r: OerReader, field: string): string {
  const bytes = r.varOctetString(field, r.remaining());
  for (let i = 0; i < bytes.length; i++) if (bytes[i] >= 0x80) throw new CodecError(`${field}: not IA5`);
  if (bytes.length === 3 && bytes[0] === 0x69 && bytes[1] === 0x6c && bytes[2] === 0x70) return 'ilp';
  return bytes.toString('latin1');
}

function readProtocolData(r: OerReader): ProtocolData[] {
  const count = r.varUInt('btp.protocolData.count');
  // Every entry takes at least 3 bytes: refuse a count the body cannot hold before allocating.
  if (count * 3 > r.remaining()) throw new CodecError(`btp.protocolData.count: ${count} entries cannot fit in ${r.remaining()} bytes`);
  const out: ProtocolData[] = new Array<ProtocolData>(count);
  for (let i = 0; i < count; i++) {
    const protocolName = readIa5(r, 'btp.protocolData.protocolName');
    const contentType = r.uint8('btp.protocolData.contentType');
    const data = r.varOctetString('btp.protocolData.data', r.remaining());
    out[i] = { protocolName, contentType, data };
  }
  return out;
}

function readTime(r: OerReader, field: string): Date {
  const len = r.lengthPrefix(field);
  const ms = readGeneralizedTime(r.buf, r.pos, len, field);
  r.pos += len;
  return new Date(ms);
}

/**
 * Decodes a BTP frame.
 * @throws CodecError on an unknown type or any malformed input
 */
export function decodeBtp(b: Buffer): BtpFrame {
  if (!Buffer.isBuffer(b)) throw new CodecError('btp: not a Buffer');
  const r = new OerReader(b, 0, b.length);
  const type = r.uint8('btp.type');
  if (type < BtpType.Response || type > BtpType.Transfer) throw new CodecError(`btp.type: unknown type ${type}`);
  const requestId = r.uint32('btp.requestId');
  const len = r.lengthPrefix('btp.body');
  if (len !== r.remaining()) throw new CodecError(`btp: ${r.remaining() - len} trailing bytes after the body`);
  let f: BtpFrame;
  switch (type) {
    case BtpType.Message:
    case BtpType.Response:
      f = { type: type === BtpType.Message ? BtpType.Message : BtpType.Response, requestId, protocolData: readProtocolData(r) };
      break;
    case BtpType.Transfer: {
      const amount = r.uint64('btp.transfer.amount');
      f = { type: BtpType.Transfer, requestId, amount, protocolData: readProtocolData(r) };
      break;
    }
    case BtpType.Error: {
      const codeBytes = r.octets(3, 'btp.error.code');
      if ((codeBytes[0] | codeBytes[1] | codeBytes[2]) >= 0x80) throw new CodecError('btp.error.code: not IA5');
      const code = codeBytes.toString('latin1');
      const name = readIa5(r, 'btp.error.name');
      const triggeredAt = readTime(r, 'btp.error.triggeredAt');
      const data = r.varOctetString('btp.error.data', MAX_BTP_ERROR_DATA_LENGTH);
      f = { type: BtpType.Error, requestId, code, name, triggeredAt, data, protocolData: readProtocolData(r) };
      break;
    }
    case BtpType.Prepare: {
      const transferId = r.octets(TRANSFER_ID_LENGTH, 'btp.prepare.transferId');
      const amount = r.uint64('btp.prepare.amount');
      const executionCondition = r.octets(HASH_LENGTH, 'btp.prepare.executionCondition');
      const expiresAt = readTime(r, 'btp.prepare.expiresAt');
      f = { type: BtpType.Prepare, requestId, transferId, amount, executionCondition, expiresAt, protocolData: readProtocolData(r) };
      break;
    }
    case BtpType.Fulfill: {
      const transferId = r.octets(TRANSFER_ID_LENGTH, 'btp.fulfill.transferId');
      const fulfillment = r.octets(HASH_LENGTH, 'btp.fulfill.fulfillment');
      f = { type: BtpType.Fulfill, requestId, transferId, fulfillment, protocolData: readProtocolData(r) };
      break;
    }
    default: {
      const transferId = r.octets(TRANSFER_ID_LENGTH, 'btp.reject.transferId');
      f = { type: BtpType.Reject, requestId, transferId, protocolData: readProtocolData(r) };
    }
  }
  r.assertEnd('btp.body');
  return f;
}

// ---------------------------------------------------------------- helpers

/** Data of the first `ilp` protocol data entry, if any. */
export function getIlpData(f: BtpFrame): Buffer | undefined {
  const pd = f.protocolData;
  for (let i = 0; i < pd.length; i++) if (pd[i].protocolName === 'ilp') return pd[i].data;
  return undefined;
}

/**
 * Encodes the first message of a BTP connection: protocol data `auth` (octet-stream, empty),
 * `auth_username` and `auth_token` (both text/plain UTF-8; the token may be empty).
 */
export function encodeAuthMessage(requestId: number, username: string, token: string): Buffer {
  return encodeBtp({
    type: BtpType.Message,
    requestId,
    protocolData: [
      { protocolName: 'auth', contentType: ContentType.OctetStream, data: EMPTY },
      { protocolName: 'auth_username', contentType: ContentType.TextPlainUtf8, data: Buffer.from(username, 'utf8') },
      { protocolName: 'auth_token', contentType: ContentType.TextPlainUtf8, data: Buffer.from(token, 'utf8') },
    ],
  });
}

/**
 * Reads the credentials of an auth message: a MESSAGE whose first protocol data is `auth` and
 * that carries `auth_token`. `username` is `''` when `auth_username` is absent.
 * @returns undefined when `f` is not an auth message
 */
export function readAuth(f: BtpFrame): { username: string; token: string } | undefined {
  if (f.type !== BtpType.Message || f.protocolData.length === 0 || f.protocolData[0].protocolName !== 'auth') return undefined;
  let username = '';
  let token: string | undefined;
  for (const p of f.protocolData) {
    if (p.protocolName === 'auth_token' && token === undefined) token = p.data.toString('utf8');
    else if (p.protocolName === 'auth_username' && username === '') username = p.data.toString('utf8');
  }
  return token === undefined ? undefined : { username, token };
}

/**
 * The packet path's fast read: when `b` is a MESSAGE or RESPONSE whose only protocol data entry is
 * `ilp` (octet-stream), in canonical OER with nothing trailing, returns that entry's data (a view,
 * no copy) without building any object. Anything else returns undefined: decode it with decodeBtp,
 * which validates every field. Type is `b[0]`, the request id `b.readUInt32BE(1)`.
 */
export function peekBtpIlp(b: Buffer): Buffer | undefined {
  const n = b.length;
  if (n < 14 || (b[0] !== BtpType.Message && b[0] !== BtpType.Response)) return undefined;
  let off = 5;
  let bodyLen = b[off++];
  if (bodyLen >= 0x80) {
    const k = bodyLen & 0x7f;
    if (k === 1) {
      bodyLen = b[off++];
      if (bodyLen < 0x80) return undefined;
    } else if (k === 2) {
      bodyLen = (b[off] << 8) | b[off + 1];
      off += 2;
      if (bodyLen < 0x100) return undefined;
    } else return undefined;
  }
  if (off + bodyLen !== n || bodyLen < 8) return undefined;
  // count 1 (01 01), name length 3 'ilp', content type 0
  if (b[off] !== 1 || b[off + 1] !== 1 || b[off + 2] !== 3 || b[off + 3] !== 0x69 || b[off + 4] !== 0x6c || b[off + 5] !== 0x70 || b[off + 6] !== 0) {
    return undefined;
  }
  off += 7;
  let len = b[off++];
  if (len >= 0x80) {
    const k = len & 0x7f;
    if (k === 1) {
      len = b[off++];
      if (len < 0x80) return undefined;
    } else if (k === 2) {
      len = (b[off] << 8) | b[off + 1];
      off += 2;
      if (len < 0x100) return undefined;
    } else return undefined;
  }
  if (off + len !== n) return undefined;
  return b.subarray(off, n);
}
