/**
 * Prometheus metrics for one node, served at `/metrics` on the health port.
 *
 * Every node owns its own prom-client Registry (never the global default one), so two nodes in one
 * process keep separate numbers. The metrics are driven only by the event stream: one listener per
 * event-loop turn walks the batch.
 *
 * The per-event work is a plain number increment or a Map set. prom-client's own `inc()` and
 * `observe()` validate and hash their labels on every call (about 1 µs per packet with labels),
 * so the event listener keeps its own tallies and prom-client reads them only when Prometheus
 * scrapes: counters and gauges through their `collect()` hook, the latency histogram through
 * BucketHistogram below.
 *
 * Packets are counted through `events.observePackets` (one function call per answered packet, no
 * event object) and the in-flight gauge is read from the packet path's live count at scrape time, so
 * the metrics never switch on per-packet event building (they subscribe with `packets: false`).
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { EventStream, NodeEvent } from '../events.js';
import { deserializeReject } from '../ilp/packet.js';
import type { NodeApi } from './node-api.js';
import { registerSecurityMetrics } from './security-metrics.js';

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

/** Separates label values in a tally key (never part of a peer id, account, chain or ILP code). */
const SEP = '\u0000';

/** Values by label key (`label values joined by SEP`), kept by the event listener. */
type Tally = Map<string, number>;

function add(t: Tally, key: string, n = 1): void {
  t.set(key, (t.get(key) ?? 0) + n);
}

/** `{peer: 'bob', chain: 'evm'}` from the key `bob\0evm`. */
function labelsOf(names: readonly string[], key: string): Record<string, string> {
  const values = key.split(SEP);
  const out: Record<string, string> = {};
  for (let i = 0; i < names.length; i++) out[names[i]] = values[i] ?? '';
  return out;
}

/** A counter whose values come from a tally at scrape time. */
function tallyCounter(registry: Registry, name: string, help: string, labelNames: string[], tally: Tally): Counter {
  return new Counter({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const [key, v] of tally) {
        if (labelNames.length === 0) this.inc(v);
        else this.inc(labelsOf(labelNames, key), v);
      }
    },
  });
}

/** A gauge whose values come from a tally at scrape time. */
function tallyGauge(registry: Registry, name: string, help: string, labelNames: string[], tally: Tally): Gauge {
  return new Gauge({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const [key, v] of tally) {
        if (labelNames.length === 0) this.set(v);
        else this.set(labelsOf(labelNames, key), v);
      }
    },
  });
}

/** One histogram series: cumulative counts are computed at scrape time. */
export interface Series {
  counts: number[];
  sum: number;
  count: number;
}

/**
 * A histogram fed by `record()` (an array index and two additions) instead of prom-client's
 * `observe()`; prom-client still owns its name, help, type and registration, and the registry
 * renders the values this class returns. With `source`, the series are read from it at scrape time
 * instead (their counts per bucket of `bounds`, kept by whoever owns them).
 */
export class BucketHistogram extends Histogram<string> {
  private readonly series = new Map<string, Series>();

  constructor(
    registry: Registry,
    name: string,
    help: string,
    private readonly label: string,
    private readonly bounds: readonly number[],
    private readonly source?: () => Iterable<[string, Series]>,
  ) {
    super({ name, help, labelNames: [label], buckets: [...bounds], registers: [registry] });
  }

  /** Records one observation (in the histogram's unit) for the series `value` of the label. */
  record(value: string, x: number): void {
    let s = this.series.get(value);
    if (s === undefined) {
      s = { counts: new Array<number>(this.bounds.length).fill(0), sum: 0, count: 0 };
      this.series.set(value, s);
    }
    const b = this.bounds;
    let i = 0;
    while (i < b.length && x > b[i]) i++;
    if (i < b.length) s.counts[i]++;
    s.sum += x;
    s.count++;
  }

