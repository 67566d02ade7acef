/**
 * What we learned from one speaker: its routing table id, the epoch we have applied up to, its
 * routes, and when they expire.
 *
 * Expiry is per speaker, not per route: any update from it (routes or an empty heartbeat) renews all
 * of its routes for the hold-down it announces. ilp-connector sends each route once and then only
 * heartbeats, so expiring routes one by one would drop every route learned from it.
 */
import { CcpMode, NO_ROUTING_TABLE, type CcpRouteControl, type CcpRouteUpdate } from '../../ilp/ccp.js';

export interface ReceivedRoute {
  readonly path: readonly string[];
  readonly auth: Buffer;
  /** ms epoch when the route was (re)announced */
  readonly learnedAt: number;
}

/** What applying an update did. */
export interface UpdateResult {
  /** prefixes whose route from this speaker appeared, changed or went */
  changed: string[];
  /** the update starts after the epoch we hold: nothing applied, ask for SYNC again */
  gap: boolean;
  /** routes refused because the speaker reached maxRoutesPerPeer */
  capped: number;
}

export interface ReceiverRules {
  /** whether a prefix may be learned at all (not ours, not peer.*, a valid address) */
  accept(prefix: string): boolean;
  /** our own address: a route whose path contains it would loop */
  ownAddress: string;
  maxRoutes: number;
  /** used when a speaker announces a hold-down of 0 */
  defaultHoldDownMs: number;
}

export class CcpReceiver {
  routingTableId: string = NO_ROUTING_TABLE;
  epoch = 0;
  readonly routes = new Map<string, ReceivedRoute>();
  /** ms epoch after which the speaker's routes are dropped (0: nothing heard yet) */
  expiresAt = 0;
  /** ms epoch of the last update or heartbeat */
  lastHeard = 0;
  updates = 0;
  /** route controls we sent this speaker */
  controlsSent = 0;
  /** route controls in a row that failed (backs off the retries) */
  controlFailures = 0;

  constructor(readonly peerId: string) {}

  /** The route control message asking the speaker for everything after what we hold. */
  control(): CcpRouteControl {
    return { mode: CcpMode.Sync, lastKnownRoutingTableId: this.routingTableId, lastKnownEpoch: this.epoch, features: [] };
  }

  apply(u: CcpRouteUpdate, now: number, rules: ReceiverRules): UpdateResult {
    this.updates++;
    this.lastHeard = now;
    this.expiresAt = now + (u.holdDownTime > 0 ? u.holdDownTime : rules.defaultHoldDownMs);
    const changed: string[] = [];
    if (u.routingTableId !== this.routingTableId) {
      // a new table (the speaker restarted): what we had from the old one is void
      changed.push(...this.clear());
      this.routingTableId = u.routingTableId;
      this.epoch = 0;
    }
    if (u.fromEpochIndex > this.epoch) return { changed, gap: true, capped: 0 };
    if (this.epoch > u.toEpochIndex) return { changed, gap: false, capped: 0 };
    for (const prefix of u.withdrawnRoutes) {
      if (this.routes.delete(prefix)) changed.push(prefix);
    }
    let capped = 0;
    for (const r of u.newRoutes) {
      const usable = rules.accept(r.prefix) && !r.path.includes(rules.ownAddress);
      if (!usable) {
        // a route through us or to us: drop what we had for the prefix too, it is no longer valid
        if (this.routes.delete(r.prefix)) changed.push(r.prefix);
        continue;
      }
      if (!this.routes.has(r.prefix) && this.routes.size >= rules.maxRoutes) {
        capped++;
        continue;
      }
      this.routes.set(r.prefix, { path: [...r.path], auth: r.auth, learnedAt: now });
      changed.push(r.prefix);
    }
    this.epoch = u.toEpochIndex;
    return { changed, gap: false, capped };
  }

  /**
   * Drops every route when the speaker has been silent past its hold-down (and forgets its epoch, so
   * the next control asks for the whole table); returns their prefixes, or undefined when not expired.
   */
  expire(now: number): string[] | undefined {
    if (this.expiresAt === 0 || now <= this.expiresAt) return undefined;
    return this.reset();
  }

  /** Forgets everything (the link went down): the next control asks for the whole table again. */
  reset(): string[] {
    const gone = this.clear();
    this.routingTableId = NO_ROUTING_TABLE;
    this.epoch = 0;
    this.expiresAt = 0;
    return gone;
  }

  private clear(): string[] {
    const gone = [...this.routes.keys()];
    this.routes.clear();
    return gone;
  }
}
