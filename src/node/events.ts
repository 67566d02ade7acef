/**
 * The one typed event stream. The dashboard, the explorer, the metrics and `start --json` all read it.
 *
 * Emitting is cheap when nobody listens (`active` is false and the packet path skips building events).
 * Listeners receive events in batches, once per event-loop turn, so a busy node pays one callback per
 * listener per turn rather than one per packet.
 *
 * Per-packet events (packet:prepared, packet:fulfilled, packet:rejected) are built only while some
 * listener asked for them (`packetsActive`): the dashboard and the explorer show packets, while the
 * metrics and `start --json` (without `--events packets`) only count them. Counting goes through
 * `observePackets`, a plain function call per answered packet with no event object behind it.
 */

interface Base {
  seq: number;
  /** ms since the epoch */
  ts: number;
  nodeId: string;
}

export type PacketResult = 'fulfilled' | 'rejected';

export interface PacketPreparedEvent extends Base {
  type: 'packet:prepared';
  packetId: string;
  /** source peer id, or 'local' for the local agent */
  from: string;
  destination: string;
  amount: string;
}
export interface PacketFulfilledEvent extends Base {
  type: 'packet:fulfilled';
  packetId: string;
  from: string;
  /** next hop peer id, or 'local' */
  to: string;
  destination: string;
  amount: string;
  /** amount forwarded (after the fee), in the next hop's asset */
  amountOut: string;
  /** what this node kept, in the next hop's asset: the converted amount minus amountOut */
  fee: string;
  /** ms from ingress to the fulfill being sent upstream */
  latencyMs: number;
}
export interface PacketRejectedEvent extends Base {
  type: 'packet:rejected';
  packetId: string;
  from: string;
  to?: string;
  destination: string;
  amount: string;
  code: string;
  message: string;
  triggeredBy: string;
  latencyMs: number;
}
export interface PacketLateFulfillEvent extends Base {
  type: 'packet:late-fulfill';
  packetId: string;
  to: string;
  destination: string;
  amount: string;
  /** expired: after we stopped waiting; source-gone: the source's link closed and was not replaced */
  reason?: 'expired' | 'source-gone';
}
export interface PeerConnectedEvent extends Base {
  type: 'peer:connected';
  peerId: string;
  direction: 'inbound' | 'outbound';
}
export interface PeerDisconnectedEvent extends Base {
  type: 'peer:disconnected';
  peerId: string;
  reason: string;
}
export interface PeerReconnectingEvent extends Base {
  type: 'peer:reconnecting';
  peerId: string;
  attempt: number;
  /** ms until the next dial */
  delayMs: number;
}
/** A peer added, replaced or updated (`changed` lists the fields), or removed at runtime. */
export interface PeerChangedEvent extends Base {
  type: 'peer:added' | 'peer:updated' | 'peer:removed';
  peerId: string;
  relation?: 'parent' | 'peer' | 'child';
  changed?: string[];
}
/** A static route added or removed at runtime (and, later, learned routes). */
export interface RouteChangedEvent extends Base {
  type: 'route:added' | 'route:removed';
  prefix: string;
  nextHop: string;
}
export interface BalanceChangedEvent extends Base {
  type: 'balance:changed';
  account: string;
  balance: string;
}
export interface SettlementRequiredEvent extends Base {
  type: 'settlement:required';
  peerId: string;
  owed: string;
  threshold: string;
}
export interface ClaimSentEvent extends Base {
  type: 'settlement:claim-sent';
  peerId: string;
  chain: string;
  channelId: string;
  amount: string;
  cumulative: string;
}
export interface ClaimReceivedEvent extends Base {
  type: 'settlement:claim-received';
  peerId: string;
  chain: string;
  channelId: string;
  amount: string;
  cumulative: string;
}
export interface RedeemedEvent extends Base {
  type: 'settlement:redeemed';
  peerId: string;
  chain: string;
  channelId: string;
  amount: string;
  txHash: string;
}
export interface SettlementFailedEvent extends Base {
  type: 'settlement:failed';
  peerId: string;
  chain: string;
  reason: string;
}
/**
 * One of our own settlement transactions (open, deposit, withdraw, redeem, close, settle) changed state:
 * `pending` (sent or being sent, fewer than `required` blocks hold it), `final` (`required` blocks hold
 * it), `failed` (refused or reverted), `reorged` (its block left the chain; it is being sent again).
 */
