/**
 * XRPL settlement end to end between two real ConnectorNodes over real BTP, settling on a STAND-IN
 * rippled (test/settlement/stand-ins/rippled.ts: our client logic and the engine, not the XRP Ledger).
 * Alice opens a PayChannel to Bob; paid packets cross the threshold; Alice's claims are the ledger's own
 * signed claims; Bob verifies them, books them, and redeems with close; both ledgers agree with the
 * stand-in's balances. Then Bob is down while Alice closes a second channel: on restart he reconciles
 * from the stand-in and redeems his claim before the SettleDelay runs out.
 *
 * Asset scale 6 = drops: one asset unit is one drop.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as xrpl from 'xrpl';
import type { ConnectorNode } from '../../src/index.js';
import type { NodeEvent } from '../../src/node/events.js';
import type { ChannelView, SettleResult } from '../../src/settlement/index.js';
import { Harness, waitFor } from '../helpers/node.js';
import { admin, balance, payBob, payeeNode, payerNode, startBobThenAlice, type PairChain } from './helpers.js';
import { StandInRippled } from './stand-ins/rippled.js';

const XRP = 1_000_000n;
const h = new Harness();
const SECRET = 'alice-bob-xrpl';
const aliceWallet = xrpl.Wallet.fromEntropy(new Uint8Array(16).fill(21), { algorithm: 'ed25519' as xrpl.ECDSA });
const bobWallet = xrpl.Wallet.fromEntropy(new Uint8Array(16).fill(22), { algorithm: 'ecdsa-secp256k1' as xrpl.ECDSA });
let rippled: StandInRippled;
let alice: ConnectorNode;
let bob: ConnectorNode;
const aliceEvents: NodeEvent[] = [];
const bobEvents: NodeEvent[] = [];

function section(w: xrpl.Wallet) {
  return { enabled: true, xrpl: { server: rippled.url, seed: w.seed ?? '', pollIntervalMs: 200, resendIntervalMs: 500 } };
}

const pairChain: PairChain = {
  kind: 'xrpl',
  section: (role) => section(role === 'alice' ? aliceWallet : bobWallet),
  address: (role) => (role === 'alice' ? aliceWallet.classicAddress : bobWallet.classicAddress),
};

function startBob(dataDir: string, btpServerPort = 0): ConnectorNode {
  return payeeNode(h, pairChain, { secret: SECRET, assetCode: 'XRP', assetScale: 6, dataDir, btpServerPort, events: bobEvents });
}

function startAlice(dataDir: string): ConnectorNode {
  return payerNode(h, pairChain, bob.btpPort, { secret: SECRET, assetCode: 'XRP', assetScale: 6, threshold: '5000', dataDir, events: aliceEvents });
}

const pay = (amount: bigint): Promise<void> => payBob(alice, amount);

beforeAll(async () => {
  rippled = await StandInRippled.start({ closeEveryMs: 100 });
  rippled.fund(aliceWallet.classicAddress, 1000n * XRP);
  rippled.fund(bobWallet.classicAddress, 1000n * XRP);
  bob = startBob(h.dir());
  alice = await startBobThenAlice(bob, () => startAlice(h.dir()));
});

afterAll(async () => {
  await h.cleanup();
  await rippled?.stop();
});

describe('XRPL settlement between two nodes against a stand-in rippled', () => {
  let channel: ChannelView;

  it('alice opens a PayChannel to bob through the admin API; bob learns it from the stand-in ledger', async () => {
    const opened = await admin<ChannelView>(alice, 'POST', '/admin/channels', { peerId: 'bob', chain: 'xrpl', initialDeposit: '50000000', settlementTimeout: 3600 });
    expect(opened.status).toBe(201);
    channel = opened.body;
    expect(channel).toMatchObject({ chain: 'xrpl', peerId: 'bob', direction: 'outgoing', status: 'open', deposit: '50000000', sender: aliceWallet.classicAddress, receiver: bobWallet.classicAddress });
    expect(channel.channelId).toMatch(/^[0-9A-F]{64}$/);
    expect(rippled.channel(channel.channelId)).toMatchObject({ Account: aliceWallet.classicAddress, Destination: bobWallet.classicAddress, Amount: 50n * XRP, PublicKey: aliceWallet.publicKey });
    await waitFor(async () => (await admin<ChannelView[]>(bob, 'GET', '/admin/channels')).body.find((c) => c.channelId === channel.channelId), 10_000, 'bob sees the channel');
    const seen = (await admin<ChannelView[]>(bob, 'GET', '/admin/channels?peerId=alice')).body[0];
    expect(seen).toMatchObject({ chain: 'xrpl', direction: 'incoming', peerId: 'alice', deposit: '50000000' });
  });

  it('paid packets cross the threshold; alice signs ledger claims; bob verifies and books them', async () => {
    for (let i = 0; i < 12; i++) await pay(1001n); // 12012 drops, threshold 5000
    await waitFor(() => aliceEvents.some((e) => e.type === 'settlement:claim-sent'), 10_000, 'an automatic claim');
    const settled = await admin<SettleResult>(alice, 'POST', '/admin/settlement/settle/bob');
    expect(settled.status).toBe(200);
    expect(settled.body.ok).toBe(true);
    await waitFor(() => balance(alice, 'channelOut:bob') === -12012n, 10_000, 'alice books the acknowledged claim');
    expect(balance(alice, 'peer:bob')).toBe(0n);
    expect(balance(bob, 'channelIn:alice')).toBe(12012n);
    expect(balance(bob, 'peer:alice')).toBe(0n);
    const held = (await admin<{ claim: { transferredAmount: string; signature: string } }>(bob, 'GET', `/admin/channels/${channel.channelId}/claims`)).body.claim;
    expect(held.transferredAmount).toBe('12012');
    // The claim bob holds is the ledger's own: it verifies against the channel's PublicKey with the SDK.
    expect(xrpl.verifyPaymentChannelClaim(channel.channelId, '0.012012', held.signature, aliceWallet.publicKey)).toBe(true);
  });

  it('bob redeems with close: the stand-in pays him exactly the claim, refunds alice the rest; both ledgers agree', async () => {
    const bobBefore = rippled.balance(bobWallet.classicAddress) ?? 0n;
    const aliceBefore = rippled.balance(aliceWallet.classicAddress) ?? 0n;
    const closed = await admin<ChannelView & { txHash: string }>(bob, 'POST', `/admin/channels/${channel.channelId}/close`, {});
    expect(closed.status).toBe(200);
    expect(closed.body.txHash).toMatch(/^[0-9A-F]{64}$/);
    expect(rippled.channel(channel.channelId)).toBeUndefined();
    const fee = bobBefore + 12012n - (rippled.balance(bobWallet.classicAddress) ?? 0n);
    expect(fee).toBeGreaterThan(0n);
    expect(fee).toBeLessThan(100n);
    expect(rippled.balance(aliceWallet.classicAddress)).toBe(aliceBefore + 50n * XRP - 12012n);
    expect(balance(bob, 'channelIn:alice')).toBe(0n);
    expect(balance(bob, 'onchain')).toBe(12012n);
    await waitFor(() => balance(alice, 'channelOut:bob') === 0n, 10_000, 'alice sees the redemption');
    expect(balance(alice, 'onchain')).toBe(-12012n);
    await waitFor(async () => (await admin<ChannelView>(alice, 'GET', `/admin/channels/${channel.channelId}`)).body.status === 'settled', 10_000, 'alice sees it settled');
    expect((await admin<ChannelView>(bob, 'GET', `/admin/channels/${channel.channelId}`)).body.status).toBe('settled');
    for (const n of [alice, bob]) expect((await n.ledgerHandle!.verify()).ok).toBe(true);
  });

  it('bob restarts while alice closes a second channel: he reconciles from the stand-in and redeems before it settles', async () => {
    const opened = await admin<ChannelView>(alice, 'POST', '/admin/channels', { peerId: 'bob', chain: 'xrpl', initialDeposit: '20000000', settlementTimeout: 3600 });
    expect(opened.status).toBe(201);
    const second = opened.body;
    await waitFor(async () => (await admin<ChannelView[]>(bob, 'GET', '/admin/channels')).body.find((c) => c.channelId === second.channelId), 10_000, 'bob sees the second channel');
    for (let i = 0; i < 6; i++) await pay(1000n);
    await admin<SettleResult>(alice, 'POST', '/admin/settlement/settle/bob');
    await waitFor(() => balance(bob, 'channelIn:alice') === 6000n, 10_000, 'bob books the claim on the second channel');
    const dir = bob.config.dataDir;
    const port = bob.btpPort;
    await bob.stop();
    const closing = await admin<ChannelView>(alice, 'POST', `/admin/channels/${second.channelId}/close`, {});
    expect(closing.status).toBe(200);
    expect(closing.body.status).toBe('closing');
    expect(rippled.channel(second.channelId)?.Expiration).toBeDefined();
    const bobBefore = rippled.balance(bobWallet.classicAddress) ?? 0n;
    bob = startBob(dir, port);
    await bob.start();
    // Bob's engine reads the chain after the block he last saw, finds the close, and redeems (onClose).
    await waitFor(() => rippled.channel(second.channelId)?.Balance === 6000n, 20_000, 'bob redeems on the closing channel');
    await waitFor(() => balance(bob, 'onchain') === 18012n, 10_000, 'bob books the redemption');
    expect(balance(bob, 'channelIn:alice')).toBe(0n);
    expect((rippled.balance(bobWallet.classicAddress) ?? 0n) - bobBefore).toBeGreaterThan(6000n - 100n);
    const view = (await admin<ChannelView>(bob, 'GET', `/admin/channels/${second.channelId}`)).body;
    expect(view).toMatchObject({ status: 'closing', claimedOnchain: '6000' });
    await waitFor(() => balance(alice, 'onchain') === -18012n, 10_000, 'alice sees the redemption');
    expect(balance(alice, 'channelOut:bob')).toBe(0n);
    for (const n of [alice, bob]) expect((await n.ledgerHandle!.verify()).ok).toBe(true);
  });
});
