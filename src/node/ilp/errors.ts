/**
 * The ILP errors (RFC 0027 §Error Codes): one class per code, the codec's own `CodecError`, and
 * `toReject`, the one place a thrown value becomes a Reject. The codes themselves are in
 * src/errors/ilp-codes.ts, next to the catalogue of node and CLI codes.
 */
import type { IlpReject } from './packet.js';
import { isKnownIlpErrorCode, type IlpErrorCode } from '../../errors/ilp-codes.js';

// The codes and their names live with the rest of the error catalogue (src/errors); re-exported so
// the packet path keeps one import.
export { ILP_ERROR_NAMES, isFinal, isKnownIlpErrorCode, isRelative, isTemporary, type IlpErrorCode } from '../../errors/ilp-codes.js';

/**
 * Base of every ILP error. Throw a subclass anywhere on the packet path; `toReject` turns it into
 * a Reject with this code, message and data.
 */
export class IlpError extends Error {
  /** Three-character ILP error code, e.g. `F02`. */
  readonly ilpErrorCode: string;
  /** Error data carried in the Reject (at most 32767 bytes are sent). */
  readonly ilpErrorData?: Buffer;

  /**
   * @param code three IA5 characters; anything else makes `toReject` answer T00 instead
   * @param message sent to the peer (UTF-8, cut to 8191 bytes)
   * @param data sent to the peer as the Reject's data
   */
  constructor(code: string, message: string, data?: Buffer) {
    // No stack trace: an ILP error is an expected outcome that becomes a Reject (stacks never go to
    // the peer), and capturing one was most of the cost of a T05 under a flood (~8 µs per packet).
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
    this.name = new.target.name;
    this.ilpErrorCode = code;
    if (data !== undefined) this.ilpErrorData = data;
  }
}

/**
 * A malformed or unencodable packet, frame or field: the one error every decoder and encoder in
 * this codec throws on bad input. `reason` names the field and what is wrong with it, e.g.
 * `'prepare.destination: invalid ILP address'`. As an ILP error it is `F01 Invalid Packet`.
 */
export class CodecError extends IlpError {
  /** `<field path>: <what is wrong>`; also the message. */
  readonly reason: string;

  constructor(reason: string) {
    super('F01', reason);
    this.reason = reason;
  }
}

