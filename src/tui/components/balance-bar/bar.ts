/** A peer's balance as a two-sided bar: what we owe it on the left, what it owes us on the right. */
import type { Segment } from '../line/segments.js';

export interface BarParts {
  /** the left half: empty cells, then filled cells up to the middle */
  readonly leftEmpty: number;
  readonly leftFill: number;
  /** the right half: filled cells from the middle, then empty cells */
  readonly rightFill: number;
  readonly rightEmpty: number;
  /** we owe at least the settle threshold (a claim is due) */
  readonly settleDue: boolean;
  /** it owes at least 90% of its credit limit (its Prepares will soon get T04) */
  readonly nearLimit: boolean;
}

const parse = (v: string | undefined): bigint | undefined => {
  if (v === undefined) return undefined;
  try {
    return BigInt(v);
  } catch {
    return undefined;
  }
};

/** Cells to fill out of `half` for `amount` against `scale` (at least one cell for any non-zero amount). */
function fill(amount: bigint, scale: bigint | undefined, half: number): number {
  if (amount <= 0n || scale === undefined || scale <= 0n) return 0;
  if (amount >= scale) return half;
  const n = Number((amount * BigInt(half) + scale - 1n) / scale);
  return Math.max(1, Math.min(half, n));
}

/**
 * @param balance what the peer owes us (signed decimal string)
 * @param settleThreshold the left half's full scale; unset = nothing drawn on that side
 * @param creditLimit the right half's full scale; unset (unlimited) = nothing drawn on that side
 * @param half cells per side
 */
export function balanceBar(balance: string, settleThreshold: string | undefined, creditLimit: string | undefined, half: number): BarParts {
  const b = parse(balance) ?? 0n;
  const threshold = parse(settleThreshold);
  const limit = parse(creditLimit);
  const leftFill = fill(-b, threshold, half);
  const rightFill = fill(b, limit, half);
  return {
    leftEmpty: half - leftFill,
    leftFill,
    rightFill,
    rightEmpty: half - rightFill,
    settleDue: threshold !== undefined && threshold > 0n && -b >= threshold,
    nearLimit: limit !== undefined && b > 0n && b * 10n >= limit * 9n,
  };
}

/** `····███│██······` in `width` cells (the middle mark included), coloured. */
export function barSegments(balance: string, settleThreshold: string | undefined, creditLimit: string | undefined, width: number): Segment[] {
  const half = Math.max(1, Math.floor((width - 1) / 2));
  const p = balanceBar(balance, settleThreshold, creditLimit, half);
  const extra = Math.max(0, width - 1 - half * 2);
  return [
    { text: '·'.repeat(p.leftEmpty + extra), dim: true },
    { text: '█'.repeat(p.leftFill), color: p.settleDue ? 'red' : 'yellow' },
    { text: '│', dim: true },
    { text: '█'.repeat(p.rightFill), color: p.nearLimit ? 'red' : 'green' },
    { text: '·'.repeat(p.rightEmpty), dim: true },
  ];
}
