/**
 * peers[].settlement.autoDeposit on an XRPL lane, two real ConnectorNodes over BTP settling on a
 * STAND-IN rippled (stand-ins/rippled.ts: our engine and client logic, not the XRP Ledger). Alice's
 * claims to bob consume her PayChannel; each time it covers less than `below` she tops it up to
 * `topUpTo` with a PaymentChannelFund, never past `maxDeposit`. The deposit is an operation in
 * GET /admin/settlement/operations (chain xrpl), final once a validated ledger holds it.
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
interface OperationView {
  chain: string;
  operation: string;
  state: string;
  channelId?: string;
  amount?: string;
  txHash?: string;
}

const XRP = 1_000_000n;
const h = new Harness();
const aliceWallet = xrpl.Wallet.fromEntropy(new Uint8Array(16).fill(91), { algorithm: 'ed25519' as xrpl.ECDSA });
const bobWallet = xrpl.Wallet.fromEntropy(new Uint8Array(16).fill(92), { algorithm: 'ed25519' as xrpl.ECDSA });
const AUTO = { below: '400', topUpTo: '1000', maxDeposit: '2500' };
let rippled: StandInRippled;
let alice: ConnectorNode;
let channelId: string;
const events: NodeEvent[] = [];
const autoDeposits = () => events.filter((e): e is AutoDepositEvent => e.type === 'settlement:auto-deposit');

const pairChain: PairChain = {
  kind: 'xrpl',
  section: (role) => ({ enabled: true, xrpl: { server: rippled.url, seed: (role === 'alice' ? aliceWallet : bobWallet).seed ?? '', pollIntervalMs: 200, resendIntervalMs: 300 } }),
  address: (role) => (role === 'alice' ? aliceWallet.classicAddress : bobWallet.classicAddress),
};

/** Pays bob 700 drops and waits until alice's claim for the new cumulative amount is acknowledged. */
async function pay700(cumulative: string): Promise<void> {
  await payBob(alice, 700n);
  await waitFor(() => events.some((e) => e.type === 'settlement:claim-sent' && e.cumulative === cumulative), 30_000, `claim ${cumulative} acknowledged`);
}

beforeAll(async () => {
  rippled = await StandInRippled.start({ closeEveryMs: 100 });
  rippled.fund(aliceWallet.classicAddress, 1000n * XRP);
  rippled.fund(bobWallet.classicAddress, 1000n * XRP);
  const secret = 'xrpl-auto-secret';
  const bob = h.node({ ...payeeConfig(pairChain, { secret, assetCode: 'XRP', assetScale: 6 }) });
  bob.setPacketHandler(() => ({ accept: true }));
  alice = await startBobThenAlice(bob, (port) => {
    const config = payerConfig(pairChain, port, { secret, assetCode: 'XRP', assetScale: 6, threshold: '100' });
    const peer = config.peers?.[0] as { settlement: Record<string, unknown> };
    peer.settlement.autoDeposit = AUTO;
    return h.node(config);
  });
  alice.events.subscribe((batch) => events.push(...batch));
  const open = await admin<ChannelView>(alice, 'POST', '/admin/channels', { peerId: 'bob', chain: 'xrpl', initialDeposit: '1000', settlementTimeout: 3600 });
  expect(open.status).toBe(201);
  channelId = open.body.channelId;
}, 90_000);

afterAll(async () => {
  await h.cleanup();
  await rippled?.stop();
}, 30_000);

describe('autoDeposit on an XRPL lane (stand-in rippled)', () => {
  it('stand-in: claims consume the PayChannel; each time it covers less than 400 alice funds it back to 1000 with PaymentChannelFund', async () => {
    await pay700('700');
    await waitFor(() => autoDeposits().length === 1, 30_000, 'the first top-up');
    await pay700('1400');
    await waitFor(() => autoDeposits().length === 2, 30_000, 'the second top-up');
    expect(autoDeposits().map((e) => [e.chain, e.outcome, e.available, e.amount, e.deposit])).toEqual([
      ['xrpl', 'deposited', '300', '700', '1700'],
      ['xrpl', 'deposited', '300', '700', '2400'],
    ]);
    expect(rippled.channel(channelId)?.Amount).toBe(2400n);
    const funds = rippled.submitted.map((b) => xrpl.decode(b)).filter((t) => t.TransactionType === 'PaymentChannelFund' && t.Account === aliceWallet.classicAddress);
    expect(funds.map((t) => t.Amount)).toEqual(['700', '700']);
  });

  it('stand-in: each top-up is a deposit operation on chain xrpl, final once validated, with its transaction hash', async () => {
    const ops = await admin<OperationView[]>(alice, 'GET', `/admin/settlement/operations?chain=xrpl&channelId=${channelId}`);
    expect(ops.status).toBe(200);
    const deposits = ops.body.filter((o) => o.operation === 'deposit');
    expect(deposits).toHaveLength(2);
    for (const d of deposits) expect(d).toMatchObject({ chain: 'xrpl', state: 'final', amount: '700', txHash: expect.stringMatching(/^[0-9A-F]{64}$/) as unknown });
  });

  it('stand-in: never past maxDeposit: the next shortfall is at-cap and the ledger holds exactly 2500', async () => {
    await pay700('2100');
    await waitFor(() => autoDeposits().length === 3, 30_000, 'the capped top-up');
    expect(autoDeposits()[2]).toMatchObject({ chain: 'xrpl', outcome: 'deposited', amount: '100', deposit: '2500' });
    await payBob(alice, 200n);
    await waitFor(() => autoDeposits().some((e) => e.outcome === 'at-cap'), 30_000, 'at-cap');
    expect(rippled.channel(channelId)?.Amount).toBe(2500n);
  });
});