/** F00: the request was not understood or not allowed. */
export class BadRequestError extends IlpError {
  constructor(message = 'Bad request', data?: Buffer) { super('F00', message, data); }
}
/** F01: the packet was syntactically invalid. */
export class InvalidPacketError extends IlpError {
  constructor(message = 'Invalid packet', data?: Buffer) { super('F01', message, data); }
}
/** F02: no route to the destination. */
export class UnreachableError extends IlpError {
  constructor(message = 'Unreachable', data?: Buffer) { super('F02', message, data); }
}
/** F03: the amount is invalid (e.g. zero where that is not allowed). */
export class InvalidAmountError extends IlpError {
  constructor(message = 'Invalid amount', data?: Buffer) { super('F03', message, data); }
}
/** F04: the receiver got less than it expected. */
export class InsufficientDestinationAmountError extends IlpError {
  constructor(message = 'Insufficient destination amount', data?: Buffer) { super('F04', message, data); }
}
/** F05: the receiver cannot produce the fulfillment for this condition. */
export class WrongConditionError extends IlpError {
  constructor(message = 'Wrong condition', data?: Buffer) { super('F05', message, data); }
}
/** F06: the receiver was not expecting a payment like this. */
export class UnexpectedPaymentError extends IlpError {
  constructor(message = 'Unexpected payment', data?: Buffer) { super('F06', message, data); }
}
/** F07: the receiver cannot receive payments now. */
export class CannotReceiveError extends IlpError {
  constructor(message = 'Cannot receive', data?: Buffer) { super('F07', message, data); }
}
/** F99: final error raised by an application above ILP. */
export class ApplicationError extends IlpError {
  constructor(message = 'Application error', data?: Buffer) { super('F99', message, data); }
}
/** T00: something went wrong inside a node (the message never reveals what). */
export class InternalError extends IlpError {
  constructor(message = 'Internal error', data?: Buffer) { super('T00', message, data); }
}
/** T01: the next hop cannot be reached now. */
export class PeerUnreachableError extends IlpError {
  constructor(message = 'Peer unreachable', data?: Buffer) { super('T01', message, data); }
}
/** T02: the next hop is too busy. */
export class PeerBusyError extends IlpError {
  constructor(message = 'Peer busy', data?: Buffer) { super('T02', message, data); }
}
/** T03: this connector is too busy. */
export class ConnectorBusyError extends IlpError {
  constructor(message = 'Connector busy', data?: Buffer) { super('T03', message, data); }
}
/** T04: the sender's balance or credit limit does not cover the packet. */
export class InsufficientLiquidityError extends IlpError {
  constructor(message = 'Insufficient liquidity', data?: Buffer) { super('T04', message, data); }
}
/** T05: the sender exceeded its rate limit. */
export class RateLimitedError extends IlpError {
  constructor(message = 'Rate limited', data?: Buffer) { super('T05', message, data); }
}
/** T99: temporary error raised by an application above ILP. */
export class TemporaryApplicationError extends IlpError {
  constructor(message = 'Temporary application error', data?: Buffer) { super('T99', message, data); }
}
/** R00: the packet expired before it was fulfilled. */
export class TransferTimedOutError extends IlpError {
  constructor(message = 'Transfer timed out', data?: Buffer) { super('R00', message, data); }
}
/** R01: the amount is too small to deliver anything after fees and rates. */
export class InsufficientSourceAmountError extends IlpError {
  constructor(message = 'Insufficient source amount', data?: Buffer) { super('R01', message, data); }
}
/** R02: the expiry leaves too little time for the next hops. */
export class InsufficientTimeoutError extends IlpError {
  constructor(message = 'Insufficient timeout', data?: Buffer) { super('R02', message, data); }
}
/** R99: relative error raised by an application above ILP. */
export class RelativeApplicationError extends IlpError {
  constructor(message = 'Relative application error', data?: Buffer) { super('R99', message, data); }
}

/** The amounts an F08 Reject carries (asn1/InterledgerErrorData.asn), in the link's asset units. */
export interface AmountTooLargeDetails {
  /** Amount the rejecting node received (UInt64). */
  receivedAmount: bigint;
  /** Largest amount that node accepts in one packet (UInt64). */
  maximumAmount: bigint;
}

const UINT64_MAX = 0xffff_ffff_ffff_ffffn;

/** Encodes F08 error data: receivedAmount then maximumAmount, each UInt64 big-endian (16 bytes). */
export function encodeAmountTooLargeData(details: AmountTooLargeDetails): Buffer {
  const { receivedAmount, maximumAmount } = details;
  if (typeof receivedAmount !== 'bigint' || receivedAmount < 0n || receivedAmount > UINT64_MAX) {
    throw new CodecError('amountTooLarge.receivedAmount: not a UInt64');
  }
  if (typeof maximumAmount !== 'bigint' || maximumAmount < 0n || maximumAmount > UINT64_MAX) {
    throw new CodecError('amountTooLarge.maximumAmount: not a UInt64');
  }
  const b = Buffer.allocUnsafe(16);
  b.writeBigUInt64BE(receivedAmount, 0);
  b.writeBigUInt64BE(maximumAmount, 8);
  return b;
}

/**
 * Reads F08 error data. Returns undefined when `data` is not exactly two UInt64 (the RFC says
 * SHOULD, so a Reject without them is still a valid F08).
 */
export function decodeAmountTooLargeData(data: Buffer): AmountTooLargeDetails | undefined {
  if (data.length !== 16) return undefined;
  return { receivedAmount: data.readBigUInt64BE(0), maximumAmount: data.readBigUInt64BE(8) };
}

/** F08: the packet amount exceeds what the next hop accepts; carries both amounts as data. */
export class AmountTooLargeError extends IlpError {
  /** Amount the rejecting node received, when known. */
  readonly receivedAmount?: bigint;
  /** Largest amount the rejecting node accepts, when known. */
  readonly maximumAmount?: bigint;

