/**
 * Interop with ilp-connector 23 (npm) where the link's asset scale differs from both ends', over real
 * BTP on 127.0.0.1:
 *
 *   sender (USD@9, child of ilpc) → ilpc ──USD@6── hub (ours, USD@9) → bob (ours, USD@9)
 *   alice (ours, USD@9) → hub ──USD@6── ilpc → receiver (USD@4, child of ilpc)
 *
 * ilp-connector converts with its own one-to-one backend (rate 10^(d − s), BigNumber, floor); our hub
 * converts the same code across scales with its exact formula (factor 10^(d − s), no spread, floor)
 * and takes its 10 bps fee on the converted amount. Every packet lands with exactly the amount both
 * formulas give, and the two connectors book the link in USD@6 as mirror images.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Harness, waitFor } from '../helpers/node.js';
import { InteropHarness, fulfillingHandler, sendThroughPlugin, type ReceivedPrepare } from '../helpers/interop.js';
import { computeConditionFromData, IlpPacketType, type ConnectorNode, type PaymentRequest } from '../../src/index.js';

const h = new Harness();
const ih = new InteropHarness();
afterEach(async () => {
  await ih.cleanup();
  await h.cleanup();
});

const N = 40;
const sum = (xs: bigint[]) => xs.reduce((s, x) => s + x, 0n);
/** our hub's fee: 10 bps of the converted amount, rounded down */
const afterFee = (c: bigint) => c - (c * 10n) / 10_000n;
/** floor(a × 10^shift) for a scale change of `shift` (what both connectors compute for one code) */
const rescale = (a: bigint, shift: number) => (shift >= 0 ? a * 10n ** BigInt(shift) : a / 10n ** BigInt(-shift));

const bal = (n: ConnectorNode, account: string) => BigInt(n.getAccounts().find((a) => a.account === account)?.balance ?? '0');

function pay(from: ConnectorNode, destination: string, amount: bigint) {
  const data = Buffer.from(`pay ${amount} ${Math.random()}`);
  return from.sendPacket({ destination, amount, executionCondition: computeConditionFromData(data).condition, expiresAt: new Date(Date.now() + 30_000), data });
}

describe('interop with ilp-connector across asset scales (USD@9 ↔ USD@6 link ↔ USD@4)', () => {
  it('packets cross both connectors each way with the amounts both formulas give; the link books mirror in USD@6', async () => {
    const ilpc = await ih.ilpConnector({
      ilpAddress: 'g.ilpc',
      accounts: {
        hub: { relation: 'peer', secret: 'hub-secret', assetCode: 'USD', assetScale: 6 },
        sender: { relation: 'child', secret: 'sender-secret', assetCode: 'USD', assetScale: 9 },
        receiver: { relation: 'child', secret: 'receiver-secret', assetCode: 'USD', assetScale: 4 },
      },
      routes: [{ targetPrefix: 'g.hub', peerId: 'hub' }],
    });
    const hub = h.node({
      nodeId: 'hub',
      ilpAddress: 'g.hub',
      feeBps: 10,
      peers: [
        { id: 'ilpc', relation: 'peer', authToken: 'hub-secret', url: `ws://127.0.0.1:${ilpc.listenerPort('hub')}`, creditLimit: '1000000000000', assetCode: 'USD', assetScale: 6 },
        { id: 'alice', relation: 'child', authToken: 'alice-secret', creditLimit: '1000000000000' },
        { id: 'bob', relation: 'child', authToken: 'bob-secret', creditLimit: '1000000000000' },
      ],
      routes: [{ prefix: 'g.ilpc', nextHop: 'ilpc' }],
    } as never);
    await hub.start();
    const parent = (token: string) => [{ id: 'hub', relation: 'parent', url: `ws://127.0.0.1:${hub.btpPort}`, authToken: token, creditLimit: '1000000000000' }];
    const alice = h.node({ nodeId: 'alice', peers: parent('alice-secret') } as never);
    const bob = h.node({ nodeId: 'bob', peers: parent('bob-secret') } as never);
    const atBob: PaymentRequest[] = [];
    bob.setPacketHandler((req) => {
      atBob.push(req);
      return { accept: true };
    });
    const sender = ih.plugin(`btp+ws://sender:sender-secret@127.0.0.1:${ilpc.listenerPort('sender')}`);
    const receiver = ih.plugin(`btp+ws://receiver:receiver-secret@127.0.0.1:${ilpc.listenerPort('receiver')}`);
    const atReceiver: ReceivedPrepare[] = [];
    receiver.registerDataHandler(fulfillingHandler('g.ilpc.receiver', atReceiver));
    await Promise.all([alice.start(), bob.start(), sender.connect(), receiver.connect()]);
    await ilpc.ready;
    await waitFor(() => hub.listPeers().every((p) => p.connected), 20_000, 'hub peers connected');

    // upstream, sender → ilpc (9 → 6, its floor) → hub (6 → 9, exact, fee) → bob; amounts with sub-micro digits that ilpc drops
    const up = Array.from({ length: N }, (_, i) => 1_000_000_123n + 7_654_321n * BigInt(i));
    const upResults = await Promise.all(up.map((a) => sendThroughPlugin(sender, { destination: 'g.hub.bob', amount: a })));
    expect(upResults.filter((r) => r.type !== 'fulfill').slice(0, 1)).toEqual([]);
    const onLinkUp = up.map((a) => rescale(a, -3));
    const atBobExpected = onLinkUp.map((x) => afterFee(rescale(x, 3)));
    expect(atBob.map((r) => BigInt(r.amount)).sort((x, y) => Number(x - y))).toEqual(atBobExpected);

    // downstream, alice → hub (9 → 6, exact floor, fee) → ilpc (6 → 4, its floor) → receiver
    const down = Array.from({ length: N }, (_, i) => 2_000_000_456n + 3_333_333n * BigInt(i));
    const downResults = await Promise.all(down.map((a) => pay(alice, 'g.ilpc.receiver', a)));
    expect(downResults.filter((r) => r.type === IlpPacketType.Fulfill)).toHaveLength(N);
    const onLinkDown = down.map((a) => afterFee(rescale(a, -3)));
    const atReceiverExpected = onLinkDown.map((y) => rescale(y, -2));
    expect(atReceiver.map((p) => BigInt(p.amount)).sort((x, y) => Number(x - y))).toEqual(atReceiverExpected);

    // the books, each in its account's asset: our hub's peer:ilpc is in USD@6, as ilp-connector's hub account
    const linkNet = sum(onLinkUp) - sum(onLinkDown);
    expect(bal(hub, 'peer:ilpc')).toBe(linkNet);
    expect(bal(hub, 'peer:bob')).toBe(-sum(atBobExpected));
    expect(bal(hub, 'peer:alice')).toBe(sum(down));
    const theirs = await ilpc.balances();
    expect(theirs).toEqual({ hub: String(-linkNet), sender: String(sum(up)), receiver: String(-sum(atReceiverExpected)) });
    expect(await hub.ledgerHandle!.verify()).toMatchObject({ ok: true, assets: { 'USD@9': '0', 'USD@6': '0' } });
    expect(bal(bob, 'peer:hub')).toBe(sum(atBobExpected));
    expect(bal(alice, 'peer:hub')).toBe(-sum(down));
    console.log(`[interop ilp-connector scales] hub peer:ilpc ${linkNet} (USD@6); ilp-connector ${JSON.stringify(theirs)}`);
  });
});
