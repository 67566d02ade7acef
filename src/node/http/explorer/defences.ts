/**
 * `GET /api/defences`: what the node's defences did, for the explorer's status line. Read from the
 * health report (a ledger that fail-stops) and the node's SecurityStats (pre-auth refusals, in-flight
 * cap rejections, late fulfills per peer). Amounts are decimal strings.
 */
import type { NodeApi } from '../node-api.js';

export interface Defences {
  /** the health reason while the ledger refuses payments; absent when it works */
  ledgerFault?: string;
  /** BTP connections refused past a pre-auth cap, since start */
  preAuthRefused: number;
  /** Prepares refused with T03 by a per-peer in-flight cap, since start */
  inFlightRejected: number;
  /** fulfills the node could not pass upstream (not booked), durable */
  lateFulfills: { count: number; amount: string; byPeer: Record<string, { count: number; amount: string }> };
}

export function defencesOf(node: NodeApi): Defences {
  const health = node.health();
  const ledgerFault = health.checks.ledger === false ? health.reasons.find((r) => r.startsWith('ledger')) : undefined;
  const s = node.security;
  let inFlightRejected = 0;
  for (const n of s?.inFlightRejected.values() ?? []) inFlightRejected += n;
  let count = 0;
  let amount = 0n;
  const byPeer: Record<string, { count: number; amount: string }> = {};
  for (const [peer, t] of s?.lateFulfills() ?? []) {
    count += t.count;
    amount += t.amount;
    byPeer[peer] = { count: t.count, amount: t.amount.toString() };
  }
  return {
    ...(ledgerFault === undefined ? {} : { ledgerFault }),
    preAuthRefused: s?.preAuth?.refused ?? 0,
    inFlightRejected,
    lateFulfills: { count, amount: amount.toString(), byPeer },
  };
}
