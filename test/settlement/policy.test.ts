/**
 * Redeem policies on a real chain (anvil, started here and killed after): redeem.minAmount and
 * redeem.intervalMs; the private key never reaches a log line; a chain that cannot be reached does not
 * stop the node.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { Wallet } from 'ethers';
import type { NodeEvent } from '../../src/node/events.js';
import { freePort } from '../../src/settlement/chains/evm/anvil.js';
import { startDemoChain, type DemoChain } from '../../src/settlement/demo-chain.js';
import { Harness, waitFor } from '../helpers/node.js';
import { admin, balance, settlementSection, startPair } from './helpers.js';

const h = new Harness();
let chain: DemoChain;

beforeAll(async () => {
  chain = await startDemoChain({ accounts: 4, decimals: 6 });
});
afterAll(async () => {
  await h.cleanup();
  await chain?.stop();
});

/** A trace-level logger that keeps every line. */
function capture(): { logger: pino.Logger; text: () => string } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  return { logger: pino({ level: 'trace' }, stream), text: () => lines.join('') };
}

describe('redeem policy', () => {
  it('redeem.minAmount: bob redeems once the claims he holds reach it; no key appears in any log line', async () => {
    const logs = capture();
    const net = await startPair(h, chain, { threshold: '3000', bobSettlement: { redeem: { minAmount: '5000' } }, keys: [0, 1], logger: logs.logger });
    const opened = await admin<{ channelId: string }>(net.alice, 'POST', '/admin/channels', { peerId: 'bob', initialDeposit: '100000' });
    expect(opened.status).toBe(201);
    await waitFor(async () => (await admin<unknown[]>(net.bob, 'GET', '/admin/channels')).body.length === 1, 10_000, 'bob sees the channel');
    const before = await chain.tokenBalance(chain.keys[1].address);
    await net.pay(4000n);
    await waitFor(() => balance(net.bob, 'channelIn:alice') === 4000n, 10_000, 'the first claim');
    expect(balance(net.bob, 'onchain')).toBe(0n); // 4000 < minAmount
    await net.pay(5000n);
    await waitFor(() => balance(net.bob, 'onchain') === 9000n, 10_000, 'bob redeems 9000');
    expect(await chain.tokenBalance(chain.keys[1].address)).toBe(before + 9n);
    expect(balance(net.bob, 'channelIn:alice')).toBe(0n);
    await waitFor(() => balance(net.alice, 'onchain') === -9000n, 10_000, 'alice sees it');

    const text = logs.text().toLowerCase();
    expect(text).toContain('settlement chain connected');
    for (const k of chain.keys.slice(0, 2)) expect(text).not.toContain(k.privateKey.slice(2).toLowerCase());
  });

  it('redeem.intervalMs: bob redeems whatever he holds on a timer', async () => {
    const net = await startPair(h, chain, { threshold: '1000', bobSettlement: { redeem: { intervalMs: 300 } }, keys: [2, 3] });
    const opened = await admin<{ channelId: string }>(net.alice, 'POST', '/admin/channels', { peerId: 'bob', initialDeposit: '100000' });
    expect(opened.status).toBe(201);
    await waitFor(async () => (await admin<unknown[]>(net.bob, 'GET', '/admin/channels')).body.length === 1, 10_000, 'bob sees the channel');
    await net.pay(2000n);
    await waitFor(() => balance(net.bob, 'onchain') === 2000n, 10_000, 'the timer redeems');
    // the redemption's bookkeeping ends a moment after the balance moves: poll the state
    await waitFor(async () => {
      const states = (await admin<{ peerId: string; unredeemed: string; state: string }[]>(net.bob, 'GET', '/admin/settlement/states')).body;
      return states.length === 1 && states[0].peerId === 'alice' && states[0].unredeemed === '0' && states[0].state === 'IDLE';
    }, 10_000, 'bob back to IDLE with nothing unredeemed');
  });
});

describe('a deposit that does not cover what we owe', () => {
  it('claims up to the deposit, reports the shortfall, and claims the rest once more is deposited', async () => {
    const net = await startPair(h, chain, { threshold: '1000', keys: [0, 1] });
    const events: NodeEvent[] = [];
    net.alice.events.subscribe((b) => events.push(...b));
    const opened = await admin<{ channelId: string }>(net.alice, 'POST', '/admin/channels', { peerId: 'bob', initialDeposit: '5000' });
    await waitFor(async () => (await admin<unknown[]>(net.bob, 'GET', '/admin/channels')).body.length === 1, 10_000, 'bob sees the channel');
    await net.pay(8000n);
    await waitFor(() => balance(net.bob, 'channelIn:alice') === 5000n, 10_000, 'a claim for the whole deposit');
    const shortfall = await waitFor(() => events.find((e) => e.type === 'settlement:failed') as { reason: string } | undefined, 10_000, 'the shortfall');
    expect(shortfall.reason).toBe(
      `channel ${opened.body.channelId} to bob covers claims up to 5000 but we owe 8000 in all: deposit more with \`agent-runtime channels deposit\``,
    );
    await waitFor(() => balance(net.alice, 'peer:bob') === -3000n, 10_000, 'alice still owes the shortfall');
    expect((await admin(net.alice, 'POST', `/admin/channels/${opened.body.channelId}/deposit`, { amount: '10000' })).status).toBe(200);
    await waitFor(() => balance(net.bob, 'channelIn:alice') === 8000n, 10_000, 'the rest is claimed');
    // alice books it when bob's acknowledgement arrives and her ledger has written it
    await waitFor(() => balance(net.alice, 'peer:bob') === 0n, 10_000, 'alice books the acknowledged claim');
  });
});

describe('an unreachable chain', () => {
  it('does not stop the node: settlement reports the failure (without the RPC URL path), channel operations answer 503 NOT_READY', async () => {
    const port = await freePort();
    const node = h.node({
      nodeId: 'lonely',
      peers: [{ id: 'bob', relation: 'peer', authToken: 'bob-secret', settlement: { chain: 'evm', address: Wallet.createRandom().address } }],
      settlement: settlementSection(
        { ...chain, rpcUrl: `http://127.0.0.1:${port}/v2/rpc-api-key-123` },
        Wallet.createRandom().privateKey,
      ),
    });
    const events: NodeEvent[] = [];
    node.events.subscribe((b) => events.push(...b));
    await node.start();
    expect(node.isStarted).toBe(true);
    await waitFor(() => events.find((e) => e.type === 'settlement:failed'), 5000, 'settlement:failed');
    const failed = events.find((e) => e.type === 'settlement:failed') as { reason: string };
    expect(failed.reason).toContain(`cannot use the evm settlement chain: cannot use the EVM chain at http://127.0.0.1:${port}/…`);
    expect(failed.reason).not.toContain('rpc-api-key-123'); // hosted RPCs carry their key in the path
    const open = await admin<{ code: string; message: string }>(node, 'POST', '/admin/channels', { peerId: 'bob', initialDeposit: '1' });
    expect(open).toMatchObject({ status: 503, body: { code: 'NOT_READY', message: expect.stringContaining('the evm settlement chain is not connected yet') as string } });
    expect((await admin(node, 'GET', '/admin/settlement/states')).body).toEqual([expect.objectContaining({ peerId: 'bob', chain: 'evm', state: 'IDLE', channelId: null })]);
    expect((await admin(node, 'GET', '/admin/channels')).body).toEqual([]);
  });
});
