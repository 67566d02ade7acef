/**
 * Expiry stage: refuse what has already expired (R00) or cannot make another hop (R02), and compute
 * the expiry we forward: min(incoming − margin, now + maxHold). The wait for the reply goes on past
 * it, to our own incoming deadline minus half the margin (replyDeadline): a next hop that fulfills a
 * little late is still booked and passed upstream, instead of leaving its books and ours apart.
 */
import { InsufficientTimeoutError, TransferTimedOutError } from '../ilp/errors.js';

export interface ExpiryPolicy {
  /** ms taken off the expiry at each hop (default 1000) */
  expiryMarginMs: number;
  /** longest we hold a packet, ms (default 30000) */
  maxHoldTimeMs: number;
}

/** Throws R00 when `expiresAtMs` is not in the future. */
export function checkNotExpired(expiresAtMs: number, now: number): void {
  if (expiresAtMs <= now) throw new TransferTimedOutError('packet expired before it arrived');
}

/**
 * The expiry to put on the forwarded Prepare (ms epoch). `shorten` is false for packets from the
 * local agent (no hop to protect) and true for packets that arrived over a link.
 */
export function forwardExpiry(expiresAtMs: number, now: number, policy: ExpiryPolicy, shorten: boolean): number {
  checkNotExpired(expiresAtMs, now);
  if (!shorten) return Math.min(expiresAtMs, now + policy.maxHoldTimeMs);
  if (expiresAtMs - now <= policy.expiryMarginMs) {
    throw new InsufficientTimeoutError(
      `insufficient time left to forward: ${expiresAtMs - now} ms, need more than ${policy.expiryMarginMs} ms`,
    );
  }
  return Math.min(expiresAtMs - policy.expiryMarginMs, now + policy.maxHoldTimeMs);
}

/**
 * When we stop waiting for the next hop's answer (ms epoch), for a Prepare forwarded with expiry
 * `forwardedMs`. From a link (`shorten`): half the margin past it, which is never later than our own
 * incoming deadline minus the other half (the time left to book the Fulfill and pass it upstream).
 * From the local agent: the expiry itself (there is no hop upstream to protect).
 */
export function replyDeadline(forwardedMs: number, policy: ExpiryPolicy, shorten: boolean): number {
  return shorten ? forwardedMs + Math.ceil(policy.expiryMarginMs / 2) : forwardedMs;
}
