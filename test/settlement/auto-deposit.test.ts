/**
 * peers[].settlement.autoDeposit on a real anvil (issue 20, "Funding"): alice's claims to bob consume
 * her channel; whenever what it still covers falls below `below` (400) she deposits back up to
 * `topUpTo` (1000) on her own, one settlement:auto-deposit event per top-up; her wallet running short
 * is an event (and nothing sent) until it is funded again; the channel's deposit never passes
 * `maxDeposit` (2500): the last top-up is cut to fit, then `at-cap`. The chain holds exactly the
 * deposits the events name.
 */
import { Contract, JsonRpcProvider, Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { peerSchema } from '../../src/config/schema-peers.js';
import type { ConnectorNode } from '../../src/index.js';
import type { AutoDepositEvent, NodeEvent } from '../../src/node/events.js';
import { loadArtifact } from '../../src/settlement/chains/evm/artifacts.js';
import { startDemoChain, type DemoChain } from '../../src/settlement/demo-chain.js';
import type { ChannelView } from '../../src/settlement/index.js';
import { Harness, waitFor } from '../helpers/node.js';
import { admin, evmPairChain, payBob, payeeConfig, payerConfig, startBobThenAlice } from './helpers.js';

const h = new Harness();
let chain: DemoChain;
let alice: ConnectorNode;
let provider: JsonRpcProvider;
let channelId: string;
const events: NodeEvent[] = [];
const AUTO = { below: '400', topUpTo: '1000', maxDeposit: '2500' };

const autoDeposits = () => events.filter((e): e is AutoDepositEvent => e.type === 'settlement:auto-deposit');
const token = (key: number) => new Contract(chain.token, loadArtifact('TestToken').abi, new Wallet(chain.keys[key].privateKey, provider));
const onchainDeposit = async (): Promise<bigint> => {
  const network = new Contract(chain.contract, loadArtifact('TokenNetwork').abi, provider);
  return ((await network.getFunction('getChannel')(channelId)) as { deposit: bigint }).deposit;
};
/** Pays bob 700 and waits until alice's claim for the new cumulative amount is acknowledged. */
async function pay700(cumulative: string): Promise<void> {
  await payBob(alice, 700n);
  await waitFor(() => events.some((e) => e.type === 'settlement:claim-sent' && e.cumulative === cumulative), 20_000, `claim ${cumulative} acknowledged`);
}

beforeAll(async () => {
  chain = await startDemoChain({ accounts: 2, decimals: 6 });
  provider = new JsonRpcProvider(chain.rpcUrl, chain.chainId, { staticNetwork: true, cacheTimeout: -1 });
  const pc = evmPairChain(chain);
  const secret = 'auto-secret';
  const bob = h.node({ ...payeeConfig(pc, { secret, assetScale: 6 }) });
  bob.setPacketHandler(() => ({ accept: true }));
  alice = await startBobThenAlice(bob, (port) => {
    const config = payerConfig(pc, port, { secret, assetScale: 6, threshold: '100' });
    const peer = config.peers?.[0] as { settlement: Record<string, unknown> };
    peer.settlement.autoDeposit = AUTO;
    return h.node(config);
  });
  alice.events.subscribe((batch) => events.push(...batch));
  const open = await admin<ChannelView>(alice, 'POST', '/admin/channels', { peerId: 'bob', initialDeposit: '1000' });
  expect(open.status).toBe(201);
  channelId = open.body.channelId;
}, 90_000);

afterAll(async () => {
  await h.cleanup();
  provider?.destroy();
  await chain?.stop();
}, 30_000);

describe('autoDeposit (anvil)', () => {
  it('the config refuses a topUpTo not above below', () => {
    const base = { id: 'bob', settlement: { chain: 'evm', address: `0x${'a1'.repeat(20)}` } };
    const bad = peerSchema.safeParse({ ...base, settlement: { ...base.settlement, autoDeposit: { below: '500', topUpTo: '500' } } });
    expect(bad.success).toBe(false);
    expect(JSON.stringify(bad.error?.issues)).toContain('must be above below (500)');
    expect(peerSchema.safeParse({ ...base, settlement: { ...base.settlement, autoDeposit: AUTO } }).success).toBe(true);
  });

  it('claims consume the channel; each time it covers less than 400 alice tops it up to 1000 on her own', async () => {
    await pay700('700');
    await waitFor(() => autoDeposits().length === 1, 20_000, 'the first top-up');
    await pay700('1400');
    await waitFor(() => autoDeposits().length === 2, 20_000, 'the second top-up');
    expect(autoDeposits().map((e) => [e.outcome, e.available, e.amount, e.deposit])).toEqual([
      ['deposited', '300', '700', '1700'],
      ['deposited', '300', '700', '2400'],
    ]);
    expect(await onchainDeposit()).toBe(2400n);
  }, 60_000);

  it('a wallet that cannot cover the top-up is an event, and nothing is sent until it is funded', async () => {
    const mine = token(0);
    const held = (await mine.getFunction('balanceOf')(chain.keys[0].address)) as bigint;
    await (await mine.getFunction('transfer')(chain.keys[1].address, held - 50n)).wait(); // 50 base units left
    await pay700('2100');
    const short = await waitFor(() => autoDeposits().find((e) => e.outcome === 'wallet-short'), 20_000, 'wallet-short');
    // what is left under the cap is 100, and the wallet holds 50
    expect(short).toMatchObject({ channelId, amount: '100', walletBalance: '50', available: '300' });
    expect(short.reason).toContain('fund the wallet');
    expect(await onchainDeposit()).toBe(2400n);
    await (await token(1).getFunction('transfer')(chain.keys[0].address, 1_000_000n)).wait();
    await waitFor(() => autoDeposits().length === 4, 20_000, 'the top-up once funded');
    expect(autoDeposits()[3]).toMatchObject({ outcome: 'deposited', amount: '100', deposit: '2500' });
  }, 60_000);

  it('never past maxDeposit: the next shortfall is at-cap, and the chain holds exactly 2500', async () => {
    await payBob(alice, 700n); // the claim stops at the deposit: 2500
    await waitFor(() => events.some((e) => e.type === 'settlement:claim-sent' && e.cumulative === '2500'), 20_000, 'claim 2500');
    const cap = await waitFor(() => autoDeposits().find((e) => e.outcome === 'at-cap'), 20_000, 'at-cap');
    expect(cap).toMatchObject({ amount: '0', available: '0' });
    expect(cap.reason).toContain('maxDeposit 2500');
    expect(await onchainDeposit()).toBe(2500n);
    expect(autoDeposits().filter((e) => e.outcome === 'deposited').reduce((s, e) => s + BigInt(e.amount), 1000n)).toBe(2500n);
    const view = (await admin<ChannelView>(alice, 'GET', `/admin/channels/${channelId}`)).body;
    expect(view).toMatchObject({ deposit: '2500', latestClaim: '2500', available: '0' });
  }, 60_000);
});
