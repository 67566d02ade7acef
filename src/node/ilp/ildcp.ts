/**
 * ILDCP (RFC 0031): a child asks its parent for its ILP address and asset with a `peer.config`
 * Prepare; the parent answers with a Fulfill whose data is
 * OER { clientAddress var-octet ASCII, assetScale UInt8, assetCode var-octet UTF-8 }.
 */
import { createHash } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import { isValidIlpAddress } from './address.js';
import { CodecError } from './errors.js';
import { assertObject, OerReader, varOctetStringSize, writeVarOctetString } from './oer.js';
import { deserializeFulfill, MAX_DATA_LENGTH, serializeFulfill, serializePrepare } from './packet.js';

/** Destination of every ILDCP request. */
export const ILDCP_DESTINATION = 'peer.config';
/** The peer-protocol fulfillment: 32 zero bytes. */
export const ILDCP_FULFILLMENT: Buffer = Buffer.alloc(32);
/** SHA-256 of the zero fulfillment (`Zmh6rfhivXdsj8GLjp+OIAiXFIVu4jOzkCpZHQ1fKSU=`). */
export const ILDCP_CONDITION: Buffer = createHash('sha256').update(ILDCP_FULFILLMENT).digest();
/** Default lifetime of a request, in ms (what ilp-protocol-ildcp uses). */
export const ILDCP_DEFAULT_EXPIRY_MS = 60_000;

/** What a parent tells its child. */
export interface IldcpResponse {
  /** The child's ILP address. */
  clientAddress: string;
  /** Asset scale of the link, 0..255. */
  assetScale: number;
  /** Asset code of the link, e.g. `USD` (UTF-8). */
  assetCode: string;
}

/** Options of an ILDCP request. */
export interface IldcpRequestOptions {
  /** Expiry of the request; default now + 60 s. */
  expiresAt?: Date;
}

const EMPTY = Buffer.alloc(0);

/** Encodes the `peer.config` Prepare: amount 0, the zero-fulfillment condition, empty data. */
export function serializeIldcpRequest(options: IldcpRequestOptions = {}): Buffer {
  return serializePrepare({
    amount: 0n,
    expiresAt: options.expiresAt ?? new Date(Date.now() + ILDCP_DEFAULT_EXPIRY_MS),
    executionCondition: ILDCP_CONDITION,
    destination: ILDCP_DESTINATION,
    data: EMPTY,
  });
}

/**
 * Whether a decoded Prepare (or Prepare view) is an ILDCP request: destination `peer.config` and
 * the zero-fulfillment condition. Amount and data are not checked (RFC 0031 fixes them, but the
 * reference implementation ignores them too).
 */
export function isIldcpRequest(p: { destination: string; executionCondition: Uint8Array }): boolean {
  return p.destination === ILDCP_DESTINATION && ILDCP_CONDITION.equals(p.executionCondition);
}

/**
 * Encodes the Fulfill answering an ILDCP request.
 * @throws CodecError on an invalid address, a scale outside 0..255 or an oversized asset code
 */
export function serializeIldcpResponse(r: IldcpResponse): Buffer {
  assertObject(r, 'ildcp');
  const { clientAddress, assetScale, assetCode } = r;
  if (!isValidIlpAddress(clientAddress)) throw new CodecError('ildcp.clientAddress: invalid ILP address');
  if (!Number.isInteger(assetScale) || assetScale < 0 || assetScale > 255) {
    throw new CodecError('ildcp.assetScale: not a UInt8');
  }
  if (typeof assetCode !== 'string') throw new CodecError('ildcp.assetCode: not a string');
  const code = Buffer.from(assetCode, 'utf8');
  const size = varOctetStringSize(clientAddress.length) + 1 + varOctetStringSize(code.length);
  if (size > MAX_DATA_LENGTH) throw new CodecError(`ildcp: ${size} bytes exceeds the maximum of ${MAX_DATA_LENGTH}`);
  const data = Buffer.allocUnsafe(size);
  let off = writeVarOctetString(data, 0, Buffer.from(clientAddress, 'latin1'));
  data[off++] = assetScale;
  writeVarOctetString(data, off, code);
  return serializeFulfill({ fulfillment: ILDCP_FULFILLMENT, data });
}

/**
 * Decodes the Fulfill answering an ILDCP request.
 * @throws CodecError when it is not a Fulfill, the fulfillment is not zero, or the data is
 * malformed (invalid address, invalid UTF-8 asset code, trailing bytes)
 */
export function deserializeIldcpResponse(b: Buffer): IldcpResponse {
  const { fulfillment, data } = deserializeFulfill(b);
  if (!ILDCP_FULFILLMENT.equals(fulfillment)) throw new CodecError('ildcp.fulfillment: not the zero fulfillment');
  const r = new OerReader(data, 0, data.length);
  const address = r.varOctetString('ildcp.clientAddress', data.length);
  const clientAddress = address.toString('latin1');
  if (!isValidIlpAddress(clientAddress)) throw new CodecError('ildcp.clientAddress: invalid ILP address');
  const assetScale = r.uint8('ildcp.assetScale');
  const code = r.varOctetString('ildcp.assetCode', data.length);
  if (!isUtf8(code)) throw new CodecError('ildcp.assetCode: invalid UTF-8');
  r.assertEnd('ildcp.data');
  return { clientAddress, assetScale, assetCode: code.toString('utf8') };
}
