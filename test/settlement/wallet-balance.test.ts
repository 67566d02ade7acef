/**
 * Our settlement wallet's balance as an event and in /metrics (issue 20, "Surfaces"), on a real anvil:
 * after an open and after a deposit, alice's lane reads her wallet again; the
 * `settlement:wallet-balance` event and the `ilp_settlement_wallet_balance{chain,asset}` gauge then
 * hold exactly what the token contract says her address holds (read here with ethers).
 */
import { Contract, JsonRpcProvider } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectorNode } from '../../src/index.js';
import type { NodeEvent, WalletBalanceEvent } from '../../src/node/events.js';
import { loadArtifact } from '../../src/settlement/chains/evm/artifacts.js';
import { startDemoChain, type DemoChain } from '../../src/settlement/demo-chain.js';
import type { ChannelView } from '../../src/settlement/index.js';
import { parseMetrics, sample } from '../helpers/metrics-text.js';
import { Harness, waitFor } from '../helpers/node.js';
import { admin, evmPairChain, payeeConfig, payerConfig, startBobThenAlice } from './helpers.js';

const h = new Harness();
let chain: DemoChain;
let alice: ConnectorNode;
let provider: JsonRpcProvider;
const events: NodeEvent[] = [];

const walletEvents = () => events.filter((e): e is WalletBalanceEvent => e.type === 'settlement:wallet-balance');
const onchain = async (): Promise<bigint> => (await new Contract(chain.token, loadArtifact('TestToken').abi, provider).getFunction('balanceOf')(chain.keys[0].address)) as bigint;
const gauge = async (): Promise<number | undefined> => {
  const text = await (await fetch(`${alice.endpoints.health}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
  const asset = walletEvents().at(-1)?.asset ?? '';
  return sample(parseMetrics(text), 'ilp_settlement_wallet_balance', { chain: 'evm', asset });
};

beforeAll(async () => {
  chain = await startDemoChain({ accounts: 2, decimals: 6 });
  provider = new JsonRpcProvider(chain.rpcUrl, chain.chainId, { staticNetwork: true, cacheTimeout: -1 });
  const pc = evmPairChain(chain);
  const secret = 'wallet-secret';
  const bob = h.node({ ...payeeConfig(pc, { secret, assetScale: 6 }) });
  bob.setPacketHandler(() => ({ accept: true }));
  alice = await startBobThenAlice(bob, (port) => h.node(payerConfig(pc, port, { secret, assetScale: 6 })));
  alice.events.subscribe((batch) => events.push(...batch));
}, 90_000);

afterAll(async () => {
  await h.cleanup();
  provider?.destroy();
  await chain?.stop();
}, 30_000);

describe('settlement wallet balance (anvil)', () => {
  it('after an open and a deposit, the event and /metrics hold the balance the chain holds', async () => {
    const before = await onchain();
    const open = await admin<ChannelView>(alice, 'POST', '/admin/channels', { peerId: 'bob', initialDeposit: '1000' });
    expect(open.status).toBe(201);
    // the open took 1000 (6 decimals, scale 6: base units = asset units)
    await waitFor(() => walletEvents().some((e) => e.balance === (before - 1000n).toString()), 30_000, 'the wallet read after the open');

    const dep = await admin<ChannelView>(alice, 'POST', `/admin/channels/${open.body.channelId}/deposit`, { amount: '500' });
    expect(dep.status).toBe(200);
    const expected = await onchain();
    expect(expected).toBe(before - 1500n);
    const e = await waitFor(() => walletEvents().find((x) => x.balance === expected.toString()), 30_000, 'the wallet read after the deposit');
    expect(e).toMatchObject({ chain: 'evm', address: chain.keys[0].address, decimals: 6 });
    expect(e.asset).not.toBe('');
    await waitFor(async () => (await gauge()) === Number(expected), 30_000, '/metrics showing the balance');
  }, 90_000);
});
