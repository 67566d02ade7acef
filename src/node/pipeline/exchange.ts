/**
 * The exchange stage: the amount a forwarded Prepare carries in the next hop's asset.
 *
 *   converted = floor(amountIn × rate[D] / rate[S] × 10^(d − s) × (1 − spread))
 *   out       = converted − floor(converted × feeBps / 10000)
 *
 * Same asset (code and scale): converted = amountIn. A result of 0 is forwarded as 0, as
 * ilp-connector does (the receiver's own minimum, e.g. STREAM's, protects the sender). A converted
 * amount beyond UInt64 is F08 carrying the amount received and the largest one that converts; a
 * missing or stale rate is T00 naming the pair.
 */
import { accounts, exchangeAccount, feesAccount } from '../../ledger/index.js';
import { convertAmount, maxInputFor, MAX_UINT64, type Asset, type RateBook } from '../../rates/index.js';
import { AmountTooLargeError, InternalError } from '../ilp/errors.js';
import { amountAfterFee } from './amount.js';

/** Both amounts of an exchange, in the destination asset. */
export interface Exchanged {
  /** after the rate and spread, before the fee */
  converted: bigint;
  /** what is forwarded */
  out: bigint;
}

/** True when two assets are the same (code and scale): no conversion. */
export function sameAsset(a: Asset, b: Asset): boolean {
  return a === b || (a.code === b.code && a.scale === b.scale);
}

/**
 * Converts `amountIn` from `from` to `to` and takes the fee (in the destination asset).
 * @throws InternalError (T00) when the pair has no fresh rate
 * @throws AmountTooLargeError (F08) when the converted amount exceeds UInt64
 */
export function exchange(amountIn: bigint, from: Asset, to: Asset, rates: RateBook | undefined, feeBps: bigint, now: number): Exchanged {
  if (sameAsset(from, to)) return { converted: amountIn, out: amountAfterFee(amountIn, feeBps) };
  return exchangeAcross(amountIn, from, to, rates, feeBps, now);
}

/** `exchange` for two assets known to differ. @throws as `exchange` */
export function exchangeAcross(amountIn: bigint, from: Asset, to: Asset, rates: RateBook | undefined, feeBps: bigint, now: number): Exchanged {
  if (rates === undefined) throw new InternalError(`no rate for ${from.code}→${to.code}: the node has no rates configured`);
  const pair = rates.factor(from, to, now);
  if (!pair.ok) throw new InternalError(pair.reason);
  const converted = convertAmount(amountIn, pair.factor);
  if (converted > MAX_UINT64) {
    throw new AmountTooLargeError(`amount ${amountIn} ${from.code} converts to more than a UInt64 of ${to.code}`, {
      receivedAmount: amountIn,
      maximumAmount: maxInputFor(pair.factor),
    });
  }
  return { converted, out: amountAfterFee(converted, feeBps) };
}

/** What booking a forward between two assets needs, worked out once per pair (Crossings). */
export interface Crossing {
  readonly from: Asset;
  readonly to: Asset;
  /** same code and scale: no conversion and no exchange legs */
  readonly same: boolean;
  /** the exchange accounts of `from` and `to` (empty strings when `same`) */
  readonly exchangeFrom: string;
  readonly exchangeTo: string;
  /** where the fee is booked: `fees` in the node's asset, else `fees:<code>@<scale>` of `to` */
  readonly fees: string;
}

/**
 * The Crossing of each (source asset, next-hop asset) pair, by object identity: a peer's asset is one
 * object for the peer's life, so the packet path builds no account-id strings and compares no codes.
 */
export class Crossings {
  private readonly byFrom = new WeakMap<Asset, WeakMap<Asset, Crossing>>();

  constructor(private readonly node: Asset) {}

  get(from: Asset, to: Asset): Crossing {
    let byTo = this.byFrom.get(from);
    if (byTo === undefined) this.byFrom.set(from, (byTo = new WeakMap()));
    let c = byTo.get(to);
    if (c === undefined) byTo.set(to, (c = this.build(from, to)));
    return c;
  }

  private build(from: Asset, to: Asset): Crossing {
    const same = sameAsset(from, to);
    return {
      from,
      to,
      same,
      exchangeFrom: same ? '' : exchangeAccount(from),
      exchangeTo: same ? '' : exchangeAccount(to),
      fees: sameAsset(to, this.node) ? accounts.fees : feesAccount(to, this.node),
    };
  }
}