export interface SettlementOperationEvent extends Base {
  type: 'settlement:operation';
  operationId: string;
  operation: 'open' | 'deposit' | 'withdraw' | 'redeem' | 'close' | 'settle';
  state: 'pending' | 'final' | 'failed' | 'reorged';
  peerId: string;
  chain: string;
  /** '' for an open until its channel id is known */
  channelId: string;
  txHash?: string;
  /** blocks holding the transaction so far (its own included) */
  confirmations: number;
  /** blocks that must hold it before it counts (settlement.evm.confirmations; 1 elsewhere) */
  required: number;
  /** asset units */
  amount?: string;
  /** gas (EVM), fee drops (XRPL) or gas units (Aptos), once final */
  gasUsed?: string;
  reason?: string;
}
/**
 * `peers[].settlement.autoDeposit` acted on our channel to a peer: `deposited` (a top-up, with the
 * channel's new deposit), `wallet-short` (our wallet cannot cover it), `at-cap` (the deposit is at
 * `maxDeposit`), `failed` (the deposit transaction failed). Amounts in the peer's asset units.
 */
export interface AutoDepositEvent extends Base {
  type: 'settlement:auto-deposit';
  peerId: string;
  chain: string;
  channelId: string;
  outcome: 'deposited' | 'wallet-short' | 'at-cap' | 'failed';
  /** the top-up (0 at the cap) */
  amount: string;
  /** what the channel covered beyond our latest claim before it */
  available: string;
  /** the channel's deposit after a top-up */
  deposit?: string;
  walletBalance?: string;
  /** wallet-short on a chain that holds part of the balance back (XRPL: base and owner reserve and the fee): that part */
  walletReserve?: string;
  txHash?: string;
  reason?: string;
}
/**
 * Our settlement wallet's balance as the lane just read it (autoDeposit checks, after each open and
 * deposit, and whenever the engine reads it): raw base units of the chain's asset (wei-like units,
 * `decimals` of them per whole token; XRPL drops), as a decimal string.
 */
export interface WalletBalanceEvent extends Base {
  type: 'settlement:wallet-balance';
  chain: string;
  /** the code of the asset the chain carries */
  asset: string;
  address: string;
  /** base units */
  balance: string;
  decimals: number;
  /** on chains that hold part of the balance back (XRPL: reserves and the fee): what can be spent, base units */
  spendable?: string;
}
/**
 * One of our settlement transactions (EVM): `sent` (persisted, then broadcast), `replaced` (same nonce,
 * higher fee), `resent` (the same signed bytes again: it left the pool, or a restart found it unsent),
 * `pending` (found in the pool at start), `mined`, `failed` (reverted, or refused when sent again),
 * `superseded` (another transaction took its nonce), `fee-capped` (lingering, and the cap forbids a bump).
 */
export interface SettlementTxEvent extends Base {
  type: 'settlement:tx';
  chain: string;
  /** the channel's peer, '' when unknown */
  peerId: string;
  channelId?: string;
  /** the contract call: openChannel, setTotalDeposit, claim, withdraw, closeChannel, cooperativeClose, settleChannel, approve */
  kind: string;
  outcome: 'sent' | 'replaced' | 'resent' | 'pending' | 'mined' | 'failed' | 'superseded' | 'fee-capped';
  txHash: string;
  nonce: number;
  reason?: string;
}
export interface ChannelEvent extends Base {
  type: 'channel:opened' | 'channel:funded' | 'channel:closing' | 'channel:settled';
  peerId: string;
  chain: string;
  channelId: string;
  deposit?: string;
  txHash?: string;
}
/** Rates changed, went stale (pairs touching `assets` get T00), came back, or the source failed. */
export type RatesEvent = Base &
  (
    | { type: 'rates:updated'; source: 'source' | 'admin'; assets: string[] }
    | { type: 'rates:stale'; assets: string[]; ageMs: number }
    | { type: 'rates:fresh'; assets: string[] }
    | { type: 'rates:error'; message: string }
  );
