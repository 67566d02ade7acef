/**
 * Interop with ilp-connector 23 (npm), over real BTP on 127.0.0.1, in both link directions:
 *
 *   sender (ilp-plugin-btp, child of ilpc) → ilpc → hub (ours) → bob (our node, child of hub)
 *   alice (our node, child of hub) → hub (ours) → ilpc → receiver (ilp-plugin-btp, child of ilpc)
 *
 * Our hub takes its 10 bps fee on each forward, ilp-connector takes nothing (spread 0), and both
 * connectors' books agree: ilp-connector's balance for the hub mirrors our hub's for ilp-connector.
 * Then the parent/child relations: ilp-connector learns its address from our node by ILDCP, and
 * another of our nodes learns its address from ilp-connector.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Harness, waitFor } from '../helpers/node.js';
import { InteropHarness, fulfillingHandler, sendThroughPlugin, type BtpPlugin, type IlpConnectorHandle, type ReceivedPrepare } from '../helpers/interop.js';
import { computeConditionFromData, IlpPacketType, type ConnectorNode, type PaymentRequest } from '../../src/index.js';

const h = new Harness();
const ih = new InteropHarness();
afterEach(async () => {
  await ih.cleanup();
  await h.cleanup();
});

const N = 100;
const FEE_BPS = 10n;
const fee = (a: bigint) => (a * FEE_BPS) / 10_000n;
const sum = (xs: bigint[]) => xs.reduce((s, x) => s + x, 0n);

interface Net {
  ilpc: IlpConnectorHandle;
  hub: ConnectorNode;
  alice: ConnectorNode;
  bob: ConnectorNode;
  sender: BtpPlugin;
  atBob: PaymentRequest[];
  atReceiver: ReceivedPrepare[];
  /** Prepares to peer.* our hub refused (ilp-connector's CCP messages) */
  peerRejects: { destination: string; code: string; from: string }[];
}

/** `hubDials`: our hub opens the BTP socket to ilp-connector's listener; otherwise ilp-connector dials our hub. */
async function network(hubDials: boolean, routeBroadcast: boolean): Promise<Net> {
  const hubSecret = 'hub-and-ilpc-secret';
  const children = {
    sender: { relation: 'child' as const, secret: 'sender-secret' },
    receiver: { relation: 'child' as const, secret: 'receiver-secret' },
  };
  const routes = [
    { targetPrefix: 'g.hub', peerId: 'hub' },
    // our hub has no route for this prefix: its F02 must reach the sender through ilp-connector
    { targetPrefix: 'g.elsewhere', peerId: 'hub' },
  ];
  const hubPeers = (ilpcUrl?: string) => [
    { id: 'ilpc', relation: 'peer', authToken: hubSecret, url: ilpcUrl, creditLimit: '1000000000' },
    { id: 'alice', relation: 'child', authToken: 'alice-secret', creditLimit: '1000000000' },
    { id: 'bob', relation: 'child', authToken: 'bob-secret', creditLimit: '1000000000' },
  ];

  const peerRejects: Net['peerRejects'] = [];
  const makeHub = (ilpcUrl?: string) => {
    const node = h.node({ nodeId: 'hub', ilpAddress: 'g.hub', peers: hubPeers(ilpcUrl), routes: [{ prefix: 'g.ilpc', nextHop: 'ilpc' }] } as never);
    node.events.subscribe((batch) => {
      for (const e of batch) if (e.type === 'packet:rejected' && e.destination.startsWith('peer.')) peerRejects.push({ destination: e.destination, code: e.code, from: e.from });
    });
    return node;
  };
  let ilpc: IlpConnectorHandle;
  let hub: ConnectorNode;
  if (hubDials) {
    ilpc = await ih.ilpConnector({ ilpAddress: 'g.ilpc', accounts: { hub: { relation: 'peer', secret: hubSecret }, ...children }, routes, routeBroadcast });
    hub = makeHub(`ws://127.0.0.1:${ilpc.listenerPort('hub')}`);
    await hub.start();
  } else {
    hub = makeHub();
    await hub.start();
    ilpc = await ih.ilpConnector({
      ilpAddress: 'g.ilpc',
      accounts: { hub: { relation: 'peer', server: `btp+ws://ilpc:${hubSecret}@127.0.0.1:${hub.btpPort}` }, ...children },
      routes,
      routeBroadcast,
    });
  }

  const parent = (token: string) => [{ id: 'hub', relation: 'parent', url: `ws://127.0.0.1:${hub.btpPort}`, authToken: token, creditLimit: '1000000000' }];
  const alice = h.node({ nodeId: 'alice', peers: parent('alice-secret') } as never);
  const bob = h.node({ nodeId: 'bob', peers: parent('bob-secret') } as never);
  const atBob: PaymentRequest[] = [];
  bob.setPacketHandler((req) => {
    atBob.push(req);
    const text = Buffer.from(req.data ?? '', 'base64').toString();
    if (text.startsWith('reject')) return { accept: false, rejectReason: { code: 'invalid_amount', message: 'bob wants more' } };
    if (text.startsWith('hang')) return new Promise<never>(() => undefined);
    return { accept: true };
  });

  const sender = ih.plugin(`btp+ws://sender:sender-secret@127.0.0.1:${ilpc.listenerPort('sender')}`);
  const receiver = ih.plugin(`btp+ws://receiver:receiver-secret@127.0.0.1:${ilpc.listenerPort('receiver')}`);
  const atReceiver: ReceivedPrepare[] = [];
  receiver.registerDataHandler(
    fulfillingHandler('g.ilpc.receiver', atReceiver, (p) => {
      const text = p.data.toString();
      if (text.startsWith('reject')) return { code: 'F99', message: 'receiver says no', data: Buffer.from('reasons') };
      return text.startsWith('hang') ? 'hang' : undefined;
    }),
  );
  await Promise.all([alice.start(), bob.start(), sender.connect(), receiver.connect()]);
  await ilpc.ready;
  await waitFor(() => hub.listPeers().every((p) => p.connected), 10_000, 'hub peers connected');
  return { ilpc, hub, alice, bob, sender, atBob, atReceiver, peerRejects };
}