  /**
   * @param details the two amounts (encoded as the data), or raw error data as received (its
   * amounts are read back when it has the right shape)
   */
  constructor(message = 'Amount too large', details?: AmountTooLargeDetails | Buffer) {
    const data = details === undefined || Buffer.isBuffer(details) ? details : encodeAmountTooLargeData(details);
    super('F08', message, data);
    const amounts = data === undefined ? undefined : decodeAmountTooLargeData(data);
    if (amounts !== undefined) {
      this.receivedAmount = amounts.receivedAmount;
      this.maximumAmount = amounts.maximumAmount;
    }
  }
}

const CLASSES: Readonly<Record<IlpErrorCode, new (message?: string, data?: Buffer) => IlpError>> = {
  F00: BadRequestError,
  F01: InvalidPacketError,
  F02: UnreachableError,
  F03: InvalidAmountError,
  F04: InsufficientDestinationAmountError,
  F05: WrongConditionError,
  F06: UnexpectedPaymentError,
  F07: CannotReceiveError,
  F08: AmountTooLargeError,
  F99: ApplicationError,
  T00: InternalError,
  T01: PeerUnreachableError,
  T02: PeerBusyError,
  T03: ConnectorBusyError,
  T04: InsufficientLiquidityError,
  T05: RateLimitedError,
  T99: TemporaryApplicationError,
  R00: TransferTimedOutError,
  R01: InsufficientSourceAmountError,
  R02: InsufficientTimeoutError,
  R99: RelativeApplicationError,
};

/**
 * The error a received Reject stands for: an instance of that code's class (an F08 with its
 * amounts decoded), or a plain IlpError for a code RFC 0027 does not list.
 */
export function rejectToError(reject: IlpReject): IlpError {
  const { code, message, data } = reject;
  if (isKnownIlpErrorCode(code)) return new CLASSES[code](message, data.length > 0 ? data : undefined);
  return new IlpError(code, message, data.length > 0 ? data : undefined);
}

/** RFC 0027 limits, repeated here so `toReject` always yields a serializable Reject. */
const MAX_MESSAGE_BYTES = 8191;
const MAX_DATA_BYTES = 32767;
const EMPTY = Buffer.alloc(0);

function isIa5Code(code: unknown): code is string {
  return (
    typeof code === 'string' &&
    code.length === 3 &&
    code.charCodeAt(0) < 0x80 &&
    code.charCodeAt(1) < 0x80 &&
    code.charCodeAt(2) < 0x80
  );
}

/** Cuts a string to at most `max` UTF-8 bytes without splitting a character. */
function clampUtf8(s: string, max: number): string {
  if (s.length * 3 <= max || Buffer.byteLength(s, 'utf8') <= max) return s;
  const b = Buffer.from(s, 'utf8');
  let end = max;
  // Step back over continuation bytes (10xxxxxx) so the cut lands on a character boundary.
  while (end > 0 && (b[end] & 0xc0) === 0x80) end--;
  return b.toString('utf8', 0, end);
}

/**
 * Turns anything thrown on the packet path into a Reject. An IlpError keeps its code, message
 * (cut to 8191 UTF-8 bytes) and data (dropped when over 32767 bytes); anything else becomes
 * `T00 Internal error`, never revealing its message or stack.
 *
 * @param triggeredBy ILP address of the node producing the Reject (normally our own)
 */
export function toReject(err: unknown, triggeredBy: string): IlpReject {
  if (err instanceof IlpError && isIa5Code(err.ilpErrorCode)) {
    const data = err.ilpErrorData;
    return {
      code: err.ilpErrorCode,
      triggeredBy,
      message: typeof err.message === 'string' ? clampUtf8(err.message, MAX_MESSAGE_BYTES) : '',
      data: Buffer.isBuffer(data) && data.length <= MAX_DATA_BYTES ? data : EMPTY,
    };
  }
  return { code: 'T00', triggeredBy, message: 'Internal error', data: EMPTY };
}
