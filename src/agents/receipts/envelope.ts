/**
 * The receipt envelope, on the wire between two agent-runtime nodes. A payer asks for a receipt by
 * putting REQUEST (8 bytes) before the Prepare's data; the payee's node takes it off before its local
 * agent sees the data, and when the agent fulfills, puts before the Fulfill's data:
 *
 *     RESPONSE (8 bytes) | length of the receipt JSON (uint16, big-endian) | receipt JSON (UTF-8) | the agent's reply data
 *
 * The payer's node takes the envelope off again, so the application on either side sees exactly the
 * data it would have without a receipt. A Prepare without REQUEST is delivered and answered untouched:
 * receivers that did not ask get the reply data unchanged. The fulfillment and condition never
 * change, so connectors in between need not know any of this.
 */
import { MAX_DATA_LENGTH } from '../../node/ilp/packet.js';

/** `arRcpt?` then version 1. */
export const REQUEST = Buffer.from([0x61, 0x72, 0x52, 0x63, 0x70, 0x74, 0x3f, 0x01]);
/** `arRcpt!` then version 1. */
export const RESPONSE = Buffer.from([0x61, 0x72, 0x52, 0x63, 0x70, 0x74, 0x21, 0x01]);

/** true when `data` asks for a receipt. */
export function asksForReceipt(data: Buffer): boolean {
  return data.length >= REQUEST.length && data.compare(REQUEST, 0, REQUEST.length, 0, REQUEST.length) === 0;
}

/** `data` with the request in front, or undefined when it would pass the ILP data limit. */
export function withRequest(data: Buffer): Buffer | undefined {
  return data.length + REQUEST.length > MAX_DATA_LENGTH ? undefined : Buffer.concat([REQUEST, data]);
}

/** The reply data with the receipt in front, or undefined when it would pass the ILP data limit. */
export function wrapReply(receiptJson: string, reply: Buffer): Buffer | undefined {
  const json = Buffer.from(receiptJson, 'utf8');
  const head = Buffer.alloc(RESPONSE.length + 2);
  RESPONSE.copy(head);
  head.writeUInt16BE(json.length, RESPONSE.length);
  const out = Buffer.concat([head, json, reply]);
  return out.length > MAX_DATA_LENGTH ? undefined : out;
}

/** Splits a Fulfill's data into the receipt (parsed JSON) and the reply; undefined when it carries none. */
export function unwrapReply(data: Buffer): { receipt: unknown; reply: Buffer } | undefined {
  const start = RESPONSE.length + 2;
  if (data.length < start || data.compare(RESPONSE, 0, RESPONSE.length, 0, RESPONSE.length) !== 0) return undefined;
  const end = start + data.readUInt16BE(RESPONSE.length);
  if (end > data.length) return undefined;
  try {
    return { receipt: JSON.parse(data.subarray(start, end).toString('utf8')) as unknown, reply: data.subarray(end) };
  } catch {
    return undefined;
  }
}
