/**
 * The typed bodies of the admin API's peer and route endpoints. The admin server answers with them
 * and the CLI (and any other client: MCP, scripts) reads them, so both sides import this one file.
 * Amounts are unsigned integers as decimal strings.
 */
import type { PeerInfo, PeerRelation, RouteInfo } from '../types.js';

/** Paths of the peer and route endpoints (ids and prefixes URL-encoded). */
export const adminPaths = {
  peers: '/admin/peers',
  peer: (peerId: string): string => `/admin/peers/${encodeURIComponent(peerId)}`,
  routes: '/admin/routes',
  route: (prefix: string): string => `/admin/routes/${encodeURIComponent(prefix)}`,
} as const;

/** A peer's settlement account: the chain and its address there. */
export interface PeerSettlementBody {
  chain: 'evm' | 'xrpl' | 'aptos';
  address: string;
}

/** The fields of a peer that can be set at runtime (POST sets them all, PATCH only those given). */
export interface PeerFieldsBody {
  /** ws:// or wss:// URL to dial; omit for a peer that dials us. */
  url?: string;
  /** More ws(s):// URLs of the same peer (config `peers[].urls`): dialled after `url`, in turn. */
  urls?: string[];
  /** The shared BTP secret (transport btp). */
  authToken?: string;
  /** btp (default) or http: ILP-over-HTTP (RFC 0035) with `http`'s endpoint and tokens. */
  transport?: 'btp' | 'http';
  http?: { url?: string; incomingToken?: string; outgoingToken?: string };
  relation?: PeerRelation;
  /** How far the peer may owe us, in asset units. */
  creditLimit?: string;
  /** We send a claim when we owe the peer this much, in asset units (positive). */
  settleThreshold?: string;
  /** Largest Prepare accepted from the peer, in asset units. */
  maxPacketAmount?: string;
  rateLimit?: { packetsPerSecond: number; burst?: number };
  settlement?: PeerSettlementBody;
  /** The peer's asset code (unset: the node's); its amounts are in this asset. */
  assetCode?: string;
  /** The peer's asset scale (unset: the node's). */
  assetScale?: number;
}

/** POST /admin/peers (`?replace=true` replaces an existing peer; without it an existing id is PEER_EXISTS). */
export interface AddPeerRequest extends PeerFieldsBody {
  id: string;
  /** Routes whose next hop is this peer, added with it. */
  routes?: { prefix: string; priority?: number }[];
}

/** PATCH /admin/peers/:peerId: only the fields given change. */
export type UpdatePeerRequest = PeerFieldsBody;

/** 201 (created) or 200 (replaced) from POST /admin/peers. */
export interface PeerAddedResponse {
  success: true;
  peer: PeerInfo;
  /** Every route whose next hop is this peer. */
  routes: RouteInfo[];
  created: boolean;
  /** true when `replace` replaced an existing peer */
  updated: boolean;
  message: string;
}

/** 200 from PATCH /admin/peers/:peerId. */
export interface PeerUpdatedResponse {
  success: true;
  peer: PeerInfo;
  /** The fields whose value changed (empty when the request changed nothing). */
  changed: string[];
  message: string;
}

/** 200 from DELETE /admin/peers/:peerId (`?removeRoutes=false` keeps its routes). */
export interface PeerRemovedResponse {
  success: true;
  peerId: string;
  removedRoutes: string[];
  message: string;
  /** Set when the peer's ledger account is not zero: the account is kept. */
  warning?: string;
}

/** 200 from GET /admin/peers. */
export interface PeerListResponse {
  nodeId: string;
  peerCount: number;
  connectedCount: number;
  peers: PeerInfo[];
}

/** POST /admin/routes. `nextHop` is a peer id, or 'local' (or our nodeId) for local delivery. */
export interface AddRouteRequest {
  prefix: string;
  nextHop: string;
  /** Among static routes for one prefix the higher priority wins (default 0). */
  priority?: number;
}

/** 201 from POST /admin/routes. */
export interface RouteAddedResponse {
  success: true;
  route: RouteInfo;
  message: string;
  /** Set when nextHop names no known peer yet. */
  warning?: string;
}

/** 200 from DELETE /admin/routes/<prefix>. */
export interface RouteRemovedResponse {
  success: true;
  prefix: string;
  message: string;
}

/** 200 from GET /admin/routes. */
export interface RouteListResponse {
  nodeId: string;
  routeCount: number;
  routes: RouteInfo[];
}
