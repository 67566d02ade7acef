/**
 * Transactions that survive restarts, on a real anvil with a real settlement store (LevelDB in a tmp
 * dir): every transaction is an intent in the store before it is sent and is gone once mined; at start
 * the adapter reconciles each intent a crash left open: mined → finished, not sent again; in the pool
 * → waited for; never sent (the crash came between the store and the send) → the same signed bytes
 * sent, exactly once; its nonce taken by another transaction → superseded. Each crash state is made
 * by writing the intent (and sending, or not) as the adapter would have just before dying.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Contract, JsonRpcProvider, Transaction, Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rpc } from '../../src/settlement/chains/evm/anvil.js';
import { loadArtifact } from '../../src/settlement/chains/evm/artifacts.js';
import type { EvmChain } from '../../src/settlement/chains/evm/evm-chain.js';
import type { TxReport } from '../../src/settlement/chains/evm/sender.js';
import { startDemoChain, type DemoChain } from '../../src/settlement/demo-chain.js';
import { SettlementStore, type TxIntent } from '../../src/settlement/store.js';
import { waitFor } from '../helpers/node.js';
import { connectEvm } from './helpers.js';

let chain: DemoChain;
let dir: string;
let store: SettlementStore;
let provider: JsonRpcProvider;
const adapters: EvmChain[] = [];
const reports: TxReport[] = [];
let channelId: string;

async function adapter(key = 0): Promise<EvmChain> {
  const a = await connectEvm(chain, key, { intents: store, onTx: (r) => reports.push(r) });
  adapters.push(a);
  return a;
}

const alice = (): Wallet => new Wallet(chain.keys[0].privateKey, provider);
const network = (): Contract => new Contract(chain.contract, loadArtifact('TokenNetwork').abi, alice());
const count = (tag: 'latest' | 'pending' = 'latest'): Promise<number> => provider.getTransactionCount(chain.keys[0].address, tag);

/** Alice's setTotalDeposit(channelId, total), signed at `nonce`. */
async function signDeposit(total: bigint, nonce: number): Promise<{ raw: string; hash: string }> {
  const { to, data } = await network().getFunction('setTotalDeposit').populateTransaction(channelId, total);
  const fee = await provider.getFeeData();
  const raw = await alice().signTransaction({
    to,
    data,
    nonce,
    gasLimit: 200_000n,
    chainId: chain.chainId,
    type: 2,
    maxFeePerGas: fee.maxFeePerGas,
    maxPriorityFeePerGas: fee.maxPriorityFeePerGas,
  });
  return { raw, hash: Transaction.from(raw).hash as string };
}

/** signDeposit, and its intent written as the adapter does just before sending. */
async function crashedIntent(total: bigint, nonce: number): Promise<{ intent: TxIntent; raw: string; hash: string }> {
  const { raw, hash } = await signDeposit(total, nonce);
  const intent: TxIntent = { chain: 'evm', kind: 'setTotalDeposit', channelId, amount: total.toString(), from: chain.keys[0].address, nonce, txs: [{ hash, raw, sentAt: Date.now() }], createdAt: Date.now() };
  await store.putIntent(intent);
  return { intent, raw, hash };
}

const deposit = async (): Promise<bigint> => ((await network().getFunction('getChannel')(channelId)) as { deposit: bigint }).deposit;
const outcomes = (hash: string): string[] => reports.filter((r) => r.txHash === hash).map((r) => r.outcome);

beforeAll(async () => {
  chain = await startDemoChain({ accounts: 2, decimals: 6 });
  dir = mkdtempSync(join(tmpdir(), 'ar-intents-'));
  store = await SettlementStore.open(dir);
  provider = new JsonRpcProvider(chain.rpcUrl, chain.chainId, { staticNetwork: true, cacheTimeout: -1 });
  const token = new Contract(chain.token, loadArtifact('TestToken').abi, alice());
  await (await token.getFunction('approve')(chain.contract, 10n ** 15n)).wait(); // the hand-made deposits below need no approve
}, 60_000);

