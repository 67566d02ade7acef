/**
 * Watching the counterparty on anvil with time travel (evm_increaseTime + evm_mine): alice (the payer)
 * closes her channel to bob unilaterally, which starts the challenge period (1 h here). Bob's node
 * redeems his best claim before it ends (redeem.onClose, the default), alice's node settles once it
 * has passed, and the chain's payout equals the claim bob booked. Alice signs no new claim on the
 * closing channel: what she owes bob afterwards runs on bob's credit to her (his creditLimit), then
 * his node refuses her packets (T04), until she opens a new channel, which claims it all.
 *
 * Three cases, one chain, one pair (bob restarted on his own data directory and port):
 * - bob online: he redeems as soon as his poll reads the close;
 * - bob offline for most of the period (50 of 60 minutes): his restart reads the close and redeems;
 * - bob offline for the whole period: alice settles first; bob's unredeemed claim is lost (the chain
 *   refunded it to alice) and stays in his channelIn account: the README's settlement section says so.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectorNode } from '../../src/index.js';
import type { NodeEvent } from '../../src/node/events.js';
import { rpc } from '../../src/settlement/chains/evm/anvil.js';
import type { EvmChain } from '../../src/settlement/chains/evm/evm-chain.js';
import { startDemoChain, type DemoChain } from '../../src/settlement/demo-chain.js';
import type { ChannelView } from '../../src/settlement/operations.js';
import { Harness, waitFor } from '../helpers/node.js';
import { admin, balance, connectEvm, evmPairChain, payBob, payeeConfig, payerNode, type PairChain } from './helpers.js';

const TIMEOUT_S = 3600;
const SECRET = 'watch-secret';
/** Bob lets alice owe him this much (asset units, scale 6 = token base units) beyond her claims. */
const CREDIT = '5000';

const h = new Harness();
let chain: DemoChain;
let pair: PairChain;
let reader: EvmChain;
let alice: ConnectorNode;
let bob: ConnectorNode;
let bobDir = '';
let bobPort = 0;
const aliceEvents: NodeEvent[] = [];
const bobEvents: NodeEvent[] = [];

function makeBob(): ConnectorNode {
  const config = payeeConfig(pair, { secret: SECRET, assetScale: 6 });
  // a small credit line, so what alice owes beyond her claims shows
  const node = h.node({ ...config, peers: [{ ...config.peers![0], creditLimit: CREDIT }], dataDir: bobDir, btpServerPort: bobPort });
  node.setPacketHandler(() => ({ accept: true }));
  node.events.subscribe((batch) => bobEvents.push(...batch));
  return node;
}

beforeAll(async () => {
  chain = await startDemoChain({ accounts: 2, decimals: 6 });
  pair = evmPairChain(chain);
  reader = await connectEvm(chain, 0);
  bobDir = h.dir();
  bob = makeBob();
  await bob.start();
  bobPort = bob.btpPort;
  alice = payerNode(h, pair, bobPort, { secret: SECRET, assetScale: 6, threshold: '1000', dataDir: h.dir(), events: aliceEvents });
  await alice.start();
  await waitFor(() => bob.listPeers()[0]?.connected, 20_000, 'alice connected to bob');
}, 120_000);

afterAll(async () => {
  reader?.close();
  await h.cleanup();
  await chain?.stop();
}, 60_000);

/** Moves the chain's clock on by `seconds` and mines a block there. */
async function travel(seconds: number): Promise<void> {
  await rpc(chain.rpcUrl, 'evm_increaseTime', [seconds]);
  await rpc(chain.rpcUrl, 'evm_mine', []);
}

async function restartBob(): Promise<void> {
  bob = makeBob();
  await bob.start();
  await waitFor(() => bob.listPeers()[0]?.connected, 30_000, 'alice reconnected to bob');
}

