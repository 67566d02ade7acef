/**
 * Counters of the node's defences, kept as plain numbers on the paths that refuse something and
 * read by /metrics at scrape time (metrics.ts) and by health. One instance per node.
 */
import type { PreAuthStats } from '../btp/pre-auth-gate.js';

/** A next hop's late fulfills: it fulfilled after we had stopped waiting (or the source was gone). */
export interface LateFulfillTotals {
  count: number;
  /** sum of the amounts we forwarded to it, in its asset's units */
  amount: bigint;
}

export class SecurityStats {
  /** Admin requests answered 401 for a missing or wrong X-Api-Key. */
  apiKeyFailures = 0;
  /** Admin requests answered 429 because their address had too many key failures. */
  apiKeyThrottled = 0;
  /** Requests and BTP upgrades refused for their Host header (all listeners). */
  hostRefused = 0;
  /** BTP upgrades and ILP-over-HTTP requests refused for a browser Origin. */
  originRefused = 0;
  /** ILP-over-HTTP requests answered 401 for a missing or wrong token. */
  httpTokenFailures = 0;
  /** Prepares refused with T03 by a per-peer in-flight cap, by `peer\0limit` (limit: count | bytes). */
  readonly inFlightRejected = new Map<string, number>();
  /** The BTP server's pre-auth gate, once it exists. */
  preAuth: PreAuthStats | undefined;
  /** The ILP-over-HTTP listener's pre-auth gate, once it exists. */
  httpPreAuth: PreAuthStats | undefined;
  /** Late fulfills per next hop (durable: loaded from the data directory at start). */
  lateFulfills: () => ReadonlyMap<string, LateFulfillTotals> = () => new Map();

  countInFlightRejected(peer: string, limit: 'count' | 'bytes'): void {
    const key = `${peer}\u0000${limit}`;
    this.inFlightRejected.set(key, (this.inFlightRejected.get(key) ?? 0) + 1);
  }
}
