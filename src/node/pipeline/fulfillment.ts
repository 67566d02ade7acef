/**
 * Fulfillment check: a Fulfill counts only if sha256(fulfillment) equals the Prepare's condition.
 */
import { hash } from 'node:crypto';

/** The fulfillment's 32 bytes inside a serialized ILP Fulfill (after the type and length prefix). */
export function fulfillmentOf(fulfill: Buffer): Buffer | undefined {
  if (fulfill.length < 2 || fulfill[0] !== 13) return undefined;
  const first = fulfill[1];
  const offset = first < 0x80 ? 2 : 2 + (first & 0x7f);
  if (fulfill.length < offset + 32) return undefined;
  return fulfill.subarray(offset, offset + 32);
}

export function matchesCondition(fulfillment: Buffer, condition: Buffer): boolean {
  // crypto.hash (Node >= 20.12) hashes in one call, without a Hash object per packet.
  return hash('sha256', fulfillment, 'buffer').equals(condition);
}
