/**
 * Prometheus metrics: driven by the event stream into a Registry per node, served on the health port.
 * Unit part on a bare EventStream (exact values per event, packets through the packet path's hooks),
 * then real nodes over real sockets.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { register as globalRegistry } from 'prom-client';
import { EventStream, type NodeEventInput } from '../../../src/node/events.js';
import { createMetrics, type NodeMetrics } from '../../../src/node/http/metrics.js';
import { computeConditionFromData, type ConnectorNode } from '../../../src/index.js';
import { serializeFulfill, serializeReject } from '../../../src/node/ilp/packet.js';
import { Harness, waitFor } from '../../helpers/node.js';

const h = new Harness();
const open: NodeMetrics[] = [];
afterEach(async () => {
  for (const m of open.splice(0)) m.close();
  await h.cleanup();
});

const fakeNode = {
  nodeId: 'alice',
  version: '9.9.9',
  listPeers: () => [{ id: 'bob', relation: 'peer' as const, connected: true, direction: 'outbound' as const, ilpAddresses: [], routeCount: 0, balance: '0' }],
  getAccounts: () => [{ account: 'peer:bob', balance: '-40', assetCode: 'USD', assetScale: 9 }],
};

function metricsOn(events: EventStream): NodeMetrics {
  const m = createMetrics(events, fakeNode);
  open.push(m);
  return m;
}

/** The value of one sample line (`name{labels} value`), undefined when absent. */
function sample(body: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of body.split('\n')) {
    if (!line.startsWith(name + '{') && !line.startsWith(name + ' ')) continue;
    const brace = line.indexOf('{');
    const labelText = brace >= 0 && line.startsWith(name + '{') ? line.slice(brace + 1, line.lastIndexOf('}')) : '';
    if (Object.entries(labels).every(([k, v]) => labelText.includes(`${k}="${v}"`))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

/** Emits, then waits for the batch (delivered on the next turn). */
async function emitAll(events: EventStream, inputs: NodeEventInput[]): Promise<void> {
  for (const e of inputs) events.emit(e);
  await new Promise((r) => setImmediate(r));
}

const FULFILL = serializeFulfill({ fulfillment: Buffer.alloc(32), data: Buffer.alloc(0) });
const reject = (code: string): Buffer => serializeReject({ code, triggeredBy: 'g.alice', message: '', data: Buffer.alloc(0) });

describe('createMetrics on the event stream', () => {
  it('counts packets by result and code, observes latency, tracks in flight, and never asks for packet events', async () => {
    const events = new EventStream('alice');
    const m = metricsOn(events);
    expect(events.active).toBe(true);
    expect(events.packetsActive).toBe(false);
    events.inFlightNow = 4;
    let body = (await m.render()).body;
    expect(sample(body, 'ilp_packets_in_flight')).toBe(4);

    // the clock stands still while the three packets finish, so their latencies are exactly 3 ms,
    // 2 s and 1 ms however busy the machine is (a real clock moved past le=0.005 under load)
    const now = Date.now();
    vi.useFakeTimers({ toFake: ['Date'], now });
    try {
      events.packetDone(true, now - 3, FULFILL);
      events.packetDone(true, now - 2000, FULFILL);
      events.packetDone(false, now - 1, reject('F02'));
    } finally {
      vi.useRealTimers();
    }
    events.inFlightNow = 1;
    await emitAll(events, [{ type: 'packet:late-fulfill', packetId: '4', to: 'carol', destination: 'g.carol', amount: '100' }]);
    body = (await m.render()).body;
    expect(sample(body, 'ilp_packets_total', { result: 'fulfilled' })).toBe(2);
    expect(sample(body, 'ilp_packets_total', { result: 'rejected', code: 'F02' })).toBe(1);
    expect(sample(body, 'ilp_packet_latency_seconds_count', { result: 'fulfilled' })).toBe(2);
    // buckets are cumulative: ~3 ms falls in le=0.005, ~2 s in le=2.5, both in +Inf
    expect(sample(body, 'ilp_packet_latency_seconds_bucket', { result: 'fulfilled', le: '0.0025' })).toBe(0);
    expect(sample(body, 'ilp_packet_latency_seconds_bucket', { result: 'fulfilled', le: '0.005' })).toBe(1);
    expect(sample(body, 'ilp_packet_latency_seconds_bucket', { result: 'fulfilled', le: '1' })).toBe(1);
    expect(sample(body, 'ilp_packet_latency_seconds_bucket', { result: 'fulfilled', le: '2.5' })).toBe(2);
    expect(sample(body, 'ilp_packet_latency_seconds_bucket', { result: 'fulfilled', le: '+Inf' })).toBe(2);
    expect(sample(body, 'ilp_packet_latency_seconds_sum', { result: 'fulfilled' })).toBeGreaterThanOrEqual(2.003);
    expect(sample(body, 'ilp_packet_latency_seconds_count', { result: 'rejected' })).toBe(1);
    expect(sample(body, 'ilp_packets_late_fulfill_total')).toBe(1);
    expect(sample(body, 'ilp_packets_in_flight')).toBe(1);

    // packet events another listener asked for are not counted twice
    const off = events.subscribe(() => undefined);
    expect(events.packetsActive).toBe(true);
    await emitAll(events, [{ type: 'packet:fulfilled', packetId: '9', from: 'bob', to: 'carol', destination: 'g.carol', amount: '1', amountOut: '1', fee: '0', latencyMs: 1 }]);
    expect(sample((await m.render()).body, 'ilp_packets_total', { result: 'fulfilled' })).toBe(2);
    off();
    expect(events.packetsActive).toBe(false);
  });

  it('seeds balances and peers from the node, then follows balance, peer, settlement and channel events', async () => {
    const events = new EventStream('alice');
    const m = metricsOn(events);
    let body = (await m.render()).body;
    expect(sample(body, 'ilp_account_balance', { account: 'peer:bob' })).toBe(-40);
    expect(sample(body, 'ilp_peer_connected', { peer: 'bob' })).toBe(1);
    expect(sample(body, 'ilp_node_info', { version: '9.9.9', node_id: 'alice' })).toBe(1);

    const chain = 'evm:base:8453';
    await emitAll(events, [
      { type: 'balance:changed', account: 'peer:bob', balance: '250' },
      { type: 'peer:disconnected', peerId: 'bob', reason: 'closed' },
      { type: 'peer:reconnecting', peerId: 'bob', attempt: 1, delayMs: 100 },
      { type: 'settlement:required', peerId: 'bob', owed: '500', threshold: '400' },
      { type: 'channel:opened', peerId: 'bob', chain, channelId: 'c1', deposit: '1000', txHash: '0x1' },
      { type: 'settlement:claim-sent', peerId: 'bob', chain, channelId: 'c1', amount: '500', cumulative: '500' },
      { type: 'settlement:claim-received', peerId: 'bob', chain, channelId: 'c9', amount: '20', cumulative: '20' },
      { type: 'settlement:redeemed', peerId: 'bob', chain, channelId: 'c9', amount: '20', txHash: '0x2' },
      { type: 'settlement:failed', peerId: 'bob', chain, reason: 'rpc down' },
      { type: 'channel:closing', peerId: 'bob', chain, channelId: 'c1' },
    ]);
    body = (await m.render()).body;
    expect(sample(body, 'ilp_account_balance', { account: 'peer:bob' })).toBe(250);
    expect(sample(body, 'ilp_peer_connected', { peer: 'bob' })).toBe(0);
    expect(sample(body, 'ilp_peer_reconnects_total', { peer: 'bob' })).toBe(1);
    expect(sample(body, 'ilp_settlements_required_total', { peer: 'bob' })).toBe(1);
    expect(sample(body, 'ilp_claims_total', { direction: 'sent', chain })).toBe(1);
    expect(sample(body, 'ilp_claim_amount_total', { direction: 'sent' })).toBe(500);
    expect(sample(body, 'ilp_claims_total', { direction: 'received' })).toBe(1);
    expect(sample(body, 'ilp_settlements_redeemed_total', { peer: 'bob' })).toBe(1);
    expect(sample(body, 'ilp_settlement_redeemed_amount_total', { peer: 'bob' })).toBe(20);
    expect(sample(body, 'ilp_settlement_failures_total', { peer: 'bob' })).toBe(1);
    expect(sample(body, 'ilp_channel_events_total', { event: 'opened' })).toBe(1);
    // c1 moved from open to closing: it counts once, in its last state
    expect(sample(body, 'ilp_channels', { state: 'open' })).toBe(0);
    expect(sample(body, 'ilp_channels', { state: 'closing' })).toBe(1);
  });

  it('two nodes in one process keep separate registries; the global registry stays empty', async () => {
    const a = new EventStream('a');
    const b = new EventStream('b');
    const ma = metricsOn(a);
    const mb = metricsOn(b);
    a.packetDone(false, Date.now(), reject('T04'));
    expect(sample((await ma.render()).body, 'ilp_packets_total', { code: 'T04' })).toBe(1);
    expect(sample((await mb.render()).body, 'ilp_packets_total', { code: 'T04' })).toBeUndefined();
    expect(await globalRegistry.metrics()).not.toContain('ilp_');
    ma.close();
    ma.close();
    mb.close();
    expect(a.active).toBe(false);
  });
});

async function scrape(node: ConnectorNode): Promise<{ status: number; type: string | null; body: string }> {
  const res = await fetch(`${node.endpoints.health}/metrics`);
  return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
}

describe('/metrics on the health port of real nodes', () => {
  it('serves the exposition format; a three-node chain shows packets, fees and peers at the hub', async () => {
    const hub = h.node({
      nodeId: 'hub',
      ilpAddress: 'g.hub',
      peers: [
        { id: 'alice', authToken: 'alice-secret', relation: 'child', creditLimit: '1000000' },
        { id: 'bob', authToken: 'bob-secret', relation: 'child', creditLimit: '1000000' },
      ],
    } as never);
    await hub.start();
    const url = `ws://127.0.0.1:${hub.btpPort}`;
    const alice = h.node({ nodeId: 'alice', peers: [{ id: 'hub', url, authToken: 'alice-secret', relation: 'parent', creditLimit: '1000000' }] } as never);
    const bob = h.node({ nodeId: 'bob', peers: [{ id: 'hub', url, authToken: 'bob-secret', relation: 'parent', creditLimit: '1000000' }] } as never);
    bob.setPacketHandler(() => ({ accept: true }));
    await Promise.all([alice.start(), bob.start()]);
    await waitFor(() => hub.listPeers().every((p) => p.connected), 10_000, 'children connected');

    const pay = (destination: string, amount: bigint) => {
      const data = Buffer.from(`m ${Math.random()}`);
      return alice.sendPacket({ destination, amount, executionCondition: computeConditionFromData(data).condition, expiresAt: new Date(Date.now() + 10_000), data });
    };
    // ILDCP (peer.config) packets were fulfilled too: count from here
    const fulfilled = async (n: ConnectorNode) => sample((await scrape(n)).body, 'ilp_packets_total', { result: 'fulfilled' }) ?? 0;
    const hubBefore = await fulfilled(hub);
    const aliceBefore = await fulfilled(alice);
    await Promise.all([pay('g.hub.bob', 1000n), pay('g.hub.bob', 1000n), pay('g.nowhere', 5n)]);

    const first = await scrape(hub);
    expect(first.status).toBe(200);
    expect(first.type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(first.body).toContain('# TYPE ilp_packets_total counter');
    expect(first.body).toContain('# TYPE ilp_packet_latency_seconds histogram');
    // every sample line is well formed: name{label="value",...} number
    for (const line of first.body.split('\n').filter((l) => l !== '' && !l.startsWith('#'))) {
      expect(line).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? -?[0-9.e+-]+$|^.* [+-]Inf$|^.* NaN$/);
    }
    await waitFor(async () => (await fulfilled(hub)) === hubBefore + 2, 5000, 'two more fulfilled at the hub');
    const body = (await scrape(hub)).body;
    expect(sample(body, 'ilp_packets_total', { result: 'rejected', code: 'F02' })).toBe(1);
    expect(sample(body, 'ilp_packet_latency_seconds_count', { result: 'fulfilled' })).toBe(hubBefore + 2);
    expect(sample(body, 'ilp_account_balance', { account: 'peer:alice', node_id: 'hub' })).toBe(2000);
    expect(sample(body, 'ilp_account_balance', { account: 'fees' })).toBe(-2);
    expect(sample(body, 'ilp_peer_connected', { peer: 'alice' })).toBe(1);
    expect(sample(body, 'ilp_peer_connected', { peer: 'bob' })).toBe(1);
    // alice's own registry counts its own two, apart from the hub's
    expect(await fulfilled(alice)).toBe(aliceBefore + 2);
    expect(sample((await scrape(alice)).body, 'ilp_packets_total', { node_id: 'alice', result: 'rejected', code: 'F02' })).toBe(1);

    await bob.stop();
    await waitFor(async () => sample((await scrape(hub)).body, 'ilp_peer_connected', { peer: 'bob' }) === 0, 5000, 'bob shown down');
  });

  it('metrics.enabled false: /metrics is a 404 and the node builds no events', async () => {
    const node = h.node({ nodeId: 'quiet', metrics: { enabled: false } });
    await node.start();
    expect((await scrape(node)).status).toBe(404);
    expect(node.events.active).toBe(false);
  });
});
