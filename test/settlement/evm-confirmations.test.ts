/**
 * settlement.evm.confirmations on a real anvil (a chain that mines only when a transaction arrives,
 * or when the test mines): the peer's deposit counts only once enough blocks hold it; our own
 * transaction resolves only then, and waits without hanging the process; a reorg (anvil
 * evm_snapshot / evm_revert) that drops our transaction is reported and the same signed transaction
 * is sent again, so the chain holds it exactly once.
 */
import { Contract, JsonRpcProvider, Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rpc } from '../../src/settlement/chains/evm/anvil.js';
import { loadArtifact } from '../../src/settlement/chains/evm/artifacts.js';
import type { EvmChain } from '../../src/settlement/chains/evm/evm-chain.js';
import { startDemoChain, type DemoChain } from '../../src/settlement/demo-chain.js';
import { waitFor } from '../helpers/node.js';
import { connectEvm } from './helpers.js';

let chain: DemoChain;
const adapters: EvmChain[] = [];
const reorgs: string[] = [];

async function adapter(key: number, confirmations: number): Promise<EvmChain> {
  const a = await connectEvm(chain, key, { confirmations, onReorg: (r) => reorgs.push(r) });
  adapters.push(a);
  return a;
}

const latest = async (): Promise<number> => Number(await rpc<string>(chain.rpcUrl, 'eth_blockNumber'));

beforeAll(async () => {
  chain = await startDemoChain({ accounts: 2, decimals: 6 });
}, 60_000);

afterAll(async () => {
  for (const a of adapters) a.close();
  await chain?.stop();
}, 30_000);

describe('EVM confirmations (anvil)', () => {
  let channelId: string;

  it("the peer's open and deposit count only once 2 blocks hold them", async () => {
    const alice = await adapter(0, 1);
    const bob = await adapter(1, 2);
    expect([alice.confirmations, bob.confirmations]).toEqual([1, 2]);
    channelId = (await alice.openChannel(chain.keys[1].address, 3600, 1000n)).channelId;
    expect((await alice.getChannel(channelId)).state).toBe('open');
    expect((await bob.getChannel(channelId)).state).toBe('none'); // one block holds it
    expect(await bob.blockNumber()).toBe((await latest()) - 1);
    await rpc(chain.rpcUrl, 'evm_mine');
    expect(await bob.getChannel(channelId)).toMatchObject({ state: 'open', deposit: 1000n });
  }, 60_000);

  it('our own transaction resolves only after 2 blocks, and waits (not hangs) for the second', async () => {
    const alice2 = await adapter(0, 2);
    const provider = new JsonRpcProvider(chain.rpcUrl, chain.chainId, { staticNetwork: true, cacheTimeout: -1 });
    const token = new Contract(chain.token, loadArtifact('TestToken').abi, new Wallet(chain.keys[0].privateKey, provider));
    await (await token.getFunction('approve')(chain.contract, 10n ** 12n)).wait(); // no approve inside the deposits
    provider.destroy();
    let done = false;
    const tx = alice2.setTotalDeposit(channelId, 2000n).finally(() => (done = true));
    await waitFor(async () => (await adapters[0].getChannel(channelId)).deposit === 2000n, 20_000, 'deposit mined');
    expect(done).toBe(false); // one block holds it: not final
    await rpc(chain.rpcUrl, 'evm_mine');
    const r = await tx;
    expect(r.txHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect((await alice2.getChannel(channelId)).deposit).toBe(2000n);
  }, 60_000);

  it('a reorg that drops our deposit: reported, the same transaction sent again, paid exactly once', async () => {
    const alice2 = adapters[2];
    const provider = new JsonRpcProvider(chain.rpcUrl, chain.chainId, { staticNetwork: true, cacheTimeout: -1 });
    const wallet = new Wallet(chain.keys[0].privateKey, provider);
    const token = new Contract(chain.token, loadArtifact('TestToken').abi, wallet);
    const before = (await token.getFunction('balanceOf')(wallet.address)) as bigint;
    const snapshot = await rpc<string>(chain.rpcUrl, 'evm_snapshot');
    reorgs.length = 0;
    const tx = alice2.setTotalDeposit(channelId, 3000n);
    await waitFor(async () => (await adapters[0].getChannel(channelId)).deposit === 3000n, 20_000, 'deposit mined');
    expect(await rpc(chain.rpcUrl, 'evm_revert', [snapshot])).toBe(true); // the block holding it is gone
    await waitFor(() => reorgs.length > 0, 20_000, 'the reorg reported');
    await waitFor(async () => (await adapters[0].getChannel(channelId)).deposit === 3000n, 20_000, 'deposit mined again');
    await rpc(chain.rpcUrl, 'evm_mine');
    await tx;
    expect(reorgs[0]).toMatch(/^reorg: setTotalDeposit \(tx 0x[0-9a-f]{64}\) .*; sent again$/);
    expect((await token.getFunction('balanceOf')(wallet.address)) as bigint).toBe(before - 1000n); // once, not twice
    expect((await adapters[1].getChannel(channelId)).deposit).toBe(3000n); // the peer (2 confirmations) sees it final
    provider.destroy();
  }, 60_000);
});
