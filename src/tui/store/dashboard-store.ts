/**
 * The dashboard's mutable store and its reducer. Every event costs O(1): counters, a map update, or a
 * push into a bounded ring. Nothing here renders; a timer reads `version` and copies a view model out
 * (see view-model.ts) at most ten times a second.
 */
import type {
  AutoDepositEvent,
  ChannelEvent,
  ClaimReceivedEvent,
  ClaimSentEvent,
  EventSnapshot,
  NodeEvent,
  PacketFulfilledEvent,
  PacketLateFulfillEvent,
  PacketRejectedEvent,
  RedeemedEvent,
  SettlementFailedEvent,
  SettlementOperationEvent,
  SettlementRequiredEvent,
} from '../../node/events.js';
import type { ClusterView } from './cluster.js';
import type { HttpPeerActivity, PeerRelation } from '../../node/types.js';
import type { DashboardPeer, DefenceCounters } from '../source.js';
import { RingBuffer } from './ring-buffer.js';
import type { RoutesStore } from './routes.js';

/** A finished packet as the packet pane lists it. */
export type PacketRecord = PacketFulfilledEvent | PacketRejectedEvent | PacketLateFulfillEvent;
/** A settlement or channel event as the settlements pane lists it. */
export type ActivityRecord = SettlementRequiredEvent | ClaimSentEvent | ClaimReceivedEvent | RedeemedEvent | SettlementFailedEvent | SettlementOperationEvent | AutoDepositEvent | ChannelEvent;

/** The last settlement step seen for a peer. */
export interface PeerSettlement {
  state: 'idle' | 'required' | 'claim-sent' | 'claim-received' | 'redeemed' | 'failed';
  /** amount of that step (asset units), or the failure reason */
  detail?: string;
  ts?: number;
}

export interface PeerState {
  id: string;
  relation?: PeerRelation;
  connected: boolean;
  /** set while the node is re-dialling it */
  reconnectAttempt?: number;
  /** what it owes us (asset units, signed decimal string) */
  balance: string;
  creditLimit?: string;
  settleThreshold?: string;
  chain?: string;
  /** its asset: balance, limits and claims are amounts of it */
  asset?: { code: string; scale: number };
  settlement: PeerSettlement;
  /** 'http' for an ILP-over-HTTP peer, with its request counts */
  transport?: 'http';
  http?: HttpPeerActivity;
}

export interface ChannelState {
  channelId: string;
  peerId: string;
  chain: string;
  state: 'opened' | 'funded' | 'closing' | 'settled';
  deposit?: string;
  txHash?: string;
  /** our latest claim's cumulative amount (outgoing channels): `LOW` when it leaves under 10% of the deposit */
  claimed?: string;
}

export interface SettlementTotals {
  claimsSent: number;
  claimsSentAmount: bigint;
  claimsReceived: number;
  claimsReceivedAmount: bigint;
  redeemed: number;
  failed: number;
  /** our settlement transactions waiting for their confirmations (pending or reorged) */
  operationsPending: number;
  /** our settlement transactions final since the dashboard started */
  operationsFinal: number;
  /** the newest waiting one, e.g. `deposit 1/3` */
  pendingOperation?: string;
}

/** What the node's defences did: shown on the header's defence line once any is non-zero. */
export interface Defences {
  /** the store error while the ledger refuses payments (fail-stop); undefined when it works */
  ledgerFault: string | undefined;
  /** BTP connections refused past a pre-auth cap */
  preAuthRefused: number;
  /** Prepares refused with T03 by an in-flight cap */
  inFlightRejected: number;
  /** fulfills not passed upstream (not booked) and the sum of their amounts, as the node recorded them (durable) */
  lateFulfills: number;
  lateAmount: bigint;
}

/** Sizes of the bounded lists. */
export const PACKET_HISTORY = 1000;
export const ACTIVITY_HISTORY = 100;
/** Throughput samples kept for the sparkline (one per node:stats, i.e. per second). */
export const THROUGHPUT_HISTORY = 240;

