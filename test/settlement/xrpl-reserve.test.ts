/**
 * The XRP Ledger reserve in the wallet checks of an XRPL lane: two real ConnectorNodes over BTP settling
 * on a STAND-IN rippled (stand-ins/rippled.ts: our client logic, not the XRP Ledger) whose reserves are
 * not the defaults (10 XRP base, 2 XRP per owned object), so a figure that was not read from the
 * server's server_info would show. Every check leaves the base reserve, one owner reserve per object
 * the account owns (each channel it opened), one more for a channel being created, and the fee:
 * - a channel create the balance covers only by eating into that reserve is refused before anything
 *   is submitted, naming the reserve;
 * - an autoDeposit top-up likewise is a `wallet-short` event naming the reserve (`walletReserve`),
 *   with no PaymentChannelFund sent;
 * - when validators vote the reserve down, the next check reads the new figure and tops up.
 * Asset scale 6 = drops.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as xrpl from 'xrpl';
import type { ConnectorNode } from '../../src/index.js';
import type { NodeEvent } from '../../src/node/events.js';
import type { ChannelView } from '../../src/settlement/index.js';
import { Harness, waitFor } from '../helpers/node.js';
import { admin, payBob, payeeConfig, payerConfig, startBobThenAlice, type PairChain } from './helpers.js';
import { StandInRippled } from './stand-ins/rippled.js';

type AutoDepositEvent = Extract<NodeEvent, { type: 'settlement:auto-deposit' }>;

const XRP = 1_000_000n;
const h = new Harness();
const aliceWallet = xrpl.Wallet.fromEntropy(new Uint8Array(16).fill(93), { algorithm: 'ed25519' as xrpl.ECDSA });
const bobWallet = xrpl.Wallet.fromEntropy(new Uint8Array(16).fill(94), { algorithm: 'ed25519' as xrpl.ECDSA });
/** alice's wallet: the base reserve, one owner reserve, and 5 XRP */
const FUNDED = 17n * XRP;
let rippled: StandInRippled;
let alice: ConnectorNode;
const events: NodeEvent[] = [];
const autoDeposits = () => events.filter((e): e is AutoDepositEvent => e.type === 'settlement:auto-deposit');
const submitted = (type: string) => rippled.submitted.map((b) => xrpl.decode(b)).filter((t) => t.TransactionType === type && t.Account === aliceWallet.classicAddress);

const pairChain: PairChain = {
  kind: 'xrpl',
  section: (role) => ({ enabled: true, xrpl: { server: rippled.url, seed: (role === 'alice' ? aliceWallet : bobWallet).seed ?? '', pollIntervalMs: 200, resendIntervalMs: 300 } }),
  address: (role) => (role === 'alice' ? aliceWallet.classicAddress : bobWallet.classicAddress),
};

beforeAll(async () => {
  rippled = await StandInRippled.start({ closeEveryMs: 100, reserveBase: 10n * XRP, reserveIncrement: 2n * XRP });
  rippled.fund(aliceWallet.classicAddress, FUNDED);
  rippled.fund(bobWallet.classicAddress, 1000n * XRP);
  const secret = 'xrpl-reserve-secret';
  const bob = h.node({ ...payeeConfig(pairChain, { secret, assetCode: 'XRP', assetScale: 6 }) });
  bob.setPacketHandler(() => ({ accept: true }));
  alice = await startBobThenAlice(bob, (port) => {
    const config = payerConfig(pairChain, port, { secret, assetCode: 'XRP', assetScale: 6, threshold: '100' });
    const peer = config.peers?.[0] as { settlement: Record<string, unknown> };
    peer.settlement.autoDeposit = { below: (3n * XRP).toString(), topUpTo: (4n * XRP).toString() };
    return h.node(config);
  });
  alice.events.subscribe((batch) => events.push(...batch));
}, 90_000);

afterAll(async () => {
  await h.cleanup();
  await rippled?.stop();
}, 30_000);

describe('the XRP Ledger reserve in the wallet checks (stand-in rippled, reserves 10 XRP + 2 XRP per object)', () => {
  let channelId = '';

  it('stand-in: a channel create the balance covers only out of the reserve is refused before it is submitted, naming the reserve from server_info', async () => {
    // 17 XRP covers 6 above the 10 XRP base reserve, but not above base + the new channel's 2 XRP + the fee
    const refused = await admin<{ error: string; message: string }>(alice, 'POST', '/admin/channels', { peerId: 'bob', chain: 'xrpl', initialDeposit: (6n * XRP).toString(), settlementTimeout: 3600 });
    expect(refused.status).toBeGreaterThanOrEqual(400);
    expect(refused.body.message).toContain('XRP Ledger reserve of 12 XRP');
    expect(refused.body.message).toContain('base reserve 10 XRP + owner reserve 2 XRP × 1 owned object, the new channel included');
    expect(refused.body.message).toContain('server_info');
    expect(refused.body.message).toContain('leaving 4.99999 XRP');
    expect(submitted('PaymentChannelCreate')).toEqual([]);
    expect(rippled.balance(aliceWallet.classicAddress)).toBe(FUNDED);

    const open = await admin<ChannelView>(alice, 'POST', '/admin/channels', { peerId: 'bob', chain: 'xrpl', initialDeposit: (4n * XRP).toString(), settlementTimeout: 3600 });
    expect(open.status).toBe(201);
    channelId = open.body.channelId;
    expect(rippled.channel(channelId)?.Amount).toBe(4n * XRP);
    expect(rippled.ownerCount(aliceWallet.classicAddress)).toBe(1);
  });

  it('stand-in: an autoDeposit top-up that would eat into the reserve is wallet-short, naming the reserve; no PaymentChannelFund is sent', async () => {
    await payBob(alice, 3n * XRP / 2n);
    await waitFor(() => autoDeposits().length > 0, 30_000, 'the top-up check');
    const [short] = autoDeposits();
    const balance = rippled.balance(aliceWallet.classicAddress)!;
    // wallet: 17 XRP − 4 deposited − the create's fee; held back: 10 + 2 × 1 (the channel) + the 10-drop fee
    expect(balance).toBeGreaterThan(12n * XRP);
    expect(short).toMatchObject({ chain: 'xrpl', outcome: 'wallet-short', channelId, available: '2500000', amount: '1500000', walletBalance: balance.toString(), walletReserve: '12000010' });
    expect(short.reason).toContain('XRP Ledger reserve of 12 XRP (base reserve 10 XRP + owner reserve 2 XRP × 1 owned object; figures from the server');
    expect(short.reason).toContain('fund the wallet');
    expect(submitted('PaymentChannelFund')).toEqual([]);
    expect(rippled.channel(channelId)?.Amount).toBe(4n * XRP);
  });

  it('stand-in: validators vote the reserve down to 1 XRP + 0.2 XRP: the next check reads it from server_info and tops up', async () => {
    rippled.setReserves(1n * XRP, XRP / 5n);
    await waitFor(() => autoDeposits().some((e) => e.outcome === 'deposited'), 30_000, 'the top-up after the vote');
    expect(autoDeposits().map((e) => e.outcome)).toEqual(['wallet-short', 'deposited']);
    expect(autoDeposits()[1]).toMatchObject({ amount: '1500000', deposit: '5500000' });
    expect(submitted('PaymentChannelFund').map((t) => t.Amount)).toEqual(['1500000']);
    await waitFor(() => rippled.channel(channelId)?.Amount === 5_500_000n, 30_000, 'the fund validated');
  });
});
