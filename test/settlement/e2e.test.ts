/**
 * End to end on a real chain: anvil (started here, killed by pid after), our token and TokenNetwork,
 * two real ConnectorNodes over real BTP. Alice pays Bob; enough paid packets cross the threshold;
 * claims flow; Bob settles on-chain; his token balance rises by exactly what was claimed and both
 * ledgers agree with the chain. Crafted TRANSFER frames (forged, replayed, above the deposit) are refused.
 *
 * The token has 6 decimals and the nodes an assetScale of 9: one base unit is 1000 asset units, so a
 * remainder below 1000 stays owed in the ledger and goes into the next claim.
 *
 * Then one node settling on three chains at once (anvil, a stand-in rippled, a stand-in Aptos node):
 * a lane per chain, each peer paid over its own chain, and a chain going away stops only its own lane.
 * Each peer is in its chain's own asset (issue 19): the hub (USD, scale 9) pays pe in USD@9 over the
 * EVM token, px in XRP@6 (drops) and pa in APT@8 (octas), converted by static rates chosen so that the
 * amounts read alike (1 USD = 1000 XRP = 10 APT); every claim is in the peer's own units.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Account, Ed25519PrivateKey } from '@aptos-labs/ts-sdk';
import * as xrpl from 'xrpl';
import { Wallet } from 'ethers';
import * as ethers from 'ethers';
import { computeConditionFromData, IlpPacketType, type ConnectorNode } from '../../src/index.js';
import type { NodeEvent } from '../../src/node/events.js';
import { BtpType, type BtpErrorFrame } from '../../src/node/btp/codec.js';
import { buildClaim, claimFrame } from '../../src/settlement/claim.js';
import { Eip712 } from '../../src/settlement/chains/evm/eip712.js';
import { startDemoChain, type DemoChain } from '../../src/settlement/demo-chain.js';
import type { ChannelView, SettleResult } from '../../src/settlement/index.js';
import { sumsPerAsset } from '../../src/ledger/index.js';
import { Harness, waitFor } from '../helpers/node.js';
import { admin, balance, sendRaw, settlementSection, startBobThenAlice } from './helpers.js';
import { AptosNodeStandIn } from './stand-ins/aptos-node.js';
import { StandInRippled } from './stand-ins/rippled.js';

const h = new Harness();
let chain: DemoChain;
let alice: ConnectorNode;
let bob: ConnectorNode;
let aliceKey: { privateKey: string; address: string };
let bobKey: { privateKey: string; address: string };
const aliceEvents: NodeEvent[] = [];
const bobEvents: NodeEvent[] = [];
const SECRET = 'alice-bob-secret';

function startBob(dataDir: string, btpServerPort = 0): ConnectorNode {
  const node = h.node({
    nodeId: 'bob',
    assetScale: 9,
    dataDir,
    btpServerPort,
    peers: [{ id: 'alice', relation: 'peer', authToken: SECRET, creditLimit: '100000000', settlement: { chain: 'evm', address: aliceKey.address } }],
    settlement: settlementSection(chain, bobKey.privateKey),
  });
  node.setPacketHandler(() => ({ accept: true }));
  node.events.subscribe((batch) => bobEvents.push(...batch));
  return node;
}

beforeAll(async () => {
  chain = await startDemoChain({ accounts: 4, decimals: 6 }); // 0, 1: alice and bob; 2, 3: the three-lane hub and its EVM peer
  [aliceKey, bobKey] = chain.keys;
  bob = startBob(h.dir());
  alice = await startBobThenAlice(bob, () => startAlice(h.dir()));
});

function startAlice(dataDir: string): ConnectorNode {
  const node = h.node({
    nodeId: 'alice',
    assetScale: 9,
    dataDir,
    peers: [
      {
        id: 'bob',
        relation: 'peer',
        url: `ws://127.0.0.1:${bob.btpPort}`,
        authToken: SECRET,
        creditLimit: '0',
        settleThreshold: '5000',
        settlement: { chain: 'evm', address: bobKey.address },
      },
    ],
    routes: [{ prefix: 'g.bob', nextHop: 'bob' }],
    settlement: settlementSection(chain, aliceKey.privateKey),
  });
  node.events.subscribe((batch) => aliceEvents.push(...batch));
  return node;
}

afterAll(async () => {
  await h.cleanup();
  await chain?.stop();
});

async function pay(amount: bigint): Promise<void> {
  const data = Buffer.from(`hello ${Math.random()}`);
  const r = await alice.sendPacket({
    destination: 'g.bob',
    amount,
    executionCondition: computeConditionFromData(data).condition,
    expiresAt: new Date(Date.now() + 10_000),
    data,
  });
  expect(r.type).toBe(IlpPacketType.Fulfill);
}

let channel: ChannelView;

describe('EVM settlement between two nodes on anvil', () => {
  it('alice opens and funds a channel to bob through the admin API; bob learns it from the chain', async () => {
    const before = await chain.tokenBalance(aliceKey.address);
    const opened = await admin<ChannelView>(alice, 'POST', '/admin/channels', { peerId: 'bob', chain: `evm:anvil:${chain.chainId}`, initialDeposit: '1000000' });
    expect(opened.status).toBe(201);
    channel = opened.body;
    expect(channel).toMatchObject({ peerId: 'bob', direction: 'outgoing', status: 'open', deposit: '1000000', baseUnits: { deposit: '1000' } });
    expect(await chain.tokenBalance(aliceKey.address)).toBe(before - 1000n);
    const again = await admin<{ code: string }>(alice, 'POST', '/admin/channels', { peerId: 'bob', initialDeposit: '1000' });
    expect(again).toMatchObject({ status: 409, body: { code: 'CHANNEL_EXISTS' } });
    await waitFor(async () => (await admin<ChannelView[]>(bob, 'GET', '/admin/channels')).body.find((c) => c.channelId === channel.channelId), 10_000, 'bob sees the channel');
    const seen = (await admin<ChannelView[]>(bob, 'GET', '/admin/channels?peerId=alice')).body[0];
    expect(seen).toMatchObject({ direction: 'incoming', peerId: 'alice', deposit: '1000000' });
    expect(aliceEvents.map((e) => e.type)).toEqual(expect.arrayContaining(['channel:opened', 'channel:funded']));
  });

  it('paid packets cross the threshold; claims flow; both ledgers book them; the remainder stays owed', async () => {
    for (let i = 0; i < 12; i++) await pay(1001n); // 12012 in all, threshold 5000
    await waitFor(() => aliceEvents.some((e) => e.type === 'settlement:claim-sent'), 10_000, 'an automatic claim');
    // settle: claim all we owe now (what the threshold left), and nothing to redeem on alice's side
    const settled = await admin<SettleResult>(alice, 'POST', '/admin/settlement/settle/bob');
    expect(settled.status).toBe(200);
    expect(settled.body.ok).toBe(true);
    // floor(12012 / 1000) = 12 base units = 12000 asset units claimed; 12 stays owed
    expect(balance(alice, 'peer:bob')).toBe(-12n);
    expect(balance(alice, 'channelOut:bob')).toBe(-12000n);
    expect(balance(bob, 'peer:alice')).toBe(12n);
    expect(balance(bob, 'channelIn:alice')).toBe(12000n);
    const received = bobEvents.filter((e) => e.type === 'settlement:claim-received');
    expect(received.length).toBeGreaterThanOrEqual(1);
    expect(received.at(-1)).toMatchObject({ peerId: 'alice', channelId: channel.channelId, cumulative: '12000' });
    const claims = await admin<{ claim: { transferredAmount: string; signerAddress: string; tokenNetworkAddress: string } }>(bob, 'GET', `/admin/channels/${channel.channelId}/claims`);
    expect(claims.body.claim).toMatchObject({ transferredAmount: '12', signerAddress: aliceKey.address, tokenNetworkAddress: chain.contract });
  });

  it('refuses a forged claim, a replayed older claim and a claim above the deposit, booking nothing', async () => {
    const e = new Eip712(ethers, chain.chainId, chain.contract);
    const craft = (key: string, nonce: bigint, amount: bigint) => {
      const w = new Wallet(key);
      const signature = w.signingKey.sign(e.balanceProof(channel.channelId, nonce, amount)).serialized;
      return claimFrame(
        buildClaim({ senderId: 'alice', channelId: channel.channelId, nonce, transferredAmount: amount, signature, signerAddress: w.address, chainId: chain.chainId, contract: chain.contract, token: chain.token }),
        1000n,
      );
    };
    const ledgerBefore = [balance(bob, 'peer:alice'), balance(bob, 'channelIn:alice')];
    const refused = async (frame: ReturnType<typeof craft>) => {
      const answer = await sendRaw(alice, 'bob', frame);
      expect(answer.type).toBe(BtpType.Error);
      return (answer as BtpErrorFrame).data.toString();
    };
    const mallory = Wallet.createRandom().privateKey;
    expect(await refused(craft(mallory, 100n, 13n))).toMatch(/^forged claim: signed by 0x[0-9a-fA-F]{40}, but channel .* is paid by /);
    expect(await refused(craft(aliceKey.privateKey, 1n, 5n))).toMatch(/^stale claim: nonce 1 is not above the nonce \d+ of the best claim we hold/);
    expect(await refused(craft(aliceKey.privateKey, 100n, 1001n))).toMatch(/^claim of 1001 exceeds the channel deposit: channel .* holds 1000 for claims/);
    const malformed = claimFrame({ version: '1.0', blockchain: 'evm' } as never, 1n);
    expect(await refused(malformed)).toMatch(/^malformed claim: messageId must be a string/);
    expect([balance(bob, 'peer:alice'), balance(bob, 'channelIn:alice')]).toEqual(ledgerBefore);
  });

  it('bob settles on-chain: his token balance rises by exactly the claimed amount; both ledgers agree with the chain', async () => {
    const before = await chain.tokenBalance(bobKey.address);
    const settled = await admin<SettleResult>(bob, 'POST', '/admin/settlement/settle/alice');
    expect(settled.body).toMatchObject({ ok: true, redeemed: [{ status: 'redeemed', channelId: channel.channelId, amount: '12000' }] });
    expect(await chain.tokenBalance(bobKey.address)).toBe(before + 12n);
    const onchain = (await admin<ChannelView>(bob, 'GET', `/admin/channels/${channel.channelId}`)).body;
    expect(onchain.baseUnits.claimedOnchain).toBe('12');
    // bob: the claim moved from channelIn to onchain
    expect(balance(bob, 'channelIn:alice')).toBe(0n);
    expect(balance(bob, 'onchain')).toBe(12000n);
    // alice learns of the redemption from the chain
    await waitFor(() => balance(alice, 'channelOut:bob') === 0n, 10_000, 'alice sees the redemption');
    expect(balance(alice, 'onchain')).toBe(-12000n);
    // events reach listeners in batches, one event-loop turn later
    await waitFor(() => aliceEvents.some((e) => e.type === 'settlement:redeemed' && e.peerId === 'bob' && e.amount === '12000'), 10_000, 'the redeemed event');
    for (const n of [alice, bob]) expect((await n.ledgerHandle!.verify()).ok).toBe(true);
    const states = (await admin<{ peerId: string; state: string; owed: string }[]>(alice, 'GET', '/admin/settlement/states')).body;
    expect(states).toEqual([expect.objectContaining({ peerId: 'bob', state: 'IDLE', owed: '12', unacknowledged: '0' })]);
  });

  it('a claim bob did not acknowledge (bob was down) is re-sent when the link comes back; bob restores his channel state', async () => {
    const dir = bob.config.dataDir;
    const port = bob.btpPort;
    await bob.stop();
    // alice owes bob 12 + 8000: the threshold fires while bob is down
    await waitFor(() => !alice.listPeers()[0].connected, 10_000, 'alice notices bob is down');
    // packets cannot reach bob now; book the debt directly the way a fulfilled local send would
    await alice.ledgerHandle!.commitAsync({ id: 'test-debt-1', kind: 'packet', postings: [{ account: 'agent', amount: 8000n }, { account: 'peer:bob', amount: -8000n }] });
    const restarted = startBob(dir, port); // alice redials the same URL
    await restarted.start();
    bob = restarted;
    await waitFor(() => balance(alice, 'peer:bob') === -12n, 15_000, 'the claim is acknowledged after the restart');
    expect(balance(bob, 'channelIn:alice')).toBe(8000n);
    expect(balance(bob, 'peer:alice')).toBe(12n - 8000n);
    const c = (await admin<ChannelView>(bob, 'GET', `/admin/channels/${channel.channelId}`)).body;
    expect(c).toMatchObject({ latestClaim: '20000', claimedOnchain: '12000', acknowledged: '20000' });
  });

  it('alice restarts: her channel, nonce and acknowledged total come back from her store; new claims go on from there', async () => {
    await alice.stop();
    alice = startAlice(alice.config.dataDir);
    await alice.start();
    await waitFor(() => alice.listPeers()[0]?.connected, 10_000, 'alice reconnects');
    const mine = (await admin<ChannelView[]>(alice, 'GET', '/admin/channels')).body;
    expect(mine).toEqual([expect.objectContaining({ channelId: channel.channelId, nonce: expect.any(String) as string, acknowledged: '20000' })]);
    const nonce = BigInt(mine[0].nonce!);
    await pay(6000n); // owed 6012 >= 5000: a claim with the next nonce
    await waitFor(() => balance(bob, 'channelIn:alice') === 14000n, 10_000, 'bob accepts the next claim');
    // alice books the claim when bob's acknowledgement arrives and her ledger has written it
    await waitFor(() => balance(alice, 'peer:bob') === -12n, 10_000, 'alice books the acknowledged claim');
    const claims = (await admin<{ claim: { nonce: string } }>(bob, 'GET', `/admin/channels/${channel.channelId}/claims`)).body;
    expect(BigInt(claims.claim.nonce)).toBe(nonce + 1n);
  });
});

describe('one node, three lanes (evm on anvil, xrpl and aptos on stand-ins)', () => {
  const hubSecret = 'hub-secret';
  let rippled: StandInRippled;
  let aptos: AptosNodeStandIn;
  let hub: ConnectorNode;
  const peers = new Map<string, ConnectorNode>();
  const configs = new Map<string, Parameters<Harness['node']>[0]>();
  const xrplWallets = { hub: xrpl.Wallet.generate('ed25519' as xrpl.ECDSA), px: xrpl.Wallet.generate('ed25519' as xrpl.ECDSA) };
  const aptosKeys = { hub: `0x${'41'.repeat(32)}`, pa: `0x${'42'.repeat(32)}` };
  const aptosAddress = (key: string) => Account.fromPrivateKey({ privateKey: new Ed25519PrivateKey(key) }).accountAddress.toString();
  // each peer in the asset its chain carries; the hub converts from its USD@9
  const ASSETS: Record<string, { assetCode: string; assetScale: number }> = {
    pe: { assetCode: 'USD', assetScale: 9 },
    px: { assetCode: 'XRP', assetScale: 6 },
    pa: { assetCode: 'APT', assetScale: 8 },
  };
  const DEPOSIT: Record<string, string> = { pe: '5000000000', px: '5000000', pa: '500000000' };
  const sections = () => ({
    evm: (key: string) => settlementSection(chain, key)?.evm,
    xrpl: (seed: string) => ({ server: rippled.url, seed, pollIntervalMs: 200, resendIntervalMs: 500 }),
    aptos: (privateKey: string) => ({ nodeUrl: aptos.url, module: aptos.module, privateKey, pollIntervalMs: 200, resendIntervalMs: 500 }),
  });

  beforeAll(async () => {
    rippled = await StandInRippled.start({ closeEveryMs: 100 });
    aptos = new AptosNodeStandIn();
    await aptos.start();
    for (const w of Object.values(xrplWallets)) rippled.fund(w.classicAddress, 1000n * 1_000_000n);
    for (const k of Object.values(aptosKeys)) aptos.fund(aptosAddress(k), 10n ** 12n);
    const s = sections();
    const [hubKey, peKey] = [chain.keys[2], chain.keys[3]];
    const peer = (id: string, settlement: Record<string, unknown>, hubAddress: { chain: 'evm' | 'xrpl' | 'aptos'; address: string }) => {
      const config = {
        nodeId: id,
        ...ASSETS[id],
        dataDir: h.dir(),
        peers: [{ id: 'hub', relation: 'peer' as const, authToken: hubSecret, creditLimit: '1000000000000', settlement: hubAddress }],
        settlement: { enabled: true, ...settlement },
      };
      configs.set(id, config);
      const node = h.node(config);
      node.setPacketHandler(() => ({ accept: true }));
      peers.set(id, node);
      return node;
    };
    const pe = peer('pe', { evm: s.evm(peKey.privateKey) }, { chain: 'evm', address: hubKey.address });
    const px = peer('px', { xrpl: s.xrpl(xrplWallets.px.seed!) }, { chain: 'xrpl', address: xrplWallets.hub.classicAddress });
    const pa = peer('pa', { aptos: s.aptos(aptosKeys.pa) }, { chain: 'aptos', address: aptosAddress(aptosKeys.hub) });
    await Promise.all([pe.start(), px.start(), pa.start()]);
    const link = (id: string, node: ConnectorNode, settlement: { chain: 'evm' | 'xrpl' | 'aptos'; address: string }) => ({
      id,
      ...ASSETS[id],
      relation: 'peer' as const,
      url: `ws://127.0.0.1:${node.btpPort}`,
      authToken: hubSecret,
      creditLimit: '0',
      settleThreshold: '500000',
      settlement,
    });
    hub = h.node({
      nodeId: 'hub',
      assetScale: 9,
      peers: [
        link('pe', pe, { chain: 'evm', address: peKey.address }),
        link('px', px, { chain: 'xrpl', address: xrplWallets.px.classicAddress }),
        link('pa', pa, { chain: 'aptos', address: aptosAddress(aptosKeys.pa) }),
      ],
      routes: ['pe', 'px', 'pa'].map((id) => ({ prefix: `g.${id}`, nextHop: id })),
      feeBps: 0,
      rates: { base: 'USD', static: { XRP: '1000', APT: '10' } },
      settlement: { enabled: true, evm: s.evm(hubKey.privateKey), xrpl: s.xrpl(xrplWallets.hub.seed!), aptos: s.aptos(aptosKeys.hub) },
    });
    await hub.start();
    await waitFor(() => hub.listPeers().every((p) => p.connected), 10_000, 'the hub connected to its three peers');
  }, 60_000);

  afterAll(async () => {
    await rippled?.stop();
    await aptos?.stop();
  });

  const payTo = async (id: string, amount: bigint) => {
    const data = Buffer.from(`pay ${id} ${Math.random()}`);
    const r = await hub.sendPacket({ destination: `g.${id}`, amount, executionCondition: computeConditionFromData(data).condition, expiresAt: new Date(Date.now() + 10_000), data });
    if (r.type !== IlpPacketType.Fulfill) throw new Error(`payment to ${id} rejected: ${r.code} ${r.message}`);
  };

  it("opens a channel to each peer on the peer's own chain, and claims each over its chain", async () => {
    const opened: Record<string, string> = {};
    for (const id of ['pe', 'px', 'pa']) {
      const r = await admin<ChannelView>(hub, 'POST', '/admin/channels', { peerId: id, initialDeposit: DEPOSIT[id], settlementTimeout: 3600 });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      opened[id] = r.body.chain;
    }
    expect(opened).toEqual({ pe: 'evm', px: 'xrpl', pa: 'aptos' });
    for (const id of ['pe', 'px', 'pa']) await payTo(id, 1_000_000n);
    for (const id of ['pe', 'px', 'pa']) {
      const node = peers.get(id)!;
      await waitFor(() => balance(node, 'channelIn:hub') === 1_000_000n, 15_000, `${id} books the hub's claim`);
      await waitFor(() => balance(hub, `channelOut:${id}`) === -1_000_000n, 10_000, `the hub books ${id}'s acknowledgement`);
    }
    const states = (await admin<{ peerId: string; chain: string; owed: string }[]>(hub, 'GET', '/admin/settlement/states')).body;
    expect(states.map((x) => [x.peerId, x.chain, x.owed])).toEqual([
      ['pa', 'aptos', '0'],
      ['pe', 'evm', '0'],
      ['px', 'xrpl', '0'],
    ]);
    const channels = (await admin<ChannelView[]>(hub, 'GET', '/admin/channels')).body;
    expect(channels.map((c) => [c.peerId, c.chain, c.latestClaim]).sort()).toEqual([
      ['pa', 'aptos', '1000000'],
      ['pe', 'evm', '1000000'],
      ['px', 'xrpl', '1000000'],
    ]);
    // on each chain, the claim is the peer's own amount in base units: drops and octas 1:1 (scales 6 and 8), token units /1000 (scale 9, 6 decimals)
    expect(channels.map((c) => [c.peerId, c.baseUnits.latestClaim]).sort()).toEqual([
      ['pa', '1000000'],
      ['pe', '1000'],
      ['px', '1000000'],
    ]);
    expect((await admin<ChannelView[]>(hub, 'GET', '/admin/channels?chain=xrpl')).body.map((c) => c.peerId)).toEqual(['px']);
    const sums = sumsPerAsset(
      hub.getAccounts().map((a) => [a.account, BigInt(a.balance)] as [string, bigint]),
      (account) => {
        const id = /^(?:peer|channelIn|channelOut):(.+)$/.exec(account)?.[1];
        const a = id === undefined ? ASSETS.pe : ASSETS[id];
        return { code: a.assetCode, scale: a.assetScale };
      },
    );
    expect(Object.fromEntries(sums)).toEqual({ 'USD@9': 0n, 'XRP@6': 0n, 'APT@8': 0n });
  });

  it('the peers redeem on their own chains; a chain going away stops only its own lane', async () => {
    const pxBefore = rippled.balance(xrplWallets.px.classicAddress)!;
    for (const id of ['px', 'pa']) {
      const r = await admin<SettleResult>(peers.get(id)!, 'POST', '/admin/settlement/settle/hub');
      expect(r.body.ok, JSON.stringify(r.body)).toBe(true);
      expect(balance(peers.get(id)!, 'onchain')).toBe(1_000_000n);
    }
    // the XRPL stand-in's own records agree with the books: the channel paid out exactly the booked claim
    // in drops, and px's account grew by it less the claim transaction's fee (the books hold XRP@6 = drops)
    const xrplChannel = (await admin<ChannelView[]>(hub, 'GET', '/admin/channels?chain=xrpl')).body[0];
    expect(rippled.channel(xrplChannel.channelId)?.Balance).toBe(1_000_000n);
    const pxGain = rippled.balance(xrplWallets.px.classicAddress)! - pxBefore;
    expect(pxGain > 1_000_000n - 1_000n && pxGain <= 1_000_000n, `px gained ${pxGain} drops`).toBe(true);
    await payTo('pa', 600_000n);
    await waitFor(() => balance(peers.get('pa')!, 'channelIn:hub') === 600_000n, 15_000, 'pa holds an unredeemed claim');
    await aptos.stop();
    const down = await admin<SettleResult>(peers.get('pa')!, 'POST', '/admin/settlement/settle/hub');
    expect(down.body.ok).toBe(false);
    expect(down.body.redeemed).toEqual([expect.objectContaining({ status: 'failed' })]);
    expect(balance(peers.get('pa')!, 'channelIn:hub')).toBe(600_000n); // still held, redeemable once the chain is back
    // restarted while its chain is away: its channel still shows (amounts from the decimals last seen); operations wait for the chain
    await peers.get('pa')!.stop();
    const pa = h.node(configs.get('pa')!);
    await pa.start();
    peers.set('pa', pa);
    const shown = (await admin<ChannelView[]>(pa, 'GET', '/admin/channels')).body;
    expect(shown).toEqual([expect.objectContaining({ chain: 'aptos', direction: 'incoming', latestClaim: '1600000', claimedOnchain: '1000000' })]);
    const refused = await admin<{ code: string; message: string }>(pa, 'POST', `/admin/channels/${shown[0].channelId}/close`, {});
    expect(refused.body).toMatchObject({ code: 'NOT_READY', message: expect.stringContaining('the aptos settlement chain is not connected yet') as string });
    await payTo('px', 600_000n);
    await payTo('pe', 600_000n);
    await waitFor(() => balance(peers.get('px')!, 'channelIn:hub') === 600_000n, 15_000, 'xrpl claims go on');
    await waitFor(() => balance(peers.get('pe')!, 'channelIn:hub') === 1_600_000n, 15_000, 'evm claims go on');
    const redeemed = await admin<SettleResult>(peers.get('px')!, 'POST', '/admin/settlement/settle/hub');
    expect(redeemed.body.ok, JSON.stringify(redeemed.body)).toBe(true);
    expect(balance(peers.get('px')!, 'onchain')).toBe(1_600_000n);
    for (const n of [hub, ...peers.values()]) expect((await n.ledgerHandle!.verify()).ok).toBe(true);
  });
});