export interface DashboardStore {
  nodeId: string;
  ilpAddress: string;
  /** Bumped by every change; the render timer compares it. */
  version: number;
  status: string;
  /** node uptime in s at `uptimeAt` (ms since the epoch) */
  uptimeSec: number;
  uptimeAt: number;
  stopping: boolean;
  totals: { fulfilled: number; rejected: number; late: number };
  /** in flight at the last node:stats, adjusted by every prepared and finished packet since */
  inFlight: number;
  rates: { inPerSec: number; outPerSec: number; fulfilledPerSec: number; rejectedPerSec: number };
  /** counted since the last node:stats */
  window: { since: number; prepared: number; out: number };
  throughput: RingBuffer<number>;
  packets: RingBuffer<PacketRecord>;
  peers: Map<string, PeerState>;
  /** every account's balance, e.g. 'fees', 'agent', 'peer:alice' */
  balances: Map<string, string>;
  activity: RingBuffer<ActivityRecord>;
  channels: Map<string, ChannelState>;
  /** our settlement transactions not final yet, by operation id */
  operations: Map<string, SettlementOperationEvent>;
  settlement: SettlementTotals;
  defences: Defences;
  /** set by events after which the node's peer list is worth reading again (stats, peer changes) */
  peersStale: boolean;
  /** static and learned routes, re-read with the peers (see routes.ts) */
  routes: RoutesStore;
  /** the node's own asset (its local agent's): what `local` packets are amounts of; unknown: units */
  nodeAsset?: { code: string; scale: number };
  /** cluster instances only: this instance, its leases and the lane leaders, from the health (health.ts) */
  cluster?: ClusterView;
}

const PEER_ACCOUNT = 'peer:';

/** A store seeded from the stream's snapshot (take it right after subscribing). */
export function createStore(snapshot: EventSnapshot, ilpAddress: string, now = Date.now()): DashboardStore {
  const s: DashboardStore = {
    nodeId: snapshot.nodeId,
    ilpAddress,
    version: 1,
    status: 'starting',
    uptimeSec: 0,
    uptimeAt: now,
    stopping: false,
    totals: { fulfilled: snapshot.totals.fulfilled, rejected: snapshot.totals.rejected, late: 0 },
    inFlight: snapshot.totals.inFlight,
    rates: { inPerSec: 0, outPerSec: 0, fulfilledPerSec: 0, rejectedPerSec: 0 },
    window: { since: now, prepared: 0, out: 0 },
    throughput: new RingBuffer<number>(THROUGHPUT_HISTORY),
    packets: new RingBuffer<PacketRecord>(PACKET_HISTORY),
    peers: new Map(),
    balances: new Map(Object.entries(snapshot.balances)),
    activity: new RingBuffer<ActivityRecord>(ACTIVITY_HISTORY),
    channels: new Map(),
    operations: new Map(),
    settlement: { claimsSent: 0, claimsSentAmount: 0n, claimsReceived: 0, claimsReceivedAmount: 0n, redeemed: 0, failed: 0, operationsPending: 0, operationsFinal: 0 },
    defences: { ledgerFault: undefined, preAuthRefused: 0, inFlightRejected: 0, lateFulfills: 0, lateAmount: 0n },
    peersStale: true,
    routes: { routes: [], key: '' },
  };
  for (const [id, p] of Object.entries(snapshot.peers)) {
    const peer = peerOf(s, id);
    peer.connected = p.connected;
    peer.reconnectAttempt = p.connected ? undefined : p.reconnectAttempt;
  }
  if (snapshot.lastStats) {
    const st = snapshot.lastStats;
    s.rates = { inPerSec: st.packetsIn, outPerSec: st.packetsIn, fulfilledPerSec: st.fulfilledPerSec, rejectedPerSec: st.rejectedPerSec };
  }
  return s;
}

function peerOf(s: DashboardStore, id: string): PeerState {
  let p = s.peers.get(id);
  if (!p) {
    p = { id, connected: false, balance: s.balances.get(PEER_ACCOUNT + id) ?? '0', settlement: { state: 'idle' } };
    s.peers.set(id, p);
  }
  return p;
}

