/**
 * Aptos settlement end to end between two real ConnectorNodes over real BTP, settling on a STAND-IN
 * Aptos node (test/settlement/stand-ins/aptos-node.ts: our client logic and the engine, not the chain
 * or the Move code). Alice opens a channel to Bob; paid packets cross the threshold; Alice's claims are
 * real Ed25519 signatures over the BCS claim message; Bob verifies them, books them and redeems; both
 * ledgers agree with the stand-in's balances. Then Bob is down while Alice closes: on restart he
 * reconciles from the stand-in and redeems before the settle delay ends; Alice settles after it.
 *
 * Asset scale 8 = octas: one asset unit is one base unit of APT.
 */
import * as sdk from '@aptos-labs/ts-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectorNode } from '../../src/index.js';
import type { NodeEvent } from '../../src/node/events.js';
import { claimMessageBytes } from '../../src/settlement/chains/aptos/claim-message.js';
import type { ChannelView, SettleResult } from '../../src/settlement/index.js';
import { Harness, waitFor } from '../helpers/node.js';
import { admin, balance, payBob, payeeNode, payerNode, startBobThenAlice, type PairChain } from './helpers.js';
import { AptosNodeStandIn } from './stand-ins/aptos-node.js';

const APT = 100_000_000n;
const GAS = 12n * 100n; // the stand-in's gas per transaction × its gas price
const h = new Harness();
const SECRET = 'alice-bob-aptos';
const aliceKey = new sdk.Ed25519PrivateKey(`ed25519-priv-0x${'21'.repeat(32)}`);
const bobKey = new sdk.Ed25519PrivateKey(`ed25519-priv-0x${'22'.repeat(32)}`);
const aliceAddress = sdk.Account.fromPrivateKey({ privateKey: aliceKey }).accountAddress.toString();
const bobAddress = sdk.Account.fromPrivateKey({ privateKey: bobKey }).accountAddress.toString();
let node: AptosNodeStandIn;
let alice: ConnectorNode;
let bob: ConnectorNode;
const aliceEvents: NodeEvent[] = [];
const bobEvents: NodeEvent[] = [];

function section(key: sdk.Ed25519PrivateKey) {
  return { enabled: true, aptos: { nodeUrl: node.url, module: node.module, privateKey: key.toAIP80String(), pollIntervalMs: 200, resendIntervalMs: 500 } };
}

const pairChain: PairChain = {
  kind: 'aptos',
  section: (role) => section(role === 'alice' ? aliceKey : bobKey),
  address: (role) => (role === 'alice' ? aliceAddress : bobAddress),
};

function startBob(dataDir: string, btpServerPort = 0): ConnectorNode {
  return payeeNode(h, pairChain, { secret: SECRET, assetCode: 'APT', assetScale: 8, dataDir, btpServerPort, events: bobEvents });
}

function startAlice(dataDir: string): ConnectorNode {
  return payerNode(h, pairChain, bob.btpPort, { secret: SECRET, assetCode: 'APT', assetScale: 8, threshold: '5000', dataDir, events: aliceEvents });
}

const pay = (amount: bigint): Promise<void> => payBob(alice, amount);

beforeAll(async () => {
  node = new AptosNodeStandIn();
  await node.start();
  node.fund(aliceAddress, 100n * APT);
  node.fund(bobAddress, 10n * APT);
  bob = startBob(h.dir());
  alice = await startBobThenAlice(bob, () => startAlice(h.dir()));
});

afterAll(async () => {
  await h.cleanup();
  await node?.stop();
});

