/**
 * Public shapes of the node: what the library API, the admin HTTP API and the CLI exchange.
 * Amounts are decimal strings in JSON shapes and bigint in memory.
 */

/** A peer's relation to this node (Gao-Rexford): routes prefer child > peer > parent. */
export type PeerRelation = 'parent' | 'peer' | 'child';

/** `registerPeer` input (the seed README's shape). */
export interface PeerRegistrationRequest {
  id: string;
  /** ws:// or wss:// URL to dial; omit for a peer that dials us. */
  url?: string;
  /** More BTP URLs of the same peer (e.g. each instance of a cluster): dialled after `url`, in turn. */
  urls?: string[];
  /** the BTP secret (transport btp) */
  authToken?: string;
  /** btp (default) or http: ILP-over-HTTP (RFC 0035) */
  transport?: 'btp' | 'http';
  http?: { url?: string; incomingToken?: string; outgoingToken?: string };
  relation?: PeerRelation;
  routes?: { prefix: string; priority?: number }[];
  maxPacketAmount?: bigint | string;
  creditLimit?: bigint | string;
  settleThreshold?: bigint | string;
  rateLimit?: { packetsPerSecond: number; burst?: number };
  settlement?: { chain: 'evm' | 'xrpl' | 'aptos'; address: string };
  /** The peer's asset code; unset: the node's (a different one is converted with rates). */
  assetCode?: string;
  /** The peer's asset scale; unset: the node's. */
  assetScale?: number;
}

/** One peer as listed by `listPeers` and `GET /admin/peers`. */
export interface PeerInfo {
  id: string;
  relation: PeerRelation;
  /** true when a BTP socket is authenticated and open (inbound or outbound). */
  connected: boolean;
  /** 'outbound' when we dial it (it has a url), 'inbound' when it dials us. */
  direction: 'outbound' | 'inbound';
  url?: string;
  /** set for an ILP-over-HTTP peer (then `url` is its http.url, and connected means it answers) */
  transport?: 'http';
  /** ILP-over-HTTP peers: requests since start (see HttpPeerActivity) */
  http?: HttpPeerActivity;
  ilpAddresses: string[];
  routeCount: number;
  /** What the peer owes us, in the node's asset units (decimal string; negative = we owe it). */
  balance: string;
  creditLimit?: string;
  settleThreshold?: string;
  settlement?: { chain: string; address: string };
  /** The peer's asset: its balance, limits and claims are amounts of it. */
  asset?: { code: string; scale: number };
}

/** An ILP-over-HTTP peer's requests since start, as the explorer and the TUI show them. */
export interface HttpPeerActivity {
  /** our requests to it that ended (answered, failed or timed out) */
  sent: number;
  /** of `sent`: no 200 answer (another status, no connection, or no answer before expiry) */
  failed: number;
  /** its authenticated requests to us */
  received: number;
  /** of `received`: refused (answered other than 200: wrong content type, body too large) */
  refused: number;
}

/** One routing table entry. `nextHop` is a peer id, or 'local' for local delivery. */
export interface RouteInfo {
  prefix: string;
  nextHop: string;
  priority: number;
  /** 'config' (from the file), 'runtime' (added through the API, persisted), 'implicit' (own address, children), 'ccp' (learned from a peer). */
  source?: 'config' | 'runtime' | 'implicit' | 'ccp';
  /** learned routes: the connectors the route passes, nearest first (CCP path) */
  path?: string[];
  /** learned routes: ms since the route was last announced or refreshed */
  ageMs?: number;
}

/** The seed's balance body: netBalance = balance, creditBalance = max(balance,0), debitBalance = max(-balance,0). */
export interface PeerAccountBalance {
  peerId: string;
  /** `tokenId` is the asset code (the seed's name); amounts are units of assetCode at assetScale. */
  balances: { tokenId: string; assetCode: string; assetScale: number; debitBalance: string; creditBalance: string; netBalance: string }[];
  /** Fulfills from this peer we could not pass upstream (not booked; reconcile with the peer). Absent: none. */
  lateFulfills?: { count: number; amount: string };
}

