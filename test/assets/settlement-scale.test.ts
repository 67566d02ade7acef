/**
 * Settlement respects each peer's scale, not only its code (issue 19), on a real anvil chain with our
 * token at 6 decimals: alice's node is USD@9, her peer bob is USD@6 (his own node's asset). Her claims
 * to bob are amounts of USD@6 converted to token units (1:1 here; at the node's scale 9 they would be
 * 1000 times smaller), and the scale a peer's non-zero accounts are booked in cannot change under them:
 * a runtime PATCH is refused while a channel account holds a claim, and so is a restart whose config
 * gives bob another scale (LEDGER_PEER_ASSET_CHANGED naming the accounts); the old scale starts again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeConditionFromData, IlpPacketType, type ConnectorNode } from '../../src/index.js';
import type { NodeConfigInput } from '../../src/config/index.js';
import { startDemoChain, type DemoChain } from '../../src/settlement/demo-chain.js';
import type { ChannelView } from '../../src/settlement/index.js';
import { Harness, waitFor } from '../helpers/node.js';
import { admin, balance, settlementSection } from '../settlement/helpers.js';

const h = new Harness();
let chain: DemoChain;

beforeAll(async () => {
  chain = await startDemoChain({ accounts: 2, decimals: 6 });
}, 60_000);
afterAll(async () => {
  await h.cleanup();
  await chain?.stop();
});

const SECRET = 'alice-bob-secret';

function aliceConfig(dataDir: string, bobPort: number, bobScale: number): NodeConfigInput & { nodeId: string } {
  const bobKey = chain.keys[1];
  return {
    nodeId: 'alice',
    assetScale: 9,
    dataDir,
    peers: [
      {
        id: 'bob',
        relation: 'peer',
        url: `ws://127.0.0.1:${bobPort}`,
        authToken: SECRET,
        assetCode: 'USD',
        assetScale: bobScale,
        creditLimit: '0',
        settleThreshold: '1000000',
        settlement: { chain: 'evm', address: bobKey.address },
      },
    ],
    routes: [{ prefix: 'g.bob', nextHop: 'bob' }],
    settlement: settlementSection(chain, chain.keys[0].privateKey),
  };
}

describe("settlement in the peer's own scale (anvil, token of 6 decimals)", () => {
  it("claims are the peer's USD@6 amounts in token units; its scale cannot change while a channel account holds them", async () => {
    const bob: ConnectorNode = h.node({
      nodeId: 'bob',
      assetScale: 6,
      peers: [{ id: 'alice', relation: 'peer', authToken: SECRET, creditLimit: '1000000000000', settlement: { chain: 'evm', address: chain.keys[0].address } }],
      settlement: settlementSection(chain, chain.keys[1].privateKey),
    });
    bob.setPacketHandler(() => ({ accept: true }));
    await bob.start();
    const aliceDir = h.dir();
    const alice = h.node(aliceConfig(aliceDir, bob.btpPort, 6));
    await alice.start();
    await waitFor(() => bob.listPeers()[0]?.connected, 20_000, 'alice connected to bob');

    // 5 USD at bob's scale 6 is 5000000 token units (6 decimals), not 5000 as the node's scale 9 would give
    const opened = await admin<ChannelView>(alice, 'POST', '/admin/channels', { peerId: 'bob', initialDeposit: '5000000' });
    expect(opened.status, JSON.stringify(opened.body)).toBe(201);
    expect(opened.body).toMatchObject({ deposit: '5000000', baseUnits: { deposit: '5000000' } });

    // 2.000000123 USD from alice's agent (USD@9) reaches bob as 2000000 (USD@6, rounded down); the threshold claims it
    const data = Buffer.from('two dollars');
    const r = await alice.sendPacket({ destination: 'g.bob', amount: 2_000_000_123n, executionCondition: computeConditionFromData(data).condition, expiresAt: new Date(Date.now() + 20_000), data });
    expect(r.type).toBe(IlpPacketType.Fulfill);
    await waitFor(() => balance(alice, 'channelOut:bob') === -2_000_000n, 20_000, "alice books bob's acknowledgement");
    await waitFor(() => balance(bob, 'channelIn:alice') === 2_000_000n, 20_000, "bob books alice's claim");
    expect(balance(alice, 'peer:bob')).toBe(0n);
    const channel = (await admin<ChannelView[]>(alice, 'GET', '/admin/channels')).body[0];
    expect(channel).toMatchObject({ latestClaim: '2000000', baseUnits: { latestClaim: '2000000' } });
    // both ledgers read the same claim in the same unit: alice's account of bob is USD@6, bob's own asset
    expect((await alice.ledgerHandle!.accountAssets!()).get('channelOut:bob')).toEqual({ code: 'USD', scale: 6 });

    // at runtime: bob's peer balance is 0, but channelOut:bob holds the claim at scale 6
    const patched = await admin<{ code: string; message: string }>(alice, 'PATCH', '/admin/peers/bob', { assetScale: 9 });
    expect(patched.status).toBe(400);
    expect(patched.body.message).toContain('peer bob has a balance of -2000000 in USD@6 on channelOut:bob: settle it to 0 before changing its asset to USD@9');

    // at start: a config giving bob scale 9 is refused, naming the accounts; scale 6 starts again with the books intact
    await alice.stop();
    const wrong = h.node(aliceConfig(aliceDir, bob.btpPort, 9));
    await expect(wrong.start()).rejects.toMatchObject({
      code: 'LEDGER_PEER_ASSET_CHANGED',
      message: `Peer bob's accounts in the ledger in ${aliceDir} are booked in USD@6, but the config says USD@9: channelOut:bob -2000000`,
    });
    const again = h.node(aliceConfig(aliceDir, bob.btpPort, 6));
    await again.start();
    expect(balance(again, 'channelOut:bob')).toBe(-2_000_000n);
    expect((await again.ledgerHandle!.verify()).ok).toBe(true);
  }, 90_000);
});