describe('Aptos settlement between two nodes against a stand-in Aptos node', () => {
  let channel: ChannelView;

  it('stand-in: alice opens a channel to bob through the admin API; the stand-in holds it', async () => {
    const before = node.balance(aliceAddress);
    const opened = await admin<ChannelView>(alice, 'POST', '/admin/channels', { peerId: 'bob', chain: 'aptos', initialDeposit: '50000000', settlementTimeout: 3600 });
    expect(opened.status).toBe(201);
    channel = opened.body;
    expect(channel).toMatchObject({ chain: 'aptos', peerId: 'bob', direction: 'outgoing', status: 'open', deposit: '50000000' });
    expect(channel.channelId).toMatch(/^0x[0-9a-f]{64}$/);
    expect(node.channel(channel.channelId)).toMatchObject({ sender: aliceAddress, receiver: bobAddress, publicKey: aliceKey.publicKey().toString(), deposit: 50_000_000n, state: 1 });
    expect(node.balance(aliceAddress)).toBe(before - 50_000_000n - GAS);
  });

  it('stand-in: paid packets cross the threshold; alice signs real Ed25519 claims; bob verifies and books them', async () => {
    for (let i = 0; i < 12; i++) await pay(1001n); // 12012 octas, threshold 5000
    await waitFor(() => aliceEvents.some((e) => e.type === 'settlement:claim-sent'), 10_000, 'an automatic claim');
    const settled = await admin<SettleResult>(alice, 'POST', '/admin/settlement/settle/bob');
    expect(settled.status).toBe(200);
    expect(settled.body.ok).toBe(true);
    // bob did not know the channel (Aptos has no event feed for channels others open): he looked it
    // up on the first claim (T00) and the claim was sent again
    await waitFor(() => balance(alice, 'channelOut:bob') === -12012n, 15_000, 'alice books the acknowledged claim');
    expect(balance(alice, 'peer:bob')).toBe(0n);
    expect(balance(bob, 'channelIn:alice')).toBe(12012n);
    expect(balance(bob, 'peer:alice')).toBe(0n);
    const seen = (await admin<ChannelView[]>(bob, 'GET', '/admin/channels?peerId=alice')).body[0];
    expect(seen).toMatchObject({ chain: 'aptos', direction: 'incoming', peerId: 'alice', deposit: '50000000', channelId: channel.channelId });
    const held = (await admin<{ claim: { transferredAmount: string; nonce: string; signature: string } }>(bob, 'GET', `/admin/channels/${channel.channelId}/claims`)).body.claim;
    expect(held.transferredAmount).toBe('12012');
    // The claim bob holds verifies with the SDK against alice's key over the module's BCS claim message.
    const message = claimMessageBytes(sdk, { chainId: node.chainId, moduleAddress: node.moduleAddress, channelId: channel.channelId, amount: 12012n, nonce: BigInt(held.nonce) });
    expect(aliceKey.publicKey().verifySignature({ message, signature: new sdk.Ed25519Signature(held.signature) })).toBe(true);
  });

  it('stand-in: bob redeems; the stand-in pays him exactly the claim; both ledgers agree', async () => {
    const before = node.balance(bobAddress);
    const settled = await admin<SettleResult>(bob, 'POST', '/admin/settlement/settle/alice');
    expect(settled.body).toMatchObject({ ok: true, redeemed: [{ status: 'redeemed', channelId: channel.channelId, amount: '12012' }] });
    expect(node.balance(bobAddress)).toBe(before + 12012n - GAS);
    expect(node.channel(channel.channelId)).toMatchObject({ claimed: 12012n, state: 1 });
    expect(balance(bob, 'channelIn:alice')).toBe(0n);
    expect(balance(bob, 'onchain')).toBe(12012n);
    // alice learns of the redemption by re-reading the channel she watches
    await waitFor(() => balance(alice, 'channelOut:bob') === 0n, 10_000, 'alice sees the redemption');
    expect(balance(alice, 'onchain')).toBe(-12012n);
    for (const n of [alice, bob]) expect((await n.ledgerHandle!.verify()).ok).toBe(true);
  });

  it('stand-in: bob restarts while alice closes: he reconciles from the stand-in and redeems before the delay ends; alice settles after it', async () => {
    for (let i = 0; i < 6; i++) await pay(1000n);
    await admin<SettleResult>(alice, 'POST', '/admin/settlement/settle/bob');
    await waitFor(() => balance(bob, 'channelIn:alice') === 6000n, 10_000, 'bob books the next claim');
    const dir = bob.config.dataDir;
    const port = bob.btpPort;
    await bob.stop();
    const closing = await admin<ChannelView>(alice, 'POST', `/admin/channels/${channel.channelId}/close`, {});
    expect(closing.status).toBe(200);
    expect(closing.body.status).toBe('closing');
    expect(node.channel(channel.channelId)?.state).toBe(2);
    bob = startBob(dir, port);
    await bob.start();
    // Bob's engine re-reads his channels at start, finds the close, and redeems (redeem.onClose).
    await waitFor(() => node.channel(channel.channelId)?.claimed === 18012n, 20_000, 'bob redeems on the closing channel');
    await waitFor(() => balance(bob, 'onchain') === 18012n, 10_000, 'bob books the redemption');
    expect(balance(bob, 'channelIn:alice')).toBe(0n);
    await waitFor(() => balance(alice, 'onchain') === -18012n, 10_000, 'alice sees the redemption');
    expect(balance(alice, 'channelOut:bob')).toBe(0n);
    // the settle delay passes on the stand-in's clock: alice's engine settles and takes the rest back
    const aliceBefore = node.balance(aliceAddress);
    node.advance(3600);
    await waitFor(() => node.channel(channel.channelId)?.state === 3, 15_000, 'alice settles after the delay');
    expect(node.balance(aliceAddress)).toBe(aliceBefore + 50_000_000n - 18012n - GAS);
    await waitFor(async () => (await admin<ChannelView>(alice, 'GET', `/admin/channels/${channel.channelId}`)).body.status === 'settled', 10_000, 'alice sees it settled');
    await waitFor(async () => (await admin<ChannelView>(bob, 'GET', `/admin/channels/${channel.channelId}`)).body.status === 'settled', 10_000, 'bob sees it settled');
    for (const n of [alice, bob]) expect((await n.ledgerHandle!.verify()).ok).toBe(true);
  });
});
