/**
 * `agent-runtime settle <peer>` against real nodes on a real chain (anvil, started here, killed after):
 * the payer claims what it owes, the payee redeems on-chain; failures exit 1 with the reason.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SettleResult } from '../../src/settlement/index.js';
import { startDemoChain, type DemoChain } from '../../src/settlement/demo-chain.js';
import { Harness, waitFor } from '../helpers/node.js';
import { json, run } from '../cli/run-command.js';
import { admin, balance, startPair, type Pair } from '../settlement/helpers.js';

const h = new Harness();
let chain: DemoChain;
let net: Pair;
let aliceUrl: string;
let bobUrl: string;

beforeAll(async () => {
  chain = await startDemoChain({ accounts: 2, decimals: 6 });
  net = await startPair(h, chain);
  aliceUrl = net.alice.endpoints.admin!;
  bobUrl = net.bob.endpoints.admin!;
});
afterAll(async () => {
  await h.cleanup();
  await chain?.stop();
});

type Failure = { error: { code: string; message: string; suggestion: string } };

describe('settle', () => {
  it('with nothing owed either way: says so, exit 0', async () => {
    const r = await run(['settle', 'bob', '--url', aliceUrl]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe('nothing to claim: we owe bob 0\nnothing to redeem from bob\n');
  });

  it('owing a peer with no channel to it: exit 1, SETTLEMENT_FAILED naming `channels open`', async () => {
    await net.pay(7000n);
    const r = await run(['settle', 'bob', '--url', aliceUrl]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('claim to bob failed: we owe bob 7000 but have no open channel to it: open one with `agent-runtime channels open bob`');
    const doc = await run<SettleResult>(['settle', 'bob', '--url', aliceUrl, '--json']);
    expect(doc.exitCode).toBe(1);
    expect(json<SettleResult>(doc)).toMatchObject({ ok: false, owed: '7000', claim: { status: 'failed' } });
  });

  it('the payer claims all it owes (whole base units; the remainder stays owed), the payee redeems on-chain', async () => {
    const opened = await admin<{ channelId: string }>(net.alice, 'POST', '/admin/channels', { peerId: 'bob', initialDeposit: '1000000' });
    expect(opened.status).toBe(201);
    await waitFor(async () => (await admin<unknown[]>(net.bob, 'GET', '/admin/channels')).body.length === 1, 10_000, 'bob sees the channel');
    const r = await run(['settle', 'bob', '--url', aliceUrl]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe(`claim sent to bob: +7000 (cumulative 7000) on ${opened.body.channelId}\nnothing to redeem from bob\n`);
    expect(balance(net.alice, 'peer:bob')).toBe(0n);

    const before = await chain.tokenBalance(chain.keys[1].address);
    const redeem = await run<SettleResult>(['settle', 'alice', '--url', bobUrl, '--json']);
    expect(redeem.exitCode, redeem.stderr).toBe(0);
    const body = json<SettleResult>(redeem);
    expect(body).toMatchObject({ ok: true, claim: { status: 'nothing-due' }, redeemed: [{ status: 'redeemed', amount: '7000' }] });
    expect(await chain.tokenBalance(chain.keys[1].address)).toBe(before + 7n);
    expect(balance(net.bob, 'onchain')).toBe(7000n);
  });

  it('an unknown peer: PEER_NOT_FOUND; a node without settlement: SETTLEMENT_DISABLED', async () => {
    const unknown = await run(['settle', 'carol', '--url', aliceUrl, '--json']);
    expect(unknown.exitCode).toBe(1);
    expect(json<Failure>(unknown).error.code).toBe('PEER_NOT_FOUND');
    const plain = h.node({ nodeId: 'plain' });
    await plain.start();
    const off = await run(['settle', 'bob', '--url', plain.endpoints.admin!, '--json']);
    expect(off.exitCode).toBe(1);
    expect(json<Failure>(off).error).toMatchObject({ code: 'SETTLEMENT_DISABLED', suggestion: expect.stringContaining('settlement.enabled') as string });
    const list = await run(['channels', 'list', '--url', plain.endpoints.admin!]);
    expect(list.stderr).toContain('[SETTLEMENT_DISABLED]');
  });
});
