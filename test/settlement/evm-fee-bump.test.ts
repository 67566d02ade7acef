/**
 * Fee bumps on a real anvil with automine off (`evm_setAutomine false`): our transaction stays in the
 * pool until the test mines, deterministically. Past `replaceAfterMs` it is replaced by the same call
 * with the same nonce, maxFeePerGas and maxPriorityFeePerGas each at least 12.5% higher, and the
 * replacement is written to the intent before it is sent; once a block comes exactly one of them is
 * mined, and the call resolves with it. With `maxFeePerGas` capped at the first offer no replacement
 * is possible: the sender says so (`fee-capped`) and waits, and the original is mined.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonRpcProvider, Transaction } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rpc } from '../../src/settlement/chains/evm/anvil.js';
import type { EvmChain } from '../../src/settlement/chains/evm/evm-chain.js';
import type { TxReport } from '../../src/settlement/chains/evm/sender.js';
import { startDemoChain, type DemoChain } from '../../src/settlement/demo-chain.js';
import { SettlementStore } from '../../src/settlement/store.js';
import { waitFor } from '../helpers/node.js';
import { connectEvm } from './helpers.js';

let chain: DemoChain;
let provider: JsonRpcProvider;
let dir: string;
let store: SettlementStore;
const adapters: EvmChain[] = [];
const reports: TxReport[] = [];

async function adapter(o: { replaceAfterMs: number; maxFeePerGas?: bigint }): Promise<EvmChain> {
  const a = await connectEvm(chain, 0, { intents: store, onTx: (r) => reports.push(r), ...o });
  adapters.push(a);
  return a;
}

const count = (): Promise<number> => provider.getTransactionCount(chain.keys[0].address, 'latest');

beforeAll(async () => {
  chain = await startDemoChain({ accounts: 2, decimals: 6 });
  provider = new JsonRpcProvider(chain.rpcUrl, chain.chainId, { staticNetwork: true, cacheTimeout: -1 });
  dir = mkdtempSync(join(tmpdir(), 'ar-feebump-'));
  store = await SettlementStore.open(dir);
}, 60_000);

afterAll(async () => {
  await rpc(chain.rpcUrl, 'evm_setAutomine', [true]).catch(() => undefined);
  for (const a of adapters) a.close();
  provider?.destroy();
  await store?.close();
  await chain?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 30_000);

describe('EVM fee bumps (anvil, automine off)', () => {
  it('a transaction still pending after replaceAfterMs is replaced (same nonce, both fees +12.5% or more); one of them is mined', async () => {
    const setup = await adapter({ replaceAfterMs: 60_000 });
    const channelId = (await setup.openChannel(chain.keys[1].address, 3600, 100n)).channelId;
    const a = await adapter({ replaceAfterMs: 300 });
    await rpc(chain.rpcUrl, 'evm_setAutomine', [false]);
    const before = await count();
    reports.length = 0;
    const close = a.closeChannel(channelId);
    await waitFor(() => reports.filter((r) => r.outcome === 'replaced').length >= 2, 20_000, 'two replacements');
    const [intent] = await store.intents('evm');
    expect(intent.txs.length).toBeGreaterThanOrEqual(3); // the first and each replacement, written before it went out
    const sent = await Promise.all(intent.txs.map((t) => provider.getTransaction(t.hash)));
    expect(sent[sent.length - 1]).not.toBeNull(); // the newest is in the pool
    const txs = intent.txs.map((t) => ({ hash: t.hash, ...decode(t.raw) }));
    for (const t of txs) expect(t.nonce).toBe(before);
    for (let i = 1; i < txs.length; i++) {
      expect(txs[i].maxFeePerGas * 8n).toBeGreaterThanOrEqual(txs[i - 1].maxFeePerGas * 9n);
      expect(txs[i].maxPriorityFeePerGas * 8n).toBeGreaterThanOrEqual(txs[i - 1].maxPriorityFeePerGas * 9n);
    }
    await rpc(chain.rpcUrl, 'evm_mine');
    const result = await close;
    await rpc(chain.rpcUrl, 'evm_setAutomine', [true]);
    expect(txs.map((t) => t.hash)).toContain(result.txHash);
    const mined = await Promise.all(txs.map((t) => provider.getTransactionReceipt(t.hash)));
    expect(mined.filter((r) => r !== null)).toHaveLength(1); // one nonce: exactly one of them
    expect(await count()).toBe(before + 1);
    expect((await a.getChannel(channelId)).state).toBe('closing');
    expect(await store.intents('evm')).toEqual([]);
  }, 60_000);

  it('capped at its first offer: no replacement (fee-capped), and the original is mined', async () => {
    const setup = adapters[0];
    const channelId = (await setup.openChannel(chain.keys[1].address, 3600, 100n)).channelId;
    const fee = await provider.getFeeData();
    const capped = await adapter({ replaceAfterMs: 300, maxFeePerGas: fee.maxFeePerGas as bigint });
    await rpc(chain.rpcUrl, 'evm_setAutomine', [false]);
    reports.length = 0;
    const close = capped.closeChannel(channelId);
    await waitFor(() => reports.some((r) => r.outcome === 'fee-capped'), 20_000, 'fee-capped');
    expect(reports.some((r) => r.outcome === 'replaced')).toBe(false);
    expect(reports.find((r) => r.outcome === 'fee-capped')?.reason).toMatch(/cap of \d+ wei per gas/);
    const first = reports.find((r) => r.outcome === 'sent') as TxReport;
    await rpc(chain.rpcUrl, 'evm_mine');
    const result = await close;
    await rpc(chain.rpcUrl, 'evm_setAutomine', [true]);
    expect(result.txHash).toBe(first.txHash);
  }, 60_000);
});

function decode(raw: string): { nonce: number; maxFeePerGas: bigint; maxPriorityFeePerGas: bigint } {
  // ethers' Transaction parses the signed bytes we stored
  const t = Transaction.from(raw);
  return { nonce: t.nonce, maxFeePerGas: t.maxFeePerGas as bigint, maxPriorityFeePerGas: t.maxPriorityFeePerGas as bigint };
}
