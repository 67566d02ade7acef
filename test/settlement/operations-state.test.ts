/**
 * Pending vs final, visible (issue 20), on a real anvil with automine off so a transaction stays
 * pending until the test mines: alice (settlement.evm.confirmations 3) deposits into her channel to
 * bob; the deposit shows `pending` (0/3, then 1/3 once a block holds it) in the admin API
 * (/admin/settlement/operations, the channel's `operations`, the settlement states), in /metrics
 * (ilp_settlement_operations{state}), in the explorer's /api/channels and in the TUI's settlement
 * summary fed by the node's own events; two more blocks make it `final`. A reorg that takes the
 * block away shows `reorged`, and the same transaction counts once. A deposit the wallet cannot
 * cover is `failed` with the chain's reason.
 */
import { Contract, JsonRpcProvider, Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectorNode } from '../../src/index.js';
import type { NodeEvent } from '../../src/node/events.js';
import { rpc } from '../../src/settlement/chains/evm/anvil.js';
import { loadArtifact } from '../../src/settlement/chains/evm/artifacts.js';
import { startDemoChain, type DemoChain } from '../../src/settlement/demo-chain.js';
import type { ChannelView, OperationView, SettlementStateView } from '../../src/settlement/index.js';
import { applyBatch, createStore } from '../../src/tui/store/dashboard-store.js';
import { settlementSummary } from '../../src/tui/components/settlements-pane/activity-row.js';
import { Harness, waitFor } from '../helpers/node.js';
import { admin, payeeConfig, payerConfig, settlementSection, startBobThenAlice, type PairChain } from './helpers.js';

const h = new Harness();
let chain: DemoChain;
let alice: ConnectorNode;
let channelId: string;
const events: NodeEvent[] = [];

/** alice waits for 3 confirmations; bob for the dev default (1). */
function pairChain(c: DemoChain): PairChain {
  const key = (role: 'alice' | 'bob') => c.keys[role === 'alice' ? 0 : 1];
  return {
    kind: 'evm',
    section: (role, extra) => {
      const s = settlementSection(c, key(role).privateKey, extra);
      return role === 'alice' && s?.evm !== undefined ? { ...s, evm: { ...s.evm, confirmations: 3 } } : s;
    },
    address: (role) => key(role).address,
  };
}

