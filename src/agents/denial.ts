/**
 * A policy denial as an ILP error: F02 for a destination, F08 (with both amounts in the data, so a
 * STREAM sender splits its payment) for maxPerPayment, T04 for an exhausted budget (it refills).
 */
import { AmountTooLargeError, InsufficientLiquidityError, UnreachableError, type IlpError } from '../node/ilp/errors.js';
import type { PolicyDenial } from './spend-account.js';

/** The error the pipeline throws for a denied Prepare of `amount`. */
export function policyError(d: PolicyDenial, amount: bigint): IlpError {
  if (d.code === 'F08') return new AmountTooLargeError(d.message, { receivedAmount: amount, maximumAmount: d.maximum ?? 0n });
  if (d.code === 'T04') return new InsufficientLiquidityError(d.message);
  return new UnreachableError(d.message);
}