afterAll(async () => {
  for (const a of adapters) a.close();
  provider?.destroy();
  await store?.close();
  await chain?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 30_000);

describe('EVM transaction intents (anvil, real store)', () => {
  it('every transaction is an intent in the store while it is out, and gone once mined', async () => {
    const a = await adapter();
    const opened = await a.openChannel(chain.keys[1].address, 3600, 1000n);
    channelId = opened.channelId;
    expect(await store.intents('evm')).toEqual([]);
    const sent = reports.filter((r) => r.outcome === 'sent');
    expect(sent.map((r) => r.kind)).toContain('openChannel');
    expect(outcomes(opened.txHash)).toEqual(['sent', 'mined']);
    expect(reports.find((r) => r.txHash === opened.txHash)).toMatchObject({ kind: 'openChannel', channelId, outcome: 'sent' });
  }, 60_000);

  it('written but never sent (crash between store and send): sent at restart as signed, exactly once', async () => {
    const before = await count();
    const { hash } = await crashedIntent(1500n, await count('pending'));
    expect(await provider.getTransaction(hash)).toBeNull();
    const restarted = await adapter();
    await restarted.recoverIntents();
    await waitFor(() => outcomes(hash).includes('mined'), 20_000, 'the intent mined');
    expect(outcomes(hash)).toEqual(['resent', 'mined']);
    expect(await deposit()).toBe(1500n);
    expect(await count()).toBe(before + 1);
    expect(await store.intents('evm')).toEqual([]);
  }, 60_000);

  it('sent and mined before the crash: finished at restart, not sent again', async () => {
    const before = await count();
    const { raw, hash } = await crashedIntent(1600n, await count('pending'));
    await provider.broadcastTransaction(raw);
    await waitFor(async () => (await provider.getTransactionReceipt(hash)) !== null, 20_000, 'mined');
    const restarted = await adapter();
    await restarted.recoverIntents();
    await waitFor(() => outcomes(hash).includes('mined'), 20_000, 'finished');
    expect(outcomes(hash)).toEqual(['mined']);
    expect(await count()).toBe(before + 1);
    expect(await store.intents('evm')).toEqual([]);
  }, 60_000);

  it('its nonce taken by another transaction: superseded, and the other stands', async () => {
    const nonce = await count('pending');
    const { hash } = await crashedIntent(9999n, nonce);
    const other = await signDeposit(1700n, nonce); // the same nonce, sent by someone else holding the key
    await provider.broadcastTransaction(other.raw);
    await waitFor(async () => (await provider.getTransactionReceipt(other.hash)) !== null, 20_000, 'the other mined');
    const restarted = await adapter();
    await restarted.recoverIntents();
    expect(outcomes(hash)).toEqual(['superseded']);
    expect(reports.find((r) => r.txHash === hash)?.reason).toBe(`nonce ${nonce} was used by another transaction`);
    expect(await provider.getTransactionReceipt(hash)).toBeNull();
    expect(await deposit()).toBe(1700n);
    expect(await store.intents('evm')).toEqual([]);
  }, 60_000);

  it('still in the pool at restart (a chain that mines on demand): waited for, then finished', async () => {
    await rpc(chain.rpcUrl, 'evm_setAutomine', [false]);
    try {
      const before = await count();
      const { raw, hash } = await crashedIntent(1800n, await count('pending'));
      await provider.broadcastTransaction(raw);
      const restarted = await adapter();
      await restarted.recoverIntents();
      expect(outcomes(hash)).toEqual(['pending']);
      await rpc(chain.rpcUrl, 'evm_mine');
      await waitFor(() => outcomes(hash).includes('mined'), 20_000, 'mined after the block');
      expect(await deposit()).toBe(1800n);
      expect(await count()).toBe(before + 1);
      expect(await store.intents('evm')).toEqual([]);
    } finally {
      await rpc(chain.rpcUrl, 'evm_setAutomine', [true]);
    }
  }, 60_000);
});
