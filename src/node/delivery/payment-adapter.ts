/**
 * The simple handler's conventions (the seed's `setPacketHandler` / `/handle-packet` contract):
 * business reject codes map to ILP codes, and an accepted payment is fulfilled with sha256(data), the
 * fulfillment whose hash the sender (`/admin/ilp/send`, `sendPacket` helpers) used as the condition.
 *
 * Anyone who knows the data can compute that fulfillment: it is a consistency check between sender and
 * receiver, not a proof of payment. Agents that need one use the raw `setLocalDeliveryHandler`.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { PaymentResponse } from '../types.js';

/** RFC 0027: an ILP packet's data field holds at most 32767 bytes. */
export const MAX_ILP_DATA_BYTES = 32767;

/** Business reject codes of the simple handler and the ILP error codes they become. */
export const REJECT_CODE_MAP: Readonly<Record<string, string>> = Object.freeze({
  insufficient_funds: 'T04',
  expired: 'R00',
  invalid_request: 'F00',
  invalid_amount: 'F03',
  unexpected_payment: 'F06',
  application_error: 'F99',
  internal_error: 'T00',
  timeout: 'T00',
});

/** The ILP code for a business reject code; anything unknown (or missing) is F99 Application Error. */
export function mapRejectCode(code: string | undefined): string {
  return code !== undefined && Object.hasOwn(REJECT_CODE_MAP, code) ? REJECT_CODE_MAP[code] : 'F99';
}

/** fulfillment = sha256(data) (32 bytes). */
export function computeFulfillmentFromData(data: Buffer): Buffer {
  return createHash('sha256').update(data).digest();
}

/** condition = sha256(fulfillment) = sha256(sha256(data)), with the fulfillment that opens it. */
export function computeConditionFromData(data: Buffer): { condition: Buffer; fulfillment: Buffer } {
  const fulfillment = computeFulfillmentFromData(data);
  return { condition: createHash('sha256').update(fulfillment).digest(), fulfillment };
}

/** A fresh payment id for one delivery: 16 random bytes, base64url (not stable across retries). */
export function generatePaymentId(): string {
  return randomBytes(16).toString('base64url');
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Decodes canonical, padded base64 (what Buffer#toString('base64') writes); undefined for anything else,
 * including non-zero padding bits, whitespace and base64url, so two spellings never mean one payload.
 */
export function decodeCanonicalBase64(text: string): Buffer | undefined {
  if (!BASE64.test(text)) return undefined;
  const buf = Buffer.from(text, 'base64');
  return buf.toString('base64') === text ? buf : undefined;
}

/** The adapter's verdict, in ILP terms. */
export type AdaptedResponse =
  | { fulfill: { fulfillment: Buffer; data: Buffer } }
  | { reject: { code: string; message: string; data: Buffer } };

/**
 * Turns a simple handler's answer into a Fulfill or a Reject.
 * Response data that is not canonical base64 or decodes to more than 32767 bytes is dropped (empty data)
 * and reported through `onDroppedData`, so one bad answer never turns into an unencodable packet.
 */
export function adaptPaymentResponse(
  resp: PaymentResponse,
  packetData: Buffer,
  onDroppedData?: (reason: string) => void,
): AdaptedResponse {
  const data = responseData(resp.data, onDroppedData);
  if (resp.accept) return { fulfill: { fulfillment: computeFulfillmentFromData(packetData), data } };
  const message = resp.rejectReason?.message;
  return {
    reject: {
      code: mapRejectCode(resp.rejectReason?.code),
      message: typeof message === 'string' && message.length > 0 ? message : 'Payment rejected',
      data,
    },
  };
}

function responseData(data: unknown, onDropped?: (reason: string) => void): Buffer {
  if (data === undefined || data === null || data === '') return Buffer.alloc(0);
  if (typeof data !== 'string') {
    onDropped?.('response data is not a base64 string');
    return Buffer.alloc(0);
  }
  const buf = decodeCanonicalBase64(data);
  if (buf === undefined) {
    onDropped?.('response data is not canonical base64');
    return Buffer.alloc(0);
  }
  if (buf.length > MAX_ILP_DATA_BYTES) {
    onDropped?.(`response data is ${buf.length} bytes, over the ILP limit of ${MAX_ILP_DATA_BYTES}`);
    return Buffer.alloc(0);
  }
  return buf;
}
