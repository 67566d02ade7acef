/**
 * Prometheus metrics for one node, served at `/metrics` on the health port.
 *
 * Every node owns its own prom-client Registry (never the global default one), so two nodes in one
 * process keep separate numbers. The metrics are driven only by the event stream: one listener per
 * event-loop turn walks the batch, and the work per event is a counter increment, a gauge set or a
 * histogram observation on a cached label child — no allocation, no lookup by label object.
 *
 * Subscribing switches on per-packet event building in the node (EventStream.active); that cost is
 * what the metrics are for, and it is paid once, however many views listen.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { EventStream, NodeEvent } from '../events.js';
import type { NodeApi } from './node-api.js';

/** The metrics of one node: render them, or stop listening. */
export interface NodeMetrics {
  /** The node's own registry (tests and embedders may read single metrics from it). */
  readonly registry: Registry;
  /** The Prometheus text exposition, as createHealthServer's `metrics` option wants it. */
  render(): Promise<{ contentType: string; body: string }>;
  /** Unsubscribes from the event stream. Idempotent. */
  close(): void;
}

/** Latency buckets in seconds: 0.5 ms to 30 s (the default maxHoldTimeMs). */
export const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Caches label children by one string key, so the hot path never builds a label object. */
function cached<C>(labels: (...values: string[]) => C): (key: string, ...values: string[]) => C {
  const children = new Map<string, C>();
  return (key, ...values) => {
    let child = children.get(key);
    if (child === undefined) {
      child = labels(...values);
      children.set(key, child);
    }
    return child;
  };
}

/** Amounts are decimal strings of up to 64 bits; Prometheus values are doubles anyway. */
function num(amount: string | undefined): number {
  if (amount === undefined) return 0;
  const n = Number(amount);
  return Number.isFinite(n) ? n : 0;
}

/**
 * Creates the metrics of a node and subscribes them to its event stream.
 *
 * Balances and peer states are seeded from `node` (getAccounts, listPeers) and the stream's
 * snapshot, so metrics created after start still report the current values; from then on only
 * events move them.
 */