/** Alice opens a channel to bob (1 h challenge period), pays `n` × 700 and claims all of it; returns the channel and bob's best claim. */
async function openAndClaim(n: number): Promise<{ channelId: string; best: bigint }> {
  const opened = await admin<ChannelView>(alice, 'POST', '/admin/channels', { peerId: 'bob', initialDeposit: '100000', settlementTimeout: TIMEOUT_S });
  expect(opened.status).toBe(201);
  const { channelId } = opened.body;
  await waitFor(async () => (await admin<ChannelView>(bob, 'GET', `/admin/channels/${channelId}`)).status === 200, 20_000, 'bob sees the channel');
  for (let i = 0; i < n; i++) await payBob(alice, 700n);
  const settled = await admin<{ ok: boolean }>(alice, 'POST', '/admin/settlement/settle/bob');
  expect(settled.body.ok).toBe(true);
  const view = (await admin<ChannelView>(bob, 'GET', `/admin/channels/${channelId}`)).body;
  expect(view.acknowledged).toBe(view.latestClaim);
  return { channelId, best: BigInt(view.latestClaim) };
}

/** Ledgers against the chain: each side's onchain account is what the chain paid out in all; both sum to zero; verify ok. */
async function ledgersAgree(paidOut: bigint): Promise<void> {
  await waitFor(() => balance(alice, 'onchain') === -paidOut, 20_000, "alice's onchain = the chain's payouts");
  expect(balance(bob, 'onchain')).toBe(paidOut);
  for (const n of [alice, bob]) {
    expect(n.getAccounts().reduce((s, a) => s + BigInt(a.balance), 0n)).toBe(0n);
    expect((await n.ledgerHandle!.verify()).ok).toBe(true);
  }
}

let paidOut = 0n;

