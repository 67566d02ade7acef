/**
 * A quote: what a local send of `amount` to `destination` would hand the next hop, in that hop's
 * asset, without sending anything. Same route lookup and exchange as the packet path (a local send
 * pays no fee at its own node), plus what the local spend policy would say. Connectors further on
 * may convert again or take fees: a quote speaks for this node's hop only.
 */
import type { Asset, RateBook } from '../rates/index.js';
import { exchange } from '../node/pipeline/exchange.js';
import { IlpError } from '../node/ilp/errors.js';
import { LOCAL } from '../node/routing/routing-table.js';
import type { Policies } from './policies.js';

/** What a quote reads from the node. */
export interface QuoteParts {
  /** The next hop for a destination (LOCAL for this node), undefined when none. */
  lookup(destination: string): string | undefined;
  /** A peer's asset when it differs from the node's; null for an unknown peer. */
  peerAsset(peerId: string): Asset | undefined | null;
  rates: RateBook | undefined;
  asset: Asset;
}

export type Quote =
  | { ok: true; destination: string; amount: string; asset: Asset; nextHop: string; delivered: string; deliveredAsset: Asset; policy: string; note: string }
  | { ok: false; destination: string; amount: string; code: string; message: string };

const NOTE = "what this node hands the next hop; connectors further on may convert again or take fees";

export function quote(parts: QuoteParts, policies: Policies, destination: string, amount: bigint, now = Date.now()): Quote {
  const head = { destination, amount: amount.toString() };
  const nextHop = parts.lookup(destination);
  if (nextHop === undefined) return { ok: false, ...head, code: 'F02', message: `no route to ${destination}` };
  const to = nextHop === LOCAL ? undefined : parts.peerAsset(nextHop);
  if (to === null) return { ok: false, ...head, code: 'F02', message: `the route to ${destination} names ${nextHop}, which is not a peer` };
  const deliveredAsset = to ?? parts.asset;
  let delivered: bigint;
  try {
    delivered = exchange(amount, parts.asset, deliveredAsset, parts.rates, 0n, now).out;
  } catch (err) {
    if (err instanceof IlpError) return { ok: false, ...head, code: err.ilpErrorCode, message: err.message };
    throw err;
  }
  const denial = policies.local?.check(destination, amount, now);
  const line = policies.config.local?.approvalAbove;
  const policy = denial !== undefined ? `refused: ${denial.message}` : line !== undefined && amount > line ? `waits for approval (above ${line})` : 'allowed';
  return { ok: true, ...head, asset: parts.asset, nextHop, delivered: delivered.toString(), deliveredAsset, policy, note: NOTE };
}