  override get(): ReturnType<Histogram<string>['get']> {
    // prom-client sets these on every metric; its typings do not list them on Histogram.
    const self = this as unknown as Omit<Awaited<ReturnType<Histogram<string>['get']>>, 'values'>;
    const values: Awaited<ReturnType<Histogram<string>['get']>>['values'] = [];
    const name = self.name;
    for (const [v, s] of this.source?.() ?? this.series) {
      let acc = 0;
      for (let i = 0; i < this.bounds.length; i++) {
        acc += s.counts[i];
        values.push({ labels: { [this.label]: v, le: this.bounds[i] }, value: acc, metricName: `${name}_bucket` });
      }
      values.push({ labels: { [this.label]: v, le: '+Inf' }, value: s.count, metricName: `${name}_bucket` });
      values.push({ labels: { [this.label]: v }, value: s.sum, metricName: `${name}_sum` });
      values.push({ labels: { [this.label]: v }, value: s.count, metricName: `${name}_count` });
    }
    return Promise.resolve({ name, help: self.help, type: self.type, aggregator: self.aggregator, collect: self.collect, values });
  }

  /** What the registry calls for the text format (prom-client's own would read the unused observe() state). */
  getForPromString(): ReturnType<Histogram<string>['get']> {
    return this.get();
  }
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
export function createMetrics(events: EventStream, node: Pick<NodeApi, 'nodeId' | 'version' | 'listPeers' | 'getAccounts' | 'security' | 'accountAsset'>): NodeMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ node_id: node.nodeId });
  if (node.security) registerSecurityMetrics(registry, node.security);

  // What the event listener keeps (plain numbers); prom-client reads them at scrape time.
  const packets: Tally = new Map(); // result SEP code
  const late: Tally = new Map();
  const inFlight: Tally = new Map();
  const balances: Tally = new Map(); // account SEP asset code SEP asset scale
  /** account → its key in `balances` (an account's asset changes only at a zero balance, rarely) */
  const balanceKeys = new Map<string, string>();
  const setBalance = (account: string, value: number, asset: { code: string; scale: number } | undefined): void => {
    const before = balanceKeys.get(account);
    const key = asset === undefined ? (before ?? `${account}${SEP}${SEP}`) : `${account}${SEP}${asset.code}${SEP}${asset.scale}`;
    if (before !== undefined && before !== key) balances.delete(before);
    balanceKeys.set(account, key);
    balances.set(key, value);
  };
  const assetOf = (account: string) => node.accountAsset?.(account);
  const connected: Tally = new Map(); // peer
  const reconnects: Tally = new Map(); // peer
  const required: Tally = new Map(); // peer
  const claims: Tally = new Map(); // peer SEP chain SEP direction
  const claimAmounts: Tally = new Map();
  const redeemed: Tally = new Map(); // peer SEP chain
  const redeemedAmounts: Tally = new Map();
  const failures: Tally = new Map(); // peer SEP chain
  const channelEvents: Tally = new Map(); // chain SEP event
  const channels: Tally = new Map(); // chain SEP state
  /** channelId -> `chain SEP state`: a channel counts once, in its last state. */
  const channelState = new Map<string, string>();
  const operations: Tally = new Map(); // chain SEP operation SEP state
  const gas: Tally = new Map(); // chain SEP operation
  const autoDeposits: Tally = new Map(); // peer SEP chain SEP outcome
  const wallets: Tally = new Map(); // chain SEP asset
  /** operationId -> its key in `operations`, while it is not final or failed. */
  const operationState = new Map<string, string>();

  new Gauge({ name: 'ilp_node_info', help: 'Always 1; the labels carry the version.', labelNames: ['version'], registers: [registry] }).set({ version: node.version }, 1);
  tallyCounter(registry, 'ilp_packets_total', 'Packets handled, by result (fulfilled, rejected) and ILP error code (empty when fulfilled).', ['result', 'code'], packets);
  const latency = new BucketHistogram(registry, 'ilp_packet_latency_seconds', 'Time from a Prepare entering the node to its Fulfill or Reject leaving it.', 'result', LATENCY_BUCKETS);
  tallyGauge(registry, 'ilp_packets_in_flight', 'Prepares waiting for a Fulfill or Reject.', [], inFlight);
  tallyCounter(registry, 'ilp_packets_late_fulfill_total', 'Fulfills that came back after the expiry we sent (not booked).', [], late);
  tallyGauge(registry, 'ilp_account_balance', "Ledger balance per account in units of the account's asset (labels asset, asset_scale; positive: the account owes us).", ['account', 'asset', 'asset_scale'], balances);
  tallyGauge(registry, 'ilp_peer_connected', '1 when the peer has an open, authenticated BTP link.', ['peer'], connected);
  tallyCounter(registry, 'ilp_peer_reconnects_total', 'Dial attempts after a lost link.', ['peer'], reconnects);
  tallyCounter(registry, 'ilp_settlements_required_total', 'Times what we owe a peer crossed its settle threshold.', ['peer'], required);
  tallyCounter(registry, 'ilp_claims_total', 'Payment-channel claims, by direction (sent, received).', ['peer', 'chain', 'direction'], claims);
  tallyCounter(registry, 'ilp_claim_amount_total', 'Sum of claim increases in the node asset units, by direction.', ['peer', 'chain', 'direction'], claimAmounts);
  tallyCounter(registry, 'ilp_settlements_redeemed_total', 'Claims redeemed on-chain.', ['peer', 'chain'], redeemed);
  tallyCounter(registry, 'ilp_settlement_redeemed_amount_total', 'Sum redeemed on-chain in the node asset units.', ['peer', 'chain'], redeemedAmounts);
  tallyCounter(registry, 'ilp_settlement_failures_total', 'Failed settlement attempts.', ['peer', 'chain'], failures);
  tallyCounter(registry, 'ilp_channel_events_total', 'Payment channel lifecycle events (opened, funded, closing, settled).', ['chain', 'event'], channelEvents);
  tallyGauge(registry, 'ilp_channels', 'Payment channels by their last known state.', ['chain', 'state'], channels);
  tallyGauge(
    registry,
    'ilp_settlement_operations',
    'Our settlement transactions (open, deposit, withdraw, redeem, close, settle) by their last state: pending and reorged are the ones waiting now; final and failed count since start.',
    ['chain', 'operation', 'state'],
    operations,
  );
  tallyCounter(registry, 'ilp_settlement_auto_deposits_total', 'autoDeposit outcomes: deposited, wallet-short, at-cap, failed.', ['peer', 'chain', 'outcome'], autoDeposits);
  tallyGauge(
    registry,
    'ilp_settlement_wallet_balance',
    "Our settlement wallet's balance per chain lane, in the chain's base units (wei-like; XRPL drops), as last read (autoDeposit checks, opens, deposits).",
    ['chain', 'asset'],
    wallets,
  );
  tallyCounter(registry, 'ilp_settlement_gas_total', 'What our final settlement transactions cost: gas (EVM), fee drops (XRPL), gas units (Aptos).', ['chain', 'operation'], gas);

  const FULFILLED = `fulfilled${SEP}`;

  // Seed the current values: balances and peers change rarely, and a scrape right after start must
  // not show an empty node. Packet counters start at zero with the registry, as Prometheus expects.
  try {
    for (const a of node.getAccounts()) setBalance(a.account, num(a.balance), { code: a.assetCode, scale: a.assetScale });
    for (const p of node.listPeers()) connected.set(p.id, p.connected ? 1 : 0);
  } catch {
    // not started yet: the events fill these in
  }
  const snap = events.snapshot();
  for (const [account, value] of Object.entries(snap.balances)) setBalance(account, num(value), assetOf(account));
  for (const [peer, state] of Object.entries(snap.peers)) connected.set(peer, state.connected ? 1 : 0);

  function moveChannel(channelId: string, key: string): void {
    const before = channelState.get(channelId);
    if (before === key) return;
    if (before !== undefined) channels.set(before, (channels.get(before) ?? 1) - 1);
    channelState.set(channelId, key);
    add(channels, key);
  }

  function moveOperation(id: string, key: string, finished: boolean): void {
    const before = operationState.get(id);
    if (before === key) return;
    if (before !== undefined) operations.set(before, (operations.get(before) ?? 1) - 1);
    add(operations, key);
    if (finished) operationState.delete(id);
    else operationState.set(id, key);
  }

  const onEvent = (e: NodeEvent): void => {
    switch (e.type) {
      case 'packet:late-fulfill':
        add(late, '');
        break;
      case 'balance:changed':
        setBalance(e.account, num(e.balance), assetOf(e.account));
        break;
      case 'peer:connected':
        connected.set(e.peerId, 1);
        break;
      case 'peer:disconnected':
        connected.set(e.peerId, 0);
        break;
      case 'peer:reconnecting':
        connected.set(e.peerId, 0);
        add(reconnects, e.peerId);
        break;
      case 'settlement:required':
        add(required, e.peerId);
        break;
      case 'settlement:claim-sent':
      case 'settlement:claim-received': {
        const key = `${e.peerId}${SEP}${e.chain}${SEP}${e.type === 'settlement:claim-sent' ? 'sent' : 'received'}`;
        add(claims, key);
        add(claimAmounts, key, num(e.amount));
        break;
      }
      case 'settlement:redeemed': {
        const key = `${e.peerId}${SEP}${e.chain}`;
        add(redeemed, key);
        add(redeemedAmounts, key, num(e.amount));
        break;
      }
      case 'settlement:failed':
        add(failures, `${e.peerId}${SEP}${e.chain}`);
        break;
      case 'settlement:auto-deposit':
        add(autoDeposits, `${e.peerId}${SEP}${e.chain}${SEP}${e.outcome}`);
        break;
      case 'settlement:wallet-balance':
        wallets.set(`${e.chain}${SEP}${e.asset}`, num(e.balance));
        break;
      case 'settlement:operation': {
        const finished = e.state === 'final' || e.state === 'failed';
        moveOperation(e.operationId, `${e.chain}${SEP}${e.operation}${SEP}${e.state}`, finished);
        if (e.state === 'final' && e.gasUsed !== undefined) add(gas, `${e.chain}${SEP}${e.operation}`, num(e.gasUsed));
        break;
      }
      case 'channel:opened':
      case 'channel:funded':
      case 'channel:closing':
      case 'channel:settled': {
        const event = e.type.slice('channel:'.length);
        add(channelEvents, `${e.chain}${SEP}${event}`);
        moveChannel(e.channelId, `${e.chain}${SEP}${event === 'opened' || event === 'funded' ? 'open' : event}`);
        break;
      }
      default:
        break;
    }
  };

  const unsubscribe = events.subscribe(
    (batch) => {
      for (const e of batch) onEvent(e);
    },
    { packets: false },
  );
  const unobserve = events.observePackets((fulfilled, latencyMs, ilp) => {
    if (fulfilled) {
      add(packets, FULFILLED);
      latency.record('fulfilled', latencyMs / 1000);
      return;
    }
    let code = 'T00';
    try {
      code = deserializeReject(ilp).code;
    } catch {
      // an unreadable reject counts as T00
    }
    add(packets, `rejected${SEP}${code}`);
    latency.record('rejected', latencyMs / 1000);
  });
  let closed = false;

  return {
    registry,
    async render() {
      inFlight.set('', events.inFlightNow);
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
    close() {
      if (closed) return;
      closed = true;
      unsubscribe();
      unobserve();
    },
  };
}