/** Applies one batch from the stream (one version bump per batch). */
export function applyBatch(s: DashboardStore, batch: readonly NodeEvent[]): void {
  for (let i = 0; i < batch.length; i++) applyEvent(s, batch[i]);
}

/** The reducer: O(1) per event. */
export function applyEvent(s: DashboardStore, e: NodeEvent): void {
  s.version++;
  switch (e.type) {
    case 'packet:prepared':
      s.window.prepared++;
      s.inFlight++;
      return;
    case 'packet:fulfilled':
      s.totals.fulfilled++;
      finished(s, e, e.to);
      return;
    case 'packet:rejected':
      s.totals.rejected++;
      finished(s, e, e.to);
      return;
    case 'packet:late-fulfill':
      s.totals.late++;
      s.packets.push(e);
      return;
    case 'ledger:fault':
      s.defences.ledgerFault = e.reason;
      return;
    case 'ledger:recovered':
      s.defences.ledgerFault = undefined;
      return;
    case 'ledger:corrupt':
      // a damaged store found by a reopen: the ledger stays stopped (found elsewhere, it still books)
      if (e.phase === 'reopen') s.defences.ledgerFault = `store damaged: ${e.file}${e.offset === undefined ? '' : ` at offset ${e.offset}`} (LEDGER_CORRUPT: ledger salvage)`;
      return;
    case 'balance:changed': {
      s.balances.set(e.account, e.balance);
      if (e.account.startsWith(PEER_ACCOUNT)) peerOf(s, e.account.slice(PEER_ACCOUNT.length)).balance = e.balance;
      return;
    }
    case 'peer:connected': {
      const p = peerOf(s, e.peerId);
      p.connected = true;
      p.reconnectAttempt = undefined;
      s.peersStale = true;
      return;
    }
    case 'peer:disconnected':
      peerOf(s, e.peerId).connected = false;
      return;
    case 'peer:reconnecting': {
      const p = peerOf(s, e.peerId);
      p.connected = false;
      p.reconnectAttempt = e.attempt;
      return;
    }
    case 'node:stats':
      s.peersStale = true;
      stats(s, e.ts, e.inFlight, e.totalFulfilled, e.totalRejected, e.fulfilledPerSec, e.rejectedPerSec);
      return;
    case 'node:started':
      s.ilpAddress = e.ilpAddress;
      return;
    case 'node:stopping':
      s.stopping = true;
      s.status = 'stopping';
      return;
    default:
      settlementOrChannel(s, e);
  }
}

function finished(s: DashboardStore, e: PacketFulfilledEvent | PacketRejectedEvent, to: string | undefined): void {
  if (s.inFlight > 0) s.inFlight--;
  if (to !== undefined && to !== '' && to !== 'local') s.window.out++;
  s.packets.push(e);
}

function stats(s: DashboardStore, ts: number, inFlight: number, fulfilled: number, rejected: number, fps: number, rps: number): void {
  const secs = Math.max(0.001, (ts - s.window.since) / 1000);
  s.rates = {
    inPerSec: Math.round(s.window.prepared / secs),
    outPerSec: Math.round(s.window.out / secs),
    fulfilledPerSec: fps,
    rejectedPerSec: rps,
  };
  s.throughput.push(s.rates.inPerSec);
  s.window = { since: ts, prepared: 0, out: 0 };
  // The node's counters are the truth (they also count what happened before we subscribed); the
  // events that follow this one in the stream happened after it, so counting on from here is exact.
  s.inFlight = inFlight;
  s.totals.fulfilled = fulfilled;
  s.totals.rejected = rejected;
}