function pay(from: ConnectorNode, destination: string, amount: bigint, text: string | Buffer = `pay ${Math.random()}`, expiresAt = new Date(Date.now() + 30_000)) {
  const data = Buffer.isBuffer(text) ? text : Buffer.from(text);
  return from.sendPacket({
    destination,
    amount,
    executionCondition: computeConditionFromData(data).condition,
    expiresAt,
    data,
  });
}

const bal = (n: ConnectorNode, account: string) => BigInt(n.getAccounts().find((a) => a.account === account)?.balance ?? '0');

async function adminBalances(n: ConnectorNode): Promise<Record<string, string>> {
  const res = await fetch(`${n.endpoints.admin}/admin/balances`);
  expect(res.status).toBe(200);
  const body = (await res.json()) as { accounts: { account: string; balance: string }[] };
  return Object.fromEntries(body.accounts.map((a) => [a.account, a.balance]));
}

describe.each([
  { name: 'our hub dials ilp-connector', hubDials: true, routeBroadcast: false },
  { name: 'ilp-connector dials our hub, with CCP route broadcast on', hubDials: false, routeBroadcast: true },
])('interop with ilp-connector: $name', ({ name, hubDials, routeBroadcast }) => {
  it('carries 100 packets each way, rejects each way, and both connectors book the same', async () => {
    const { ilpc, hub, alice, bob, sender, atBob, atReceiver, peerRejects } = await network(hubDials, routeBroadcast);
    expect(alice.ilpAddress).toBe('g.hub.alice');
    expect(bob.ilpAddress).toBe('g.hub.bob');
    if (routeBroadcast) {
      // ilp-connector and our hub exchange routes (CCP): we learn its address, and refuse none of its peer.route.* Prepares
      await waitFor(() => hub.listRoutes().some((r) => r.prefix === 'g.ilpc' && r.source === 'ccp'), 20_000, 'the hub learns g.ilpc by CCP');
      // (our children alice and bob ask the hub for routes too and are refused, as ilp-connector refuses children by default: CCP is never reported as a packet)
      expect(peerRejects).toEqual([]);
    }

    // upstream: ilp-connector forwards to us, we forward to bob with our fee
    const inAmounts = Array.from({ length: N }, (_, i) => 1000n + 37n * BigInt(i));
    const inExpiry = new Date(Date.now() + 20_000);
    // the first one carries the largest data RFC 0027 allows (multi-byte BTP and OER length prefixes)
    const bigIn = Buffer.alloc(32_767, 'a');
    const upstream = await Promise.all(
      inAmounts.map((a, i) => sendThroughPlugin(sender, { destination: 'g.hub.bob', amount: a, expiresAt: inExpiry, data: i === 0 ? bigIn : undefined })),
    );
    expect(upstream.filter((r) => r.type !== 'fulfill').slice(0, 1)).toEqual([]);
    expect(upstream.filter((r) => r.type === 'fulfill')).toHaveLength(N);
    expect(atBob.map((r) => BigInt(r.amount)).sort((x, y) => Number(x - y))).toEqual(inAmounts.map((a) => a - fee(a)));
    expect(atBob.some((r) => Buffer.from(r.data ?? '', 'base64').equals(bigIn))).toBe(true);
    // each connector takes its 1 s margin off the expiry (ilp-connector's minMessageWindow, our expiryMarginMs)
    expect(new Set(atBob.map((r) => new Date(r.expiresAt).getTime()))).toEqual(new Set([inExpiry.getTime() - 2000]));

    // downstream: we forward alice's packets to ilp-connector with our fee, it forwards them unchanged
    const outAmounts = Array.from({ length: N }, (_, i) => 2000n + 53n * BigInt(i));
    const outExpiry = new Date(Date.now() + 20_000);
    const bigOut = Buffer.alloc(32_767, 'z');
    const downstream = await Promise.all(outAmounts.map((a, i) => pay(alice, 'g.ilpc.receiver', a, i === 0 ? bigOut : `pay ${a}`, outExpiry)));
    expect(downstream.filter((r) => r.type === IlpPacketType.Fulfill)).toHaveLength(N);
    expect(atReceiver.map((p) => BigInt(p.amount)).sort((x, y) => Number(x - y))).toEqual(outAmounts.map((a) => a - fee(a)));
    expect(atReceiver.every((p) => p.destination === 'g.ilpc.receiver')).toBe(true);
    expect(atReceiver.some((p) => p.data.equals(bigOut))).toBe(true);
    expect(new Set(atReceiver.map((p) => p.expiresAt.getTime()))).toEqual(new Set([outExpiry.getTime() - 2000]));

    // rejects, upstream: bob's application reject and our hub's F02 cross ilp-connector intact
    const f03 = await sendThroughPlugin(sender, { destination: 'g.hub.bob', amount: 5000n, data: Buffer.from('reject please') });
    expect(f03).toMatchObject({ type: 'reject', code: 'F03', triggeredBy: 'g.hub.bob', message: 'bob wants more' });
    const f02 = await sendThroughPlugin(sender, { destination: 'g.elsewhere.x', amount: 5000n });
    expect(f02).toMatchObject({ type: 'reject', code: 'F02', triggeredBy: 'g.hub' });

    // rejects, downstream: the receiver's F99 and ilp-connector's own reject come back through our hub
    const f99 = await pay(alice, 'g.ilpc.receiver', 5000n, 'reject this one');
    expect(f99.type === IlpPacketType.Reject && { code: f99.code, triggeredBy: f99.triggeredBy, message: f99.message, data: f99.data.toString() }).toEqual({
      code: 'F99',
      triggeredBy: 'g.ilpc.receiver',
      message: 'receiver says no',
      data: 'reasons', // connectors must not touch a reject's data
    });
    // ilp-connector's own reject (it routes g.ilpc.* to its own address, which has no account: F00)
    const theirReject = await pay(alice, 'g.ilpc.nobody', 5000n);
    expect(theirReject.type === IlpPacketType.Reject && { code: theirReject.code, triggeredBy: theirReject.triggeredBy }).toEqual({
      code: 'F00',
      triggeredBy: 'g.ilpc',
    });

    // a receiver that never answers, each way: R00 at the expiry, from whichever hop times out first
    const soon = () => new Date(Date.now() + 3500);
    const [r00Up, r00Down] = await Promise.all([
      sendThroughPlugin(sender, { destination: 'g.hub.bob', amount: 5000n, data: Buffer.from('hang up'), expiresAt: soon() }),
      pay(alice, 'g.ilpc.receiver', 5000n, 'hang down', soon()),
    ]);
    expect(r00Up).toMatchObject({ type: 'reject', code: 'R00' });
    expect(['g.hub', 'g.hub.bob']).toContain(r00Up.type === 'reject' && r00Up.triggeredBy);
    expect(r00Down).toMatchObject({ type: IlpPacketType.Reject, code: 'R00', triggeredBy: 'g.ilpc' });

    // the books: nothing from the rejects, our fee on each forward, no spread at ilp-connector
    const sumIn = sum(inAmounts);
    const sumInOut = sum(inAmounts.map((a) => a - fee(a)));
    const sumOut = sum(outAmounts);
    const sumOutOut = sum(outAmounts.map((a) => a - fee(a)));
    const fees = sumIn - sumInOut + (sumOut - sumOutOut);
    expect(fees).toBeGreaterThan(0n);

    const ours = await adminBalances(hub);
    expect(ours).toMatchObject({
      'peer:ilpc': String(sumIn - sumOutOut),
      'peer:bob': String(-sumInOut),
      'peer:alice': String(sumOut),
      fees: String(-fees),
    });
    expect(Object.values(ours).reduce((s, b) => s + BigInt(b), 0n)).toBe(0n);
    expect(hub.getAccounts().every((a) => (a.reserved ?? '0') === '0')).toBe(true);
    expect(bal(bob, 'peer:hub')).toBe(sumInOut);
    expect(bal(bob, 'agent')).toBe(-sumInOut);
    expect(bal(alice, 'peer:hub')).toBe(-sumOut);
    expect(bal(alice, 'agent')).toBe(sumOut);

    const theirs = await ilpc.balances();
    expect(theirs).toEqual({
      hub: String(sumOutOut - sumIn),
      sender: String(sumIn),
      receiver: String(-sumOutOut),
    });
    // bilateral: what ilp-connector says the hub owes it is what our hub says it owes ilp-connector
    expect(BigInt(theirs.hub)).toBe(-BigInt(ours['peer:ilpc']));
    console.log(`[interop ilp-connector, ${name}] hub: ${JSON.stringify(ours)} ilp-connector: ${JSON.stringify(theirs)}`);
  });
});

