/**
 * The seam between the connector core and the settlement engine. The core loads the engine only when
 * `settlement.enabled` is set (dynamic import: the chain SDKs are optional peer dependencies) and
 * talks to it through these two interfaces only.
 */
import type { Logger } from 'pino';
import type { BtpFrame } from '../node/btp/codec.js';
import type { NodeConfig } from '../config/index.js';
import type { EventStream } from '../node/events.js';
import type { Ledger } from '../ledger/index.js';
import type { AdminRoutePlugin } from '../node/http/admin-server.js';

/** What the core gives the engine. */
export interface SettlementContext {
  readonly config: NodeConfig;
  readonly ledger: Ledger;
  readonly events: EventStream;
  readonly logger: Logger;
  /** the node's data directory (LevelDB and any engine files live under it) */
  readonly dataDir: string;
  /** Peers' settlement settings (from config and runtime registrations). */
  peers(): { id: string; connected: boolean; settleThreshold?: bigint; settlement?: { chain: 'evm' | 'xrpl' | 'aptos'; address: string } }[];
  /**
   * Sends a BTP request (TRANSFER or MESSAGE with settlement protocol data) to a peer; `cb` gets the
   * peer's RESPONSE frame, or an error (not connected, BTP ERROR, no answer by `deadline` ms epoch).
   */
  request(peerId: string, frame: BtpFrame, deadline: number, cb: (err: Error | undefined, response?: BtpFrame) => void): void;
}

/** What the engine gives the core. */
export interface SettlementModule {
  start(): Promise<void>;
  stop(): Promise<void>;
  /**
   * A non-ILP request from a peer (BTP TRANSFER, or MESSAGE without `ilp` data). Return true when the
   * engine takes it; it must then answer exactly once through `respond` (RESPONSE only after its ledger
   * write; ERROR and nothing booked otherwise).
   */
  onPeerRequest(peerId: string, frame: BtpFrame, respond: (reply: { ok: true; protocolData?: BtpFrame['protocolData'] } | { ok: false; code: string; message: string }) => void): boolean;
  /** A peer's link came up (resend the latest unacknowledged claim). */
  onPeerConnected(peerId: string): void;
  /** We owe `peerId` at least its settleThreshold. */
  onSettlementRequired(peerId: string, owed: bigint, threshold: bigint): void;
  /** Admin routes the engine adds (channels, claims, settlement states, settle). */
  adminRoutes(): AdminRoutePlugin[];
}

export type CreateSettlementModule = (ctx: SettlementContext) => SettlementModule | Promise<SettlementModule>;
