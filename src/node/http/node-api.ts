/**
 * What the HTTP surfaces (admin API, health, metrics) need from the node. ConnectorNode implements it;
 * the servers depend on this interface only, so they never reach into the packet path.
 */
import type { EventStream } from '../events.js';
import type { PeerPatch } from '../control/control-plane.js';
import type { SecurityStats } from './security-stats.js';
import type {
  HealthReport,
  IlpSendRequest,
  IlpSendResponse,
  PeerAccountBalance,
  PeerInfo,
  PeerRegistrationRequest,
  RemovePeerResult,
  RouteInfo,
} from '../types.js';

export interface NodeApi {
  readonly nodeId: string;
  /** The node's ILP address (learned from the parent by ILDCP when it has one). */
  readonly ilpAddress: string;
  readonly version: string;
  readonly events: EventStream;
  /** Counters of the node's defences (refusals, caps, late fulfills), for /metrics and health. */
  readonly security?: SecurityStats;
  health(): HealthReport;
  /** true once start() has finished (ledger open, BTP listening, address known). */
  isReady(): boolean;
  listPeers(): PeerInfo[];
  /**
   * Adds a peer at runtime (persisted in the data directory). An existing id is PEER_EXISTS unless
   * `replace`; `created` is false when it replaced one.
   */
  registerPeer(request: PeerRegistrationRequest, opts?: { replace?: boolean }): Promise<{ peer: PeerInfo; created: boolean }>;
  /** Changes only the given fields of a peer (persisted); PEER_NOT_FOUND when unknown. */
  updatePeer(peerId: string, patch: PeerPatch): Promise<{ peer: PeerInfo; changed: string[] }>;
  /** Throws NotFoundError when unknown. */
  removePeer(peerId: string, removeRoutes?: boolean): Promise<RemovePeerResult>;
  listRoutes(): RouteInfo[];
  /** `warning` is set when nextHop names no known peer. */
  addRoute(route: { prefix: string; nextHop: string; priority?: number }): Promise<{ route: RouteInfo; warning?: string }>;
  /** false when no such route. */
  removeRoute(prefix: string): Promise<boolean>;
  /** Throws NotFoundError for an unknown peer. */
  getBalance(peerId: string): PeerAccountBalance;
  /** Every ledger account: peer:<id>, agent, fees, onchain, channelIn:<id>, channelOut:<id>. */
  getAccounts(): { account: string; balance: string; assetCode: string; assetScale: number; reserved?: string; lateFulfills?: { count: number; amount: string } }[];
  /** The asset an account's balance is an amount of (its peer's, the one its id names, else the node's). */
  accountAsset?(account: string): { code: string; scale: number };
  /** Sends a packet from the local agent; condition = sha256(sha256(data)). */
  sendIlp(request: IlpSendRequest): Promise<IlpSendResponse>;
}
