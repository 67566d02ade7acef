/**
 * The EVM nonce manager on a real anvil: channel operations started at once on several channels
 * (two opens, a deposit, a redeem, a close) each get their own nonce, consecutive from the chain's
 * count, and all succeed; the token pulls (opens, deposit) each find the allowance they need. A call
 * that reverts at estimation takes no nonce. Someone else using our key behind our back makes the next
 * send meet "nonce too low": the manager re-reads the chain's pending count and the operation goes
 * through with the next free nonce.
 */
import { Contract, JsonRpcProvider, Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadArtifact } from '../../src/settlement/chains/evm/artifacts.js';
import type { EvmChain } from '../../src/settlement/chains/evm/evm-chain.js';
import type { TxReport } from '../../src/settlement/chains/evm/sender.js';
import { startDemoChain, type DemoChain } from '../../src/settlement/demo-chain.js';
import { connectEvm } from './helpers.js';

let chain: DemoChain;
let provider: JsonRpcProvider;
const adapters: EvmChain[] = [];
const reports: TxReport[] = [];

async function adapter(key: number, onTx?: (r: TxReport) => void): Promise<EvmChain> {
  const a = await connectEvm(chain, key, onTx === undefined ? {} : { onTx });
  adapters.push(a);
  return a;
}

const count = (key: number): Promise<number> => provider.getTransactionCount(chain.keys[key].address, 'latest');
const tokenOf = (key: number): Contract => new Contract(chain.token, loadArtifact('TestToken').abi, new Wallet(chain.keys[key].privateKey, provider));

beforeAll(async () => {
  chain = await startDemoChain({ accounts: 4, decimals: 6 });
  provider = new JsonRpcProvider(chain.rpcUrl, chain.chainId, { staticNetwork: true, cacheTimeout: -1 });
}, 60_000);

afterAll(async () => {
  for (const a of adapters) a.close();
  provider?.destroy();
  await chain?.stop();
}, 30_000);

describe('EVM nonce manager (anvil)', () => {
  it('open, open, deposit, redeem and close on five channels at once: distinct consecutive nonces, all mined', async () => {
    const alice = await adapter(0, (r) => reports.push(r));
    const bob = await adapter(1);
    const [b, c, d] = [1, 2, 3].map((k) => chain.keys[k].address);
    // set up: alice pays bob (to deposit into) and carol (to close); bob pays alice (for alice to redeem)
    const toBob = (await alice.openChannel(b, 3600, 1000n)).channelId;
    const toCarol = (await alice.openChannel(c, 3600, 1000n)).channelId;
    const fromBob = (await bob.openChannel(chain.keys[0].address, 3600, 5000n)).channelId;
    const proof = bob.signBalanceProof(fromBob, 1n, 700n);
    reports.length = 0;
    const before = await count(0);
    const tokensBefore = (await tokenOf(0).getFunction('balanceOf')(chain.keys[0].address)) as bigint;

    const [openD, openB2, deposit, redeem, close] = await Promise.all([
      alice.openChannel(d, 3600, 300n),
      alice.openChannel(b, 7200, 400n), // a second channel to bob: the contract allows it, and its id must not clash
      alice.setTotalDeposit(toBob, 1500n),
      alice.claim(fromBob, 1n, 700n, proof),
      alice.closeChannel(toCarol),
    ]);

    const sent = reports.filter((r) => r.outcome === 'sent');
    const nonces = sent.map((r) => r.nonce).sort((x, y) => x - y);
    expect(nonces).toEqual(Array.from({ length: sent.length }, (_, i) => before + i)); // distinct and consecutive
    expect(await count(0)).toBe(before + sent.length);
    expect(reports.filter((r) => r.outcome === 'mined')).toHaveLength(sent.length);
    expect(sent.filter((r) => r.kind !== 'approve').map((r) => r.kind).sort()).toEqual(['claim', 'closeChannel', 'openChannel', 'openChannel', 'setTotalDeposit']);
    for (const tx of [openD, openB2, deposit, redeem, close]) expect((await provider.getTransactionReceipt(tx.txHash))?.status).toBe(1);

    expect(openD.channelId).not.toBe(openB2.channelId);
    expect(await alice.getChannel(openD.channelId)).toMatchObject({ state: 'open', deposit: 300n, receiver: d });
    expect(await alice.getChannel(openB2.channelId)).toMatchObject({ state: 'open', deposit: 400n, receiver: b });
    expect((await alice.getChannel(toBob)).deposit).toBe(1500n);
    expect((await alice.getChannel(fromBob)).claimed).toBe(700n);
    expect((await alice.getChannel(toCarol)).state).toBe('closing');
    // what left alice's wallet: the three pulls; what came in: the redeem
    const tokensAfter = (await tokenOf(0).getFunction('balanceOf')(chain.keys[0].address)) as bigint;
    expect(tokensBefore - tokensAfter).toBe(300n + 400n + 500n - 700n);
  }, 60_000);

  it('a call that reverts at estimation takes no nonce', async () => {
    const alice = adapters[0];
    const before = await count(0);
    const sentBefore = reports.filter((r) => r.outcome === 'sent').length;
    await expect(alice.closeChannel(`0x${'ab'.repeat(32)}`)).rejects.toThrow(/closeChannel/);
    expect(reports.filter((r) => r.outcome === 'sent')).toHaveLength(sentBefore);
    await alice.openChannel(chain.keys[2].address, 3600, 10n);
    const next = reports.filter((r) => r.outcome === 'sent').slice(sentBefore);
    expect(next[0].nonce).toBe(before); // no gap left by the failed call
    expect(await count(0)).toBe(before + next.length);
  }, 60_000);

  it('our key used behind our back: "nonce too low" re-syncs from the chain and the operation goes through', async () => {
    const carol = await adapter(2);
    await carol.openChannel(chain.keys[3].address, 3600, 10n); // carol's manager now counts on from here
    const outside = new Wallet(chain.keys[2].privateKey, provider);
    await (await outside.sendTransaction({ to: chain.keys[3].address, value: 1n })).wait(); // takes the nonce carol would use next
    const before = await count(2);
    const opened = await carol.openChannel(chain.keys[1].address, 3600, 20n);
    expect((await provider.getTransaction(opened.txHash))?.nonce).toBeGreaterThanOrEqual(before);
    expect((await carol.getChannel(opened.channelId)).deposit).toBe(20n);
  }, 60_000);
});