function settlementOrChannel(s: DashboardStore, e: ActivityRecord | NodeEvent): void {
  switch (e.type) {
    case 'settlement:required':
      setSettlement(s, e.peerId, { state: 'required', detail: e.owed, ts: e.ts });
      break;
    case 'settlement:claim-sent':
      s.settlement.claimsSent++;
      s.settlement.claimsSentAmount += BigInt(e.amount);
      setSettlement(s, e.peerId, { state: 'claim-sent', detail: e.cumulative, ts: e.ts });
      if (s.channels.has(e.channelId)) s.channels.set(e.channelId, { ...s.channels.get(e.channelId)!, claimed: e.cumulative });
      break;
    case 'settlement:claim-received':
      s.settlement.claimsReceived++;
      s.settlement.claimsReceivedAmount += BigInt(e.amount);
      setSettlement(s, e.peerId, { state: 'claim-received', detail: e.cumulative, ts: e.ts });
      break;
    case 'settlement:redeemed':
      s.settlement.redeemed++;
      setSettlement(s, e.peerId, { state: 'redeemed', detail: e.amount, ts: e.ts });
      break;
    case 'settlement:failed':
      s.settlement.failed++;
      setSettlement(s, e.peerId, { state: 'failed', detail: e.reason, ts: e.ts });
      break;
    case 'settlement:operation':
      if (!operation(s, e)) return;
      break;
    case 'settlement:auto-deposit':
      break;
    case 'channel:opened':
    case 'channel:funded':
    case 'channel:closing':
    case 'channel:settled': {
      const prev = s.channels.get(e.channelId);
      s.channels.set(e.channelId, {
        channelId: e.channelId,
        peerId: e.peerId,
        chain: e.chain,
        state: e.type.slice('channel:'.length) as ChannelState['state'],
        deposit: e.deposit ?? prev?.deposit,
        txHash: e.txHash ?? prev?.txHash,
        claimed: prev?.claimed,
      });
      break;
    }
    default:
      return;
  }
  s.activity.push(e);
}

/**
 * Folds an operation's state in; true when it belongs in the activity list (it started, was reorged,
 * or ended: the hash and confirmation updates in between only move the summary).
 */
function operation(s: DashboardStore, e: SettlementOperationEvent): boolean {
  const had = s.operations.has(e.operationId);
  if (e.state === 'final' || e.state === 'failed') {
    s.operations.delete(e.operationId);
    if (e.state === 'final') s.settlement.operationsFinal++;
  } else {
    s.operations.set(e.operationId, e);
  }
  s.settlement.operationsPending = s.operations.size;
  let newest: SettlementOperationEvent | undefined;
  for (const op of s.operations.values()) newest = op;
  s.settlement.pendingOperation = newest === undefined ? undefined : `${newest.operation} ${newest.state === 'reorged' ? 'reorged' : `${newest.confirmations}/${newest.required}`}`;
  return !had || e.state !== 'pending';
}

function setSettlement(s: DashboardStore, peerId: string, st: PeerSettlement): void {
  peerOf(s, peerId).settlement = st;
}

/** Merges the node's own peer list (relations, limits, current balances); drops removed peers. */
export function refreshPeers(s: DashboardStore, peers: readonly DashboardPeer[]): void {
  const seen = new Set<string>();
  for (const info of peers) {
    seen.add(info.id);
    const p = peerOf(s, info.id);
    p.relation = info.relation;
    p.connected = info.connected;
    if (info.connected) p.reconnectAttempt = undefined;
    p.balance = info.balance;
    p.creditLimit = info.creditLimit;
    p.settleThreshold = info.settleThreshold;
    p.chain = info.settlement?.chain;
    p.transport = info.transport;
    p.http = info.http;
    p.asset = info.asset;
  }
  for (const id of s.peers.keys()) if (!seen.has(id)) s.peers.delete(id);
  s.peersStale = false;
  s.version++;
}

/** Takes the node's defence counters (they also count what happened before we subscribed). */
export function refreshDefences(s: DashboardStore, c: DefenceCounters): void {
  const d = s.defences;
  d.preAuthRefused = c.preAuth?.refused ?? 0;
  let rejected = 0;
  for (const n of c.inFlightRejected.values()) rejected += n;
  d.inFlightRejected = rejected;
  let count = 0;
  let amount = 0n;
  for (const t of c.lateFulfills().values()) {
    count += t.count;
    amount += t.amount;
  }
  d.lateFulfills = count;
  d.lateAmount = amount;
  s.version++;
}

// refreshHealth lives in health.ts (with the cluster fields); re-exported for the store's callers
export { refreshHealth } from './health.js';