describe('EVM: the payer closes unilaterally, the payee redeems before the challenge period ends (anvil, time travel)', () => {
  it('bob online: he redeems his best claim at once; alice signs no new claim on the closing channel; her debt runs on his credit (T04 past it); she settles after the period', async () => {
    const { channelId, best } = await openAndClaim(5); // 3500 claimed
    const aliceTokens = await chain.tokenBalance(chain.keys[0].address);
    const closing = await admin<ChannelView>(alice, 'POST', `/admin/channels/${channelId}/close`, {});
    expect(closing.body.status).toBe('closing');
    await waitFor(async () => (await reader.getChannel(channelId)).claimed === best, 20_000, 'bob redeems on the closing channel');
    paidOut += best;
    await waitFor(() => balance(bob, 'channelIn:alice') === 0n, 20_000, "bob's redemption booked");

    // no new claim on a closing channel: alice's debt grows on bob's credit, then bob refuses her packets
    const nonce = (await admin<ChannelView>(alice, 'GET', `/admin/channels/${channelId}`)).body.nonce;
    let refused = '';
    for (let i = 0; i < 20 && refused === ''; i++) await payBob(alice, 700n).catch((err: Error) => (refused = err.message));
    expect(refused).toMatch(/^payment rejected: T04/);
    expect(balance(bob, 'peer:alice')).toBeGreaterThan(0n);
    expect(balance(bob, 'peer:alice')).toBeLessThanOrEqual(BigInt(CREDIT));
    const after = (await admin<ChannelView>(alice, 'GET', `/admin/channels/${channelId}`)).body;
    expect(after).toMatchObject({ status: 'closing', nonce, latestClaim: best.toString() });
    await waitFor(() => aliceEvents.some((e) => e.type === 'settlement:failed' && /no open channel/.test(e.reason)), 20_000, 'alice says she has no open channel');

    // the challenge period ends: alice's node settles and gets the rest back
    await travel(TIMEOUT_S + 1);
    await waitFor(async () => (await reader.getChannel(channelId)).state === 'settled', 20_000, "alice's node settles the channel");
    await waitFor(async () => (await admin<ChannelView>(alice, 'GET', `/admin/channels/${channelId}`)).body.status === 'settled', 20_000, 'alice reads the settlement');
    expect(await chain.tokenBalance(chain.keys[0].address)).toBe(aliceTokens + 100_000n - best);
    await ledgersAgree(paidOut);

    // a new channel claims everything owed at once: the credit is free again
    const owed = balance(bob, 'peer:alice');
    const reopened = await admin<ChannelView>(alice, 'POST', '/admin/channels', { peerId: 'bob', initialDeposit: '100000', settlementTimeout: TIMEOUT_S });
    expect(reopened.status).toBe(201);
    await waitFor(async () => (await admin<ChannelView>(bob, 'GET', `/admin/channels/${reopened.body.channelId}`)).status === 200, 20_000, 'bob sees the new channel');
    await admin(alice, 'POST', '/admin/settlement/settle/bob');
    await waitFor(() => balance(bob, 'peer:alice') === 0n, 20_000, 'the new channel claims what alice owed');
    expect(balance(bob, 'channelIn:alice')).toBe(owed);
    // the rest of this test uses channels of its own: close this one and let it settle
    const redeemed = await admin<{ ok: boolean }>(bob, 'POST', '/admin/settlement/settle/alice');
    expect(redeemed.body.ok).toBe(true);
    paidOut += owed;
    await admin(alice, 'POST', `/admin/channels/${reopened.body.channelId}/close`, {});
    await travel(TIMEOUT_S + 1);
    await waitFor(async () => (await reader.getChannel(reopened.body.channelId)).state === 'settled', 20_000, 'the second channel settles');
    await ledgersAgree(paidOut);
  });

  it('bob offline for 50 of the 60 minutes: his restart reads the close and redeems before the end; the payout is his booked best claim', async () => {
    const { channelId, best } = await openAndClaim(4);
    await bob.stop();
    await admin(alice, 'POST', `/admin/channels/${channelId}/close`, {});
    await travel(TIMEOUT_S - 600);
    expect((await reader.getChannel(channelId)).claimed).toBe(0n);
    await restartBob();
    await waitFor(async () => (await reader.getChannel(channelId)).claimed === best, 20_000, 'bob redeems after his restart');
    paidOut += best;
    const view = (await admin<ChannelView>(bob, 'GET', `/admin/channels/${channelId}`)).body;
    expect(view).toMatchObject({ status: 'closing', claimedOnchain: best.toString(), latestClaim: best.toString() });
    await travel(601);
    await waitFor(async () => (await reader.getChannel(channelId)).state === 'settled', 20_000, "alice's node settles the channel");
    await ledgersAgree(paidOut);
    expect(balance(bob, 'channelIn:alice')).toBe(0n);
  });

  it('bob offline for the whole period: alice settles first; his unredeemed best claim is lost on-chain and stays in his channelIn account', async () => {
    const { channelId, best } = await openAndClaim(3);
    const bobTokens = await chain.tokenBalance(chain.keys[1].address);
    await bob.stop();
    await admin(alice, 'POST', `/admin/channels/${channelId}/close`, {});
    await travel(TIMEOUT_S + 1);
    await waitFor(async () => (await reader.getChannel(channelId)).state === 'settled', 20_000, "alice's node settles the channel");
    await restartBob();
    await waitFor(async () => (await admin<ChannelView>(bob, 'GET', `/admin/channels/${channelId}`)).body.status === 'settled', 20_000, 'bob reads the settlement');
    const view = (await admin<ChannelView>(bob, 'GET', `/admin/channels/${channelId}`)).body;
    expect(view).toMatchObject({ claimedOnchain: '0', latestClaim: best.toString() });
    expect(await chain.tokenBalance(chain.keys[1].address)).toBe(bobTokens);
    // what is lost: the claim bob credited alice for, never paid; his books keep it as channelIn
    expect(balance(bob, 'channelIn:alice')).toBe(best);
    expect(balance(alice, 'channelOut:bob')).toBe(-best);
    await ledgersAgree(paidOut);
  });
});