export interface NodeStartedEvent extends Base {
  type: 'node:started';
  ilpAddress: string;
  btpPort: number;
  healthPort: number;
  adminUrl?: string;
  /** the explorer's URL, when `explorer.enabled` */
  explorerUrl?: string;
  dataDir: string;
}
export interface NodeStoppingEvent extends Base {
  type: 'node:stopping';
  reason: string;
}
export interface NodeStatsEvent extends Base {
  type: 'node:stats';
  /** per second, over the last interval */
  packetsIn: number;
  fulfilledPerSec: number;
  rejectedPerSec: number;
  inFlight: number;
  totalFulfilled: number;
  totalRejected: number;
}

/** A ledger write failed: the node refuses payments (T00) until the store works again. */
export interface LedgerFaultEvent extends Base {
  type: 'ledger:fault';
  /** LEDGER_WRITE_FAILED (cleared when the store works again) or LEDGER_CORRUPT (damage found reading it: until a restart) */
  code?: 'LEDGER_WRITE_FAILED' | 'LEDGER_CORRUPT';
  /** the store's error (ENOSPC, EPERM, EIO ...) or the damage found */
  reason: string;
  dataDir: string;
}
/**
 * The store is damaged (LEDGER_CORRUPT): found at open (`open`: the node does not start), by the
 * check of a reopen after a failed write (`reopen`: the ledger stays stopped until a restart, which
 * refuses the store too) or where a journal page failing its checksum is read (`read`: verify,
 * export, folding). Each distinct damage once.
 */
export interface LedgerCorruptEvent extends Base {
  type: 'ledger:corrupt';
  phase: 'open' | 'reopen' | 'read';
  /** the damaged file (the store folder when no single file is named) */
  file: string;
  /** byte offset of the damaged record or block, when known */
  offset?: number;
  reason: string;
  /** where the store was copied before anything touched it */
  copiedTo?: string;
  dataDir: string;
}
/** The store works again: the losses of the fault (paid downstream, rejected upstream) are booked. */
export interface LedgerRecoveredEvent extends Base {
  type: 'ledger:recovered';
  lossesBooked: number;
  /** ms the ledger refused payments */
  downMs: number;
}

/**
 * Spend policies and approvals (docs/agents.md): a payment a policy refused (`subject` is `local` or
 * the peer id; `rule` names the rule), and each step of a local send waiting for approval.
 */
export type PolicyEvent = Base &
  (
    | { type: 'policy:denied'; subject: string; rule: string; code: string; destination: string; amount: string; message: string }
    | { type: 'approval:requested'; approvalId: string; destination: string; amount: string; expiresAt: string }
    | { type: 'approval:approved' | 'approval:denied' | 'approval:expired'; approvalId: string; destination: string; amount: string; by: string }
  );

export type NodeEvent =
  | PolicyEvent
  | PacketPreparedEvent
  | PacketFulfilledEvent
  | PacketRejectedEvent
  | PacketLateFulfillEvent
  | PeerConnectedEvent
  | PeerDisconnectedEvent
  | PeerReconnectingEvent
  | PeerChangedEvent
  | RouteChangedEvent
  | BalanceChangedEvent
  | SettlementRequiredEvent
  | ClaimSentEvent
  | SettlementTxEvent
  | ClaimReceivedEvent
  | RedeemedEvent
  | SettlementFailedEvent
  | SettlementOperationEvent
  | AutoDepositEvent
  | WalletBalanceEvent
  | ChannelEvent
  | RatesEvent
  | NodeStartedEvent
  | NodeStoppingEvent
  | NodeStatsEvent
  | LedgerFaultEvent
  | LedgerCorruptEvent
  | LedgerRecoveredEvent;

export type NodeEventType = NodeEvent['type'];

/** Distributive Omit so each union member keeps its own fields. */
type OmitBase<T> = T extends unknown ? Omit<T, 'seq' | 'ts' | 'nodeId'> : never;
export type NodeEventInput = OmitBase<NodeEvent>;

export type EventListener = (batch: readonly NodeEvent[]) => void;

/** Options of `subscribe`. */
export interface SubscribeOptions {
  /**
   * Whether this listener needs packet:prepared / packet:fulfilled / packet:rejected (default true).
   * A listener that says false may still see them in a batch when another listener asked for them.
   */
  packets?: boolean;
}

/** Called for every answered packet (not for fulfilled control traffic): `ilp` is the Fulfill or Reject sent back. */
export type PacketObserver = (fulfilled: boolean, latencyMs: number, ilp: Buffer) => void;

