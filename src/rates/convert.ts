/**
 * Converting an amount across a pair: floor(amount × factor), and the UInt64 bound of ILP amounts.
 */
import type { Rational } from './rational.js';

/** Largest ILP amount (unsigned 64-bit). */
export const MAX_UINT64 = 0xffff_ffff_ffff_ffffn;

/** floor(amount × factor): never more than the rate gives (amount >= 0). */
export function convertAmount(amount: bigint, factor: Rational): bigint {
  return (amount * factor.num) / factor.den;
}

/**
 * The largest input whose conversion still fits `limit` (default UInt64): the `maximumAmount` of
 * the F08 a too-large conversion gets. floor(x × n / d) <= L  ⇔  x × n < (L + 1) × d.
 */
export function maxInputFor(factor: Rational, limit = MAX_UINT64): bigint {
  if (factor.num === 0n) return MAX_UINT64;
  const max = ((limit + 1n) * factor.den - 1n) / factor.num;
  return max > MAX_UINT64 ? MAX_UINT64 : max;
}