export function createMetrics(events: EventStream, node: Pick<NodeApi, 'nodeId' | 'version' | 'listPeers' | 'getAccounts'>): NodeMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ node_id: node.nodeId });
  const registers = [registry];

  const info = new Gauge({ name: 'ilp_node_info', help: 'Always 1; the labels carry the version.', labelNames: ['version'], registers });
  info.labels(node.version).set(1);

  const packets = new Counter({
    name: 'ilp_packets_total',
    help: 'Packets handled, by result (fulfilled, rejected) and ILP error code (empty when fulfilled).',
    labelNames: ['result', 'code'],
    registers,
  });
  const latency = new Histogram({
    name: 'ilp_packet_latency_seconds',
    help: 'Time from a Prepare entering the node to its Fulfill or Reject leaving it.',
    labelNames: ['result'],
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const inFlight = new Gauge({ name: 'ilp_packets_in_flight', help: 'Prepares waiting for a Fulfill or Reject.', registers });
  const late = new Counter({ name: 'ilp_packets_late_fulfill_total', help: 'Fulfills that came back after the expiry we sent (not booked).', registers });
  const balance = new Gauge({
    name: 'ilp_account_balance',
    help: 'Ledger balance per account in the node asset units (positive: the account owes us).',
    labelNames: ['account'],
    registers,
  });
  const connected = new Gauge({ name: 'ilp_peer_connected', help: '1 when the peer has an open, authenticated BTP link.', labelNames: ['peer'], registers });
  const reconnects = new Counter({ name: 'ilp_peer_reconnects_total', help: 'Dial attempts after a lost link.', labelNames: ['peer'], registers });
  const required = new Counter({
    name: 'ilp_settlements_required_total',
    help: 'Times what we owe a peer crossed its settle threshold.',
    labelNames: ['peer'],
    registers,
  });
  const claims = new Counter({
    name: 'ilp_claims_total',
    help: 'Payment-channel claims, by direction (sent, received).',
    labelNames: ['peer', 'chain', 'direction'],
    registers,
  });
  const claimAmount = new Counter({
    name: 'ilp_claim_amount_total',
    help: 'Sum of claim increases in the node asset units, by direction.',
    labelNames: ['peer', 'chain', 'direction'],
    registers,
  });
  const redeemed = new Counter({ name: 'ilp_settlements_redeemed_total', help: 'Claims redeemed on-chain.', labelNames: ['peer', 'chain'], registers });
  const redeemedAmount = new Counter({
    name: 'ilp_settlement_redeemed_amount_total',
    help: 'Sum redeemed on-chain in the node asset units.',
    labelNames: ['peer', 'chain'],
    registers,
  });
  const failures = new Counter({ name: 'ilp_settlement_failures_total', help: 'Failed settlement attempts.', labelNames: ['peer', 'chain'], registers });
  const channelEvents = new Counter({
    name: 'ilp_channel_events_total',
    help: 'Payment channel lifecycle events (opened, funded, closing, settled).',
    labelNames: ['chain', 'event'],
    registers,
  });
  const channels = new Gauge({
    name: 'ilp_channels',
    help: 'Payment channels by their last known state.',
    labelNames: ['chain', 'state'],
    registers,
  });

  const packetChild = cached((...v) => packets.labels(...v));
  const fulfilledCounter = packetChild('fulfilled', 'fulfilled', '');
  const fulfilledLatency = latency.labels('fulfilled');
  const rejectedLatency = latency.labels('rejected');
  const balanceChild = cached((...v) => balance.labels(...v));
  const connectedChild = cached((...v) => connected.labels(...v));
  const reconnectChild = cached((...v) => reconnects.labels(...v));
  const requiredChild = cached((...v) => required.labels(...v));
  const claimChild = cached((...v) => claims.labels(...v));
  const claimAmountChild = cached((...v) => claimAmount.labels(...v));
  const redeemedChild = cached((...v) => redeemed.labels(...v));
  const redeemedAmountChild = cached((...v) => redeemedAmount.labels(...v));
  const failureChild = cached((...v) => failures.labels(...v));
  const channelEventChild = cached((...v) => channelEvents.labels(...v));
  const channelChild = cached((...v) => channels.labels(...v));
  /** channelId -> `${chain}\0${state}`: a channel counts once, in its last state. */
  const channelState = new Map<string, string>();
  let pending = 0;

  // Seed the current values: balances and peers change rarely, and a scrape right after start must
  // not show an empty node. Packet counters start at zero with the registry, as Prometheus expects.
  try {
    for (const a of node.getAccounts()) balanceChild(a.account, a.account).set(num(a.balance));
    for (const p of node.listPeers()) connectedChild(p.id, p.id).set(p.connected ? 1 : 0);
  } catch {
    // not started yet: the events fill these in
  }
  const snap = events.snapshot();
  for (const [account, value] of Object.entries(snap.balances)) balanceChild(account, account).set(num(value));
  for (const [peer, state] of Object.entries(snap.peers)) connectedChild(peer, peer).set(state.connected ? 1 : 0);
  pending = snap.totals.inFlight;
  inFlight.set(pending);

  const onEvent = (e: NodeEvent): void => {
    switch (e.type) {
      case 'packet:prepared':
        pending++;
        break;
      case 'packet:fulfilled':
        if (pending > 0) pending--;
        fulfilledCounter.inc();
        fulfilledLatency.observe(e.latencyMs / 1000);
        break;
      case 'packet:rejected':
        if (pending > 0) pending--;
        packetChild(e.code, 'rejected', e.code).inc();
        rejectedLatency.observe(e.latencyMs / 1000);
        break;
      case 'packet:late-fulfill':
        late.inc();
        break;
      case 'node:stats':
        // The node's own count, exact at the moment the event was emitted: it corrects any drift
        // (a packet prepared before we subscribed, or while nobody listened).
        pending = e.inFlight;
        break;
      case 'balance:changed':
        balanceChild(e.account, e.account).set(num(e.balance));
        break;
      case 'peer:connected':
        connectedChild(e.peerId, e.peerId).set(1);
        break;
      case 'peer:disconnected':
        connectedChild(e.peerId, e.peerId).set(0);
        break;
      case 'peer:reconnecting':
        connectedChild(e.peerId, e.peerId).set(0);
        reconnectChild(e.peerId, e.peerId).inc();
        break;
      case 'settlement:required':
        requiredChild(e.peerId, e.peerId).inc();
        break;
      case 'settlement:claim-sent':
      case 'settlement:claim-received': {
        const direction = e.type === 'settlement:claim-sent' ? 'sent' : 'received';
        const key = `${e.peerId}\0${e.chain}\0${direction}`;
        claimChild(key, e.peerId, e.chain, direction).inc();
        claimAmountChild(key, e.peerId, e.chain, direction).inc(num(e.amount));
        break;
      }
      case 'settlement:redeemed': {
        const key = `${e.peerId}\0${e.chain}`;
        redeemedChild(key, e.peerId, e.chain).inc();
        redeemedAmountChild(key, e.peerId, e.chain).inc(num(e.amount));
        break;
      }
      case 'settlement:failed':
        failureChild(`${e.peerId}\0${e.chain}`, e.peerId, e.chain).inc();
        break;
      case 'channel:opened':
      case 'channel:funded':
      case 'channel:closing':
      case 'channel:settled': {
        const state = e.type.slice('channel:'.length);
        channelEventChild(`${e.chain}\0${state}`, e.chain, state).inc();
        moveChannel(e.channelId, e.chain, state === 'funded' ? 'open' : state === 'opened' ? 'open' : state);
        break;
      }
      default:
        break;
    }
  };

  function moveChannel(channelId: string, chain: string, state: string): void {
    const key = `${chain}\0${state}`;
    const before = channelState.get(channelId);
    if (before === key) return;
    if (before !== undefined) {
      const [c, s] = before.split('\0');
      channelChild(before, c, s).dec();
    }
    channelState.set(channelId, key);
    channelChild(key, chain, state).inc();
  }

  const unsubscribe = events.subscribe((batch) => {
    for (const e of batch) onEvent(e);
    inFlight.set(pending);
  });
  let closed = false;

  return {
    registry,
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
    close() {
      if (closed) return;
      closed = true;
      unsubscribe();
    },
  };
}