describe('relations with ilp-connector: ILDCP both ways', () => {
  it('ilp-connector as our child learns its address from us; our node as its child learns its address from it', async () => {
    // hub (ours, g.hub) → ilpc (ilp-connector, parent = hub) → leaf (ours, parent = ilpc)
    const hub = h.node({ nodeId: 'hub', ilpAddress: 'g.hub', peers: [{ id: 'ilpc', relation: 'child', authToken: 'ilpc-token', creditLimit: '1000000' }] } as never);
    const atHub: PaymentRequest[] = [];
    hub.setPacketHandler((req) => {
      atHub.push(req);
      return { accept: true };
    });
    await hub.start();
    const ilpc = await ih.ilpConnector({
      accounts: {
        hub: { relation: 'parent', server: `btp+ws://ilpc:ilpc-token@127.0.0.1:${hub.btpPort}` },
        leaf: { relation: 'child', secret: 'leaf-token' },
      },
    });
    expect(ilpc.address()).toBe('g.hub.ilpc');

    const leaf = h.node({ nodeId: 'leaf', peers: [{ id: 'ilpc', relation: 'parent', url: `ws://127.0.0.1:${ilpc.listenerPort('leaf')}`, authToken: 'leaf-token', creditLimit: '1000000' }] } as never);
    const atLeaf: PaymentRequest[] = [];
    leaf.setPacketHandler((req) => {
      atLeaf.push(req);
      return { accept: true };
    });
    await leaf.start();
    await ilpc.ready;
    expect(leaf.ilpAddress).toBe('g.hub.ilpc.leaf');

    // down: hub's agent pays leaf through ilp-connector; up: leaf's agent pays the hub over its default (parent) route
    const down = Array.from({ length: 20 }, (_, i) => 100n + BigInt(i));
    const up = Array.from({ length: 20 }, (_, i) => 300n + BigInt(i));
    const downResults = await Promise.all(down.map((a) => pay(hub, 'g.hub.ilpc.leaf', a)));
    const upResults = await Promise.all(up.map((a) => pay(leaf, 'g.hub', a)));
    expect([...downResults, ...upResults].every((r) => r.type === IlpPacketType.Fulfill)).toBe(true);
    expect(atLeaf.map((r) => BigInt(r.amount)).sort((x, y) => Number(x - y))).toEqual(down);
    expect(atHub.map((r) => BigInt(r.amount)).sort((x, y) => Number(x - y))).toEqual(up);

    // ilp-connector owes the hub what it forwarded up, less what the hub sent down through it
    const net = sum(up) - sum(down);
    expect(bal(hub, 'peer:ilpc')).toBe(net);
    expect(bal(leaf, 'peer:ilpc')).toBe(-net);
    expect(await ilpc.balances()).toEqual({ hub: String(-net), leaf: String(net) });
    console.log(`[interop ilp-connector relations] hub peer:ilpc ${net}, leaf peer:ilpc ${-net}, ilp-connector: ${JSON.stringify(await ilpc.balances())}`);
  });
});
