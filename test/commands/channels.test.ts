/**
 * `agent-runtime channels list|open|deposit|withdraw|close` against real nodes settling on a real
 * chain (anvil, started here and killed after). Alice's admin API is the one the commands talk to.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelView } from '../../src/settlement/index.js';
import { startDemoChain, type DemoChain } from '../../src/settlement/demo-chain.js';
import { Harness, waitFor } from '../helpers/node.js';
import { json, run } from '../cli/run-command.js';
import { balance, startPair, type Pair } from '../settlement/helpers.js';

const h = new Harness();
let chain: DemoChain;
let net: Pair;
let url: string;
let bobUrl: string;

beforeAll(async () => {
  chain = await startDemoChain({ accounts: 2, decimals: 6 });
  net = await startPair(h, chain);
  url = net.alice.endpoints.admin!;
  bobUrl = net.bob.endpoints.admin!;
});
afterAll(async () => {
  await h.cleanup();
  await chain?.stop();
});

type Tx = ChannelView & { txHash: string };

describe('channels', () => {
  let id: string;

  it('list: says how to open one when there is none', async () => {
    const r = await run(['channels', 'list', '--url', url]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('No channels. Open one with `agent-runtime channels open <peer> --deposit <amount>`.');
    expect(json(await run(['channels', 'list', '--url', url, '--json']))).toEqual([]);
  });

  it('open: funds a channel to the peer; a second one is refused (CHANNEL_EXISTS, exit 1); bad input exits 2', async () => {
    const before = await chain.tokenBalance(chain.keys[0].address);
    const r = await run<ChannelView>(['channels', 'open', 'bob', '--deposit', '5000000', '--timeout', '7200', '--url', url, '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const c = json<ChannelView>(r);
    expect(c).toMatchObject({ peerId: 'bob', direction: 'outgoing', status: 'open', deposit: '5000000', settlementTimeout: 7200, baseUnits: { deposit: '5000' } });
    id = c.channelId;
    expect(await chain.tokenBalance(chain.keys[0].address)).toBe(before - 5000n);

    const again = await run(['channels', 'open', 'bob', '--deposit', '1000', '--url', url, '--json']);
    expect(again.exitCode).toBe(1);
    expect(json<{ error: { code: string } }>(again).error.code).toBe('CHANNEL_EXISTS');
    const bad = await run(['channels', 'open', 'bob', '--deposit', '1.5', '--url', url]);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('[INVALID_ARGUMENT]');
    const unknown = await run(['channels', 'open', 'carol', '--deposit', '1000', '--url', url, '--json']);
    expect(json<{ error: { code: string } }>(unknown).error.code).toBe('PEER_NOT_FOUND');
  });

  it("open --chain: the peer's chain (the old evm:<network>:<chainId> form too); another chain, or one this node lacks, is a clear 400", async () => {
    const other = await run(['channels', 'open', 'bob', '--chain', 'xrpl', '--deposit', '1000', '--url', url, '--json']);
    expect(other.exitCode).toBe(2);
    expect(json<{ error: { message: string } }>(other).error.message).toContain('peer bob settles on evm (its settlement.chain), not xrpl: open the channel on evm (--chain evm, or no --chain)');
    const wrongId = await run(['channels', 'open', 'bob', '--chain', `evm:base:${chain.chainId + 1}`, '--deposit', '1000', '--url', url, '--json']);
    expect(json<{ error: { message: string } }>(wrongId).error.message).toContain(`this node's evm chain is ${chain.chainId}, not ${chain.chainId + 1}`);
    const bogus = await run(['channels', 'open', 'bob', '--chain', 'solana', '--deposit', '1000', '--url', url]);
    expect(bogus.exitCode).toBe(2);
    expect(bogus.stderr).toContain('must be evm, xrpl or aptos');
    // the old form naming our chain reaches the chain (and finds the channel already open)
    const old = await run(['channels', 'open', 'bob', '--chain', `evm:anvil:${chain.chainId}`, '--deposit', '1000', '--url', url, '--json']);
    expect(json<{ error: { code: string } }>(old).error.code).toBe('CHANNEL_EXISTS');
  });

  it('list: a table with both directions (the peer sees it incoming)', async () => {
    const r = await run(['channels', 'list', '--url', url]);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^CHANNEL\s+PEER\s+CHAIN\s+DIRECTION\s+STATUS\s+DEPOSIT\s+CLAIMED\s+REDEEMED\s+AVAILABLE\s+OUR LAST TX$/);
    expect(lines[1]).toMatch(new RegExp(`^${id}\\s+bob\\s+evm\\s+outgoing\\s+open\\s+5000000\\s+0\\s+0\\s+5000000\\s+open final$`));
    expect(json<ChannelView[]>(await run(['channels', 'list', '--chain', 'xrpl', '--url', url, '--json']))).toEqual([]);
    await waitFor(async () => json<ChannelView[]>(await run(['channels', 'list', '--url', bobUrl, '--json'])).length === 1, 10_000, 'bob sees it');
    const theirs = json<ChannelView[]>(await run(['channels', 'list', '--peer', 'alice', '--status', 'open', '--url', bobUrl, '--json']));
    expect(theirs).toEqual([expect.objectContaining({ channelId: id, direction: 'incoming', peerId: 'alice' })]);
  });

  it('deposit: raises the deposit on-chain', async () => {
    const r = await run<Tx>(['channels', 'deposit', id, '2000000', '--url', url]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Deposited 2000000 into ${id}: deposit now 7000000, available 7000000\\n  tx 0x[0-9a-f]{64}\\n$`));
    const unknown = await run(['channels', 'deposit', `0x${'00'.repeat(32)}`, '1', '--url', url, '--json']);
    expect(json<{ error: { code: string } }>(unknown).error.code).toBe('CHANNEL_NOT_FOUND');
    // 6 token decimals, asset scale 9: amounts are whole multiples of 1000 asset units
    const fraction = await run(['channels', 'deposit', id, '1500', '--url', url, '--json']);
    expect(fraction.exitCode).toBe(2);
    expect(json<{ error: { message: string } }>(fraction).error.message).toContain('must be a multiple of 1000');
  });

  it("withdraw: takes unused deposit back with the peer's consent; never what backs the peer's claims", async () => {
    await net.pay(3_000_000n);
    await run(['settle', 'bob', '--url', url]); // bob now holds a claim for 3000 base units
    const before = await chain.tokenBalance(chain.keys[0].address);
    const r = await run<Tx>(['channels', 'withdraw', id, '1000000', '--url', url, '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(json<Tx>(r)).toMatchObject({ withdrawn: '1000000', latestClaim: '3000000', available: '3000000' });
    expect(await chain.tokenBalance(chain.keys[0].address)).toBe(before + 1000n);
    const tooMuch = await run(['channels', 'withdraw', id, '3001000', '--url', url, '--json']);
    expect(tooMuch.exitCode).toBe(2);
    expect(json<{ error: { message: string } }>(tooMuch).error.message).toContain('at most 3000000 can be withdrawn');
  });

  it('close --cooperative: the peer signs; the channel settles at once; everyone is paid; both ledgers agree', async () => {
    const [a, b] = [await chain.tokenBalance(chain.keys[0].address), await chain.tokenBalance(chain.keys[1].address)];
    const r = await run<Tx>(['channels', 'close', id, '--cooperative', '--url', url, '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(json<Tx>(r)).toMatchObject({ status: 'settled', claimedOnchain: '3000000' });
    expect(await chain.tokenBalance(chain.keys[1].address)).toBe(b + 3000n);
    expect(await chain.tokenBalance(chain.keys[0].address)).toBe(a + 3000n); // 7000 − 1000 withdrawn − 3000 paid
    expect(balance(net.alice, 'onchain')).toBe(-3_000_000n);
    expect(balance(net.alice, 'channelOut:bob')).toBe(0n);
    await waitFor(() => balance(net.bob, 'onchain') === 3_000_000n, 10_000, 'bob books the payout');
    expect(balance(net.bob, 'channelIn:alice')).toBe(0n);
    const closed = await run(['channels', 'close', id, '--url', url, '--json']);
    expect(json<{ error: { code: string } }>(closed).error.code).toBe('CONFLICT');
  });

  it('close (unilateral): the challenge period starts; the payee redeems its claim; the node settles when it ends', async () => {
    const opened = json<ChannelView>(await run(['channels', 'open', 'bob', '--deposit', '2000000', '--timeout', '3600', '--url', url, '--json']));
    await waitFor(async () => json<ChannelView[]>(await run(['channels', 'list', '--peer', 'alice', '--status', 'open', '--url', bobUrl, '--json'])).length === 1, 10_000, 'bob sees it');
    await net.pay(500_000n);
    expect((await run(['settle', 'bob', '--url', url])).exitCode).toBe(0);
    const r = await run<Tx>(['channels', 'close', opened.channelId, '--url', url]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Channel ${opened.channelId} is closing; settles after \\d{4}-`));
    // bob's node redeems on close (redeem.onClose defaults to true)
    await waitFor(() => balance(net.bob, 'onchain') === 3_500_000n, 10_000, 'bob redeems on close');
    const { rpc } = await import('../../src/settlement/chains/evm/anvil.js');
    await rpc(chain.rpcUrl, 'evm_increaseTime', [3601]);
    await rpc(chain.rpcUrl, 'evm_mine', []);
    await waitFor(async () => json<ChannelView[]>(await run(['channels', 'list', '--status', 'settled', '--url', url, '--json'])).length === 2, 10_000, 'alice settles');
    expect(balance(net.alice, 'onchain')).toBe(-3_500_000n);
    for (const n of [net.alice, net.bob]) expect((await n.ledgerHandle!.verify()).ok).toBe(true);
  });
});