/** The stream's current state for late subscribers (dashboard, explorer). */
export interface EventSnapshot {
  nodeId: string;
  seq: number;
  peers: Record<string, { connected: boolean; direction?: 'inbound' | 'outbound'; reconnectAttempt?: number }>;
  balances: Record<string, string>;
  totals: { fulfilled: number; rejected: number; inFlight: number };
  lastStats?: NodeStatsEvent;
}

export class EventStream {
  private readonly listeners = new Set<EventListener>();
  private readonly packetListeners = new Set<EventListener>();
  private observers: PacketObserver[] = [];
  private pending: NodeEvent[] = [];
  private scheduled = false;
  private seq = 0;
  private readonly state: EventSnapshot;
  /** True when at least one listener is attached. */
  active = false;
  /** True when some listener wants per-packet events; the packet path checks it before building them. */
  packetsActive = false;
  /** Packets in flight through the node right now (kept by the packet path; read by the metrics at scrape time). */
  inFlightNow = 0;

  constructor(readonly nodeId: string) {
    this.state = { nodeId, seq: 0, peers: {}, balances: {}, totals: { fulfilled: 0, rejected: 0, inFlight: 0 } };
  }

  /** Subscribe; returns the unsubscribe function. */
  subscribe(listener: EventListener, options: SubscribeOptions = {}): () => void {
    this.listeners.add(listener);
    if (options.packets !== false) this.packetListeners.add(listener);
    this.active = true;
    this.packetsActive = this.packetListeners.size > 0;
    return () => {
      this.listeners.delete(listener);
      this.packetListeners.delete(listener);
      this.active = this.listeners.size > 0;
      this.packetsActive = this.packetListeners.size > 0;
    };
  }

  /** Calls `observer` for every answered packet; returns the function that stops it. */
  observePackets(observer: PacketObserver): () => void {
    this.observers = [...this.observers, observer];
    return () => {
      this.observers = this.observers.filter((o) => o !== observer);
    };
  }

  /** The packet path's report of an answered packet: totals, then the observers (no event object). */
  packetDone(fulfilled: boolean, started: number, ilp: Buffer): void {
    if (fulfilled) this.state.totals.fulfilled++;
    else this.state.totals.rejected++;
    const observers = this.observers;
    if (observers.length === 0) return;
    const latencyMs = Date.now() - started;
    for (let i = 0; i < observers.length; i++) {
      try {
        observers[i](fulfilled, latencyMs, ilp);
      } catch {
        // an observer that throws must never break the packet path
      }
    }
  }

  emit(input: NodeEventInput): void {
    const event = input as NodeEvent;
    event.seq = ++this.seq;
    event.ts = Date.now();
    event.nodeId = this.nodeId;
    this.track(event);
    if (!this.active) return;
    this.pending.push(event);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.deliver);
    }
  }

  /** Deliver whatever is queued now (used on stop, so the last events are not lost). */
  flushNow(): void {
    this.deliver();
  }

  snapshot(): EventSnapshot {
    return structuredClone({ ...this.state, seq: this.seq });
  }

  /** Totals the packet path keeps without building events (cheap counters). */
  countPacket(result: PacketResult): void {
    if (result === 'fulfilled') this.state.totals.fulfilled++;
    else this.state.totals.rejected++;
  }

  setInFlight(n: number): void {
    this.state.totals.inFlight = n;
  }

  private readonly deliver = (): void => {
    this.scheduled = false;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    for (const listener of this.listeners) {
      try {
        listener(batch);
      } catch {
        // A view that throws must never take the node down; it simply misses this batch.
      }
    }
  };

  private track(e: NodeEvent): void {
    switch (e.type) {
      case 'peer:connected':
        this.state.peers[e.peerId] = { connected: true, direction: e.direction };
        break;
      case 'peer:disconnected':
        this.state.peers[e.peerId] = { ...this.state.peers[e.peerId], connected: false };
        break;
      case 'peer:reconnecting':
        this.state.peers[e.peerId] = { ...this.state.peers[e.peerId], connected: false, reconnectAttempt: e.attempt };
        break;
      case 'peer:removed':
        delete this.state.peers[e.peerId];
        break;
      case 'balance:changed':
        this.state.balances[e.account] = e.balance;
        break;
      case 'node:stats':
        this.state.lastStats = e;
        break;
      default:
        break;
    }
  }
}
