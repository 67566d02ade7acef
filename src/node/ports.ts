/**
 * The core's ports: everything the settlement engine (src/settlement) may use of the connector core,
 * and what the core expects back. Settlement imports nothing else from src/node (a test enforces it),
 * so the core can change its insides without touching settlement, and settlement can be loaded by
 * dynamic import only when `settlement.enabled` is set (the chain SDKs are optional dependencies).
 *
 * The engine gets: a way to send a claim frame to a peer and hear its answer (`request`), the event
 * stream (`events`), the ledger (read balances, book claims), the peers' settlement settings, and it
 * hands back its admin routes (mounted by the core) and its handlers for peer frames and thresholds.
 */
import type { Logger } from 'pino';
import type { Chain, NodeConfig } from '../config/index.js';
import type { LedgerBackend } from '../ledger/index.js';
import type { BtpFrame } from './btp/codec.js';
import type { EventStream } from './events.js';
import type { AdminRoutePlugin } from './http/admin-server.js';

// The BTP frame shapes a claim travels in (RFC 0023): settlement builds and reads them itself.
export { BtpType, ContentType, type BtpFrame, type BtpTransferFrame, type ProtocolData } from './btp/codec.js';
export type { EventStream, NodeEventInput } from './events.js';
export type { AdminRouteContext, AdminRoutePlugin } from './http/admin-server.js';
// JSON schemas of admin path parameters, so settlement's routes validate a peer id as the core's do.
export { peerId, peerIdParams } from './http/schemas.js';

/** A peer's settlement settings as the engine sees them (config and runtime registrations alike). */
export interface SettlementPeer {
  id: string;
  connected: boolean;
  /** asset units; unset: no automatic claims */
  settleThreshold?: bigint;
  /** autoDeposit: keep our channel to the peer funded (asset units; peers[].settlement.autoDeposit). */
  settlement?: { chain: Chain; address: string; autoDeposit?: { below: bigint; topUpTo: bigint; maxDeposit?: bigint } };
  /** The peer's asset (its balance, threshold and claims are amounts of it); unset: the node's. */
  asset?: { code: string; scale: number };
}

/** The peer's answer to a request: a BTP ERROR as an error, or the RESPONSE frame. */
export type RequestCallback = (err: Error | undefined, response?: BtpFrame) => void;

/**
 * A cluster's settlement lane session (src/cluster/lanes.ts): statements on the lane state, refused
 * (throws) unless this instance leads `chain` now (`undefined`: any lane).
 */
export interface LaneStateSession {
  query<R>(chain: string | undefined, sql: string, params?: unknown[]): Promise<R[]>;
  leads(chain: string): boolean;
}

/** A cluster's settlement lanes as the engine sees them (src/cluster/frames.ts): one leader per chain. */
export interface SettlementLanes extends LaneStateSession {
  readonly instanceId: string;
  /** Takes part in the election of `chains`: `lead` when this instance takes one, `lose` when it loses one. */
  elect(chains: readonly string[], hooks: { lead(chain: string): Promise<void>; lose(chain: string): Promise<void> }): void;
  /** The instance leading `chain` as last seen (undefined: none). */
  leaderOf(chain: string): string | undefined;
  /** Hands a peer's settlement request on `chain` to the live instance leading it; false (nothing sent) when it cannot. */
  toLeader(chain: string, peerId: string, frame: BtpFrame, respond: (reply: SettlementReply) => void): boolean;
  /** Serves the settlement requests other instances hand to this one (their peers' claims for the lanes led here). */
  serve(handler: (chain: string, peerId: string, frame: BtpFrame, respond: (reply: SettlementReply) => void) => void): void;
}

/** What the core gives the engine. */
export interface SettlementContext {
  /** In a cluster (cluster.enabled, ledger on PostgreSQL): the lane leaders and their state. */
  readonly lanes?: SettlementLanes;
  readonly config: NodeConfig;
  /** Balances (read) and claim and redemption bookings (write), in one atomic batch each. */
  readonly ledger: LedgerBackend;
  /** The node's one event stream: the engine emits its claim, channel and settlement events here. */
  readonly events: EventStream;
  readonly logger: Logger;
  /** the node's data directory (LevelDB and any engine files live under it) */
  readonly dataDir: string;
  /** Peers' settlement settings (from config and runtime registrations). */
  peers(): SettlementPeer[];
  /**
   * Sends a BTP request (TRANSFER or MESSAGE with settlement protocol data: a claim frame) to a peer;
   * `cb` gets the peer's RESPONSE frame, or an error (not connected, BTP ERROR, no answer by
   * `deadline`, ms since the epoch).
   */
  request(peerId: string, frame: BtpFrame, deadline: number, cb: RequestCallback): void;
}

/** The engine's answer to a peer's settlement request. */
export type SettlementReply = { ok: true; protocolData?: BtpFrame['protocolData'] } | { ok: false; code: string; message: string };

/** What the engine gives the core. */
export interface SettlementModule {
  start(): Promise<void>;
  stop(): Promise<void>;
  /**
   * A non-ILP request from a peer (BTP TRANSFER, or MESSAGE without `ilp` data). Return true when the
   * engine takes it; it must then answer exactly once through `respond` (RESPONSE only after its ledger
   * write; ERROR and nothing booked otherwise).
   */
  onPeerRequest(peerId: string, frame: BtpFrame, respond: (reply: SettlementReply) => void): boolean;
  /** A peer's link came up (resend the latest unacknowledged claim). */
  onPeerConnected(peerId: string): void;
  /** We owe `peerId` at least its settleThreshold (asset units). */
  onSettlementRequired(peerId: string, owed: bigint, threshold: bigint): void;
  /** Admin routes the engine adds (channels, claims, settlement states, settle); the core mounts them. */
  adminRoutes(): AdminRoutePlugin[];
}

export type CreateSettlementModule = (ctx: SettlementContext) => SettlementModule | Promise<SettlementModule>;

/** What settlement code outside a node (the demo's channel opening) reads of a running node. */
export interface NodeHandle {
  readonly nodeId: string;
  readonly endpoints: { readonly admin?: string };
}
