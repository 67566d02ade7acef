/**
 * Amount stages: the per-peer maximum packet amount (F08 carrying both amounts) and the fee.
 */
import { AmountTooLargeError } from '../ilp/errors.js';

/** Throws F08 when `amount` exceeds `max` (undefined = no maximum). */
export function checkMaxPacketAmount(amount: bigint, max: bigint | undefined): void {
  if (max !== undefined && amount > max) {
    throw new AmountTooLargeError(`packet amount ${amount} exceeds the maximum ${max}`, {
      receivedAmount: amount,
      maximumAmount: max,
    });
  }
}

/**
 * The amount forwarded after this node's fee: amount − floor(amount × feeBps / 10000).
 * With the default 10 bps, 1000 keeps 1 and 999 keeps 0.
 */
export function amountAfterFee(amount: bigint, feeBps: bigint): bigint {
  if (feeBps === 0n || amount === 0n) return amount;
  return amount - (amount * feeBps) / 10000n;
}