const mine = (blocks = 1) => rpc(chain.rpcUrl, 'anvil_mine', [`0x${blocks.toString(16)}`]);
const operations = async (query = ''): Promise<OperationView[]> => (await admin<OperationView[]>(alice, 'GET', `/admin/settlement/operations${query}`)).body;
const metrics = async (): Promise<string> => (await fetch(`${alice.endpoints.health}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
const gauge = (text: string, operation: string, state: string): number => {
  const line = text.split('\n').find((l) => l.startsWith('ilp_settlement_operations{') && l.includes(`operation="${operation}"`) && l.includes(`state="${state}"`));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
};
const explorerChannel = async () => {
  const res = await fetch(`${alice.endpoints.explorer}/api/channels`, { signal: AbortSignal.timeout(10_000) });
  const body = (await res.json()) as { channels: { channelId: string; pendingOperations: number; operations: { operation: string; state: string; confirmations: number; required: number }[] }[] };
  return body.channels.find((c) => c.channelId === channelId);
};

beforeAll(async () => {
  chain = await startDemoChain({ accounts: 2, decimals: 6 });
  const pc = pairChain(chain);
  const secret = 'ops-secret';
  const bob = h.node({ ...payeeConfig(pc, { secret, assetScale: 6 }) });
  bob.setPacketHandler(() => ({ accept: true }));
  alice = await startBobThenAlice(bob, (port) => h.node({ ...payerConfig(pc, port, { secret, assetScale: 6 }), explorer: { enabled: true, port: 0 } }));
  alice.events.subscribe((batch) => events.push(...batch));
  // A standing allowance: each deposit below is then one transaction (no approve before it).
  const provider = new JsonRpcProvider(chain.rpcUrl, chain.chainId, { staticNetwork: true, cacheTimeout: -1 });
  const token = new Contract(chain.token, loadArtifact('TestToken').abi, new Wallet(chain.keys[0].privateKey, provider));
  await (await token.getFunction('approve')(chain.contract, 10n ** 30n)).wait();
  provider.destroy();
  // The open, with automine on: 3 confirmations come from mining while it waits.
  const opened = admin<ChannelView>(alice, 'POST', '/admin/channels', { peerId: 'bob', initialDeposit: '1000' });
  let done = false;
  void opened.finally(() => (done = true));
  await waitFor(async () => done || ((await mine()) && false), 30_000, 'the open final');
  const open = await opened;
  expect(open.status).toBe(201);
  channelId = open.body.channelId;
  expect(open.body.operations?.[0]).toMatchObject({ operation: 'open', state: 'final', channelId, required: 3, amount: '1000' });
  expect(open.body.operations?.[0].confirmations).toBeGreaterThanOrEqual(3); // the test mined on while it waited
  await rpc(chain.rpcUrl, 'evm_setAutomine', [false]);
}, 90_000);

afterAll(async () => {
  await h.cleanup();
  await chain?.stop();
}, 30_000);

describe('pending vs final (anvil, automine off)', () => {
  it('a deposit is pending 0/3 in the pool, 1/3 in a block, final after 3; admin API, metrics, explorer and TUI agree', async () => {
    const deposit = admin<ChannelView & { txHash: string }>(alice, 'POST', `/admin/channels/${channelId}/deposit`, { amount: '500' });
    const [pending] = await waitFor(async () => {
      const ops = await operations('?state=pending');
      return ops.length === 1 && ops[0].txHash !== null ? ops : undefined;
    }, 20_000, 'the deposit sent and pending');
    expect(pending).toMatchObject({ operation: 'deposit', state: 'pending', chain: 'evm', peerId: 'bob', channelId, confirmations: 0, required: 3, amount: '500' });
    expect(gauge(await metrics(), 'deposit', 'pending')).toBe(1);

    await mine();
    await waitFor(async () => (await operations('?state=pending'))[0]?.confirmations === 1, 20_000, 'one block holds it');
    const channel = (await admin<ChannelView>(alice, 'GET', `/admin/channels/${channelId}`)).body;
    expect(channel.operations?.[0]).toMatchObject({ operation: 'deposit', state: 'pending', confirmations: 1, required: 3 });
    const states = (await admin<SettlementStateView[]>(alice, 'GET', '/admin/settlement/states')).body;
    expect(states.find((s) => s.peerId === 'bob')?.pendingOperations).toBe(1);
    const shown = await waitFor(async () => {
      const c = await explorerChannel();
      return c?.operations[0]?.confirmations === 1 ? c : undefined;
    }, 20_000, 'the explorer shows 1/3');
    expect(shown.pendingOperations).toBe(1);
    expect(shown.operations[0]).toMatchObject({ operation: 'deposit', state: 'pending', required: 3 });
    const tui = createStore(alice.events.snapshot(), 'g.alice');
    applyBatch(tui, events);
    expect(settlementSummary(tui.settlement, []).map((s) => s.text).join('')).toContain('tx pending 1 (deposit 1/3)');

    await mine(2);
    const done = await deposit;
    expect(done.status).toBe(200);
    expect(done.body.deposit).toBe('1500');
    const [final] = await operations(`?channelId=${channelId}`);
    expect(final).toMatchObject({ operation: 'deposit', state: 'final', confirmations: 3, txHash: done.body.txHash, reorgs: 0 });
    expect(Number(final.gasUsed)).toBeGreaterThan(0);
    const text = await metrics();
    expect([gauge(text, 'deposit', 'pending'), gauge(text, 'deposit', 'final')]).toEqual([0, 1]);
    expect(text).toMatch(/ilp_settlement_gas_total\{[^}]*operation="deposit"[^}]*\} [1-9]/);
    expect((await explorerChannel())?.pendingOperations).toBe(0);
  }, 60_000);

  it('a reorg that takes the block away shows reorged; the same transaction is final once, paid once', async () => {
    const deposit = admin<ChannelView & { txHash: string }>(alice, 'POST', `/admin/channels/${channelId}/deposit`, { amount: '250' });
    await waitFor(async () => (await operations('?state=pending'))[0]?.txHash ?? undefined, 20_000, 'the deposit sent');
    const snapshot = await rpc<string>(chain.rpcUrl, 'evm_snapshot');
    await mine();
    await waitFor(async () => (await operations('?state=pending'))[0]?.confirmations === 1, 20_000, 'one block holds it');
    expect(await rpc(chain.rpcUrl, 'evm_revert', [snapshot])).toBe(true);
    const [reorged] = await waitFor(async () => {
      const ops = await operations('?state=reorged');
      return ops.length === 1 ? ops : undefined;
    }, 20_000, 'the reorg shown');
    expect(reorged).toMatchObject({ operation: 'deposit', reorgs: 1, confirmations: 0 });
    expect(reorged.reason).toMatch(/^reorg: setTotalDeposit/);
    // sent again (or still there): once the pool holds it, three blocks make it final
    await waitFor(async () => (await rpc<{ blockNumber: string | null } | null>(chain.rpcUrl, 'eth_getTransactionByHash', [reorged.txHash]))?.blockNumber === null, 20_000, 'back in the pool');
    await mine(3);
    const done = await deposit;
    expect(done.status).toBe(200);
    expect(done.body.deposit).toBe('1750'); // once, not twice
    expect((await operations(`?channelId=${channelId}`))[0]).toMatchObject({ state: 'final', reorgs: 1 });
  }, 60_000);

  it('a deposit the wallet cannot cover is failed, with the reason', async () => {
    const res = await admin<{ code: string }>(alice, 'POST', `/admin/channels/${channelId}/deposit`, { amount: (10n ** 15n).toString() });
    expect(res.status).toBe(500);
    const [failed] = await operations('?state=failed');
    expect(failed).toMatchObject({ operation: 'deposit', state: 'failed', channelId, txHash: null });
    expect(failed.reason).toMatch(/setTotalDeposit/);
    expect(gauge(await metrics(), 'deposit', 'failed')).toBe(1);
  }, 60_000);
});
