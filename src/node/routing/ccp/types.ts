/**
 * What the CCP speaker and receiver need from the node, kept to one small interface so the wiring
 * into the node (and into the control plane's route owner) is a few lines.
 */
import type { PeerRelation } from '../../types.js';

/** A peer as route broadcast sees it. */
export interface CcpPeer {
  readonly id: string;
  readonly relation: PeerRelation;
  readonly connected: boolean;
  /** explicit per-peer switches; unset means the relation's default (see `routesEnabled`) */
  readonly sendRoutes?: boolean;
  readonly receiveRoutes?: boolean;
}

/** A route that wins over every learned route of its prefix (configured, runtime or implicit). */
export interface StaticRoute {
  readonly prefix: string;
  /** a peer id, or 'local' */
  readonly nextHop: string;
}

/** A route learned from a peer, as handed to the routing table. */
export interface LearnedRoute {
  readonly prefix: string;
  /** the peer that announced it */
  readonly nextHop: string;
  /** the connectors the route passes, nearest first */
  readonly path: readonly string[];
  /** ms epoch when it was (re)announced */
  readonly learnedAt: number;
}

/** Where learned routes go: the routing table (one entry per prefix and announcing peer). */
export interface LearnedRouteSink {
  set(route: LearnedRoute): void;
  withdraw(prefix: string, nextHop: string): void;
}

export interface CcpHost {
  /** our ILP address, read each time (it may be learned from a parent after start) */
  address(): string;
  peer(id: string): CcpPeer | undefined;
  /** static and implicit routes, each prefix's candidates in the table's order (best first) */
  staticRoutes(): readonly StaticRoute[];
  /** sends a serialized Prepare to a peer directly (not through the packet pipeline); resolves with the Fulfill or Reject */
  send(peerId: string, prepare: Buffer, deadline: number): Promise<Buffer>;
  learned: LearnedRouteSink;
}

/** `routing.*` of the config. */
export interface CcpSettings {
  readonly enabled: boolean;
  /** ms between updates to a peer (heartbeats when nothing changed) */
  readonly broadcastIntervalMs: number;
  /** ms a peer keeps our routes without hearing from us (we announce it) */
  readonly holdDownMs: number;
  readonly maxRoutesPerPeer: number;
  readonly secret?: string;
  readonly exportPolicy: 'all' | 'valley-free';
}

/** ilp-connector's defaults: routes are sent to and accepted from parents and peers, not children. */
export function routesEnabled(peer: CcpPeer): { send: boolean; receive: boolean } {
  const byRelation = peer.relation !== 'child';
  return { send: peer.sendRoutes ?? byRelation, receive: peer.receiveRoutes ?? byRelation };
}