export interface RemovePeerResult {
  peerId: string;
  removedRoutes: string[];
  /** Set when the peer's ledger account is not zero: the account is kept. */
  warning?: string;
}

/** `sendPacket` input (the seed README's shape). */
export interface SendPacketParams {
  destination: string;
  amount: bigint;
  executionCondition: Buffer;
  expiresAt: Date;
  data?: Buffer;
  /** Ask the payee's node for a signed receipt (docs/agents.md); the Fulfill result then carries `receipt`. */
  receipt?: boolean;
}

/** `/admin/ilp/send` request body. */
export interface IlpSendRequest {
  destination: string;
  /** Unsigned integer as a decimal string. */
  amount: string;
  /** base64, at most 32767 bytes decoded. */
  data?: string;
  /** Default 30000. */
  timeoutMs?: number;
  /** Ask the payee for a signed receipt (docs/agents.md). */
  receipt?: boolean;
}

/** `/admin/ilp/send` response body. */
export type IlpSendResponse =
  | { accepted: true; fulfilled: true; fulfillment: string; data?: string; packetId?: string; receipt?: unknown }
  | { accepted: false; fulfilled: false; code: string; message: string; triggeredBy: string; data?: string; packetId?: string }
  /** Above the local policy's approvalAbove: waiting for POST /admin/approvals/:id (docs/agents.md). */
  | { accepted: false; fulfilled: false; pending: true; approvalId: string; expiresAt: string; data?: string };

export type HealthStatus = 'starting' | 'healthy' | 'degraded' | 'unhealthy';

/** `GET /health` body (the seed's fields plus the reasons behind the status). */
export interface HealthReport {
  status: HealthStatus;
  /** seconds */
  uptime: number;
  peersConnected: number;
  totalPeers: number;
  timestamp: string;
  nodeId: string;
  ilpAddress: string;
  version: string;
  /** `instance`: cluster only, the live instance that holds the link of a peer not connected here */
  checks: { ledger: boolean; btp: boolean; peers: { id: string; connected: boolean; instance?: string }[] };
  reasons: string[];
  /** BTP connections not yet authenticated, and those refused by the pre-auth caps since start. */
  preAuth?: { open: number; refused: number; lastRefusedAt?: string };
  /** The node's identity key, which signs payee receipts (docs/agents.md); set once started. */
  identity?: { algorithm: 'ed25519'; publicKey: string };
  /** Cluster only (cluster.enabled): this instance's id, the live and dead members, the links it holds. */
  cluster?: { instanceId: string; session: boolean; members: string[]; dead: string[]; leases: string[] };
}

/** The simple handler's request (seed: PaymentRequest). */
export interface PaymentRequest {
  paymentId: string;
  destination: string;
  /** decimal string */
  amount: string;
  /** ISO 8601 */
  expiresAt: string;
  /** base64 */
  data?: string;
  isTransit?: boolean;
}

/** The simple handler's response (seed: PaymentResponse). */
export interface PaymentResponse {
  accept: boolean;
  /** base64, at most 32767 bytes decoded */
  data?: string;
  rejectReason?: { code: string; message: string };
}

export type PaymentHandler = (request: PaymentRequest) => Promise<PaymentResponse> | PaymentResponse;

/** The raw handler's request (seed: LocalDeliveryRequest); binary fields base64. */
export interface LocalDeliveryRequest {
  destination: string;
  amount: string;
  executionCondition: string;
  expiresAt: string;
  data: string;
  sourcePeer: string;
  packetId: string;
}

/** The raw handler's response: exactly one of fulfill or reject (ILP terms, base64 binaries). */
export interface LocalDeliveryResponse {
  fulfill?: { fulfillment: string; data?: string };
  reject?: { code: string; message: string; data?: string };
}

export type LocalDeliveryHandler = (
  request: LocalDeliveryRequest,
  sourcePeer: string,
) => Promise<LocalDeliveryResponse> | LocalDeliveryResponse;
