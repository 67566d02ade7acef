/**
 * AptosChain's submit / wait / read / poll code against a STAND-IN Aptos node
 * (test/settlement/stand-ins/aptos-node.ts: the REST subset, our module's rules in memory). This
 * proves our client logic, not the chain or the Move code; aptos-real.test.ts runs on a real node.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as sdk from '@aptos-labs/ts-sdk';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AptosCallError, AptosChain } from '../../src/settlement/chains/aptos/aptos-chain.js';
import { AptosNodeStandIn, channelId } from './stand-ins/aptos-node.js';

const logger = pino({ level: 'silent' });
const APT = 10n ** 8n;

let node: AptosNodeStandIn;
let alice: AptosChain;
let bob: AptosChain;
let carol: AptosChain;

async function connect(key = sdk.Ed25519PrivateKey.generate(), fund = 100n * APT, extra: Partial<Parameters<typeof AptosChain.connect>[0]> = {}): Promise<AptosChain> {
  const c = await AptosChain.connect({ nodeUrl: node.url, module: node.module, privateKey: key.toString(), logger, ...extra });
  if (fund > 0n) node.fund(c.address, fund);
  return c;
}

beforeAll(async () => {
  node = new AptosNodeStandIn();
  await node.start();
  alice = await connect();
  bob = await connect();
  carol = await connect();
});

afterAll(async () => {
  for (const c of [alice, bob, carol]) c.close();
  await node.stop();
});

afterEach(() => {
  node.hold = false;
});

describe('AptosChain against the stand-in Aptos node', () => {
  it('stand-in: connect reads chain id, decimals; accepts an AIP-80 or a bare hex key', async () => {
    expect(alice.chainId).toBe(4);
    expect(alice.decimals).toBe(8);
    expect(alice.contract).toBe(node.module);
    const key = sdk.Ed25519PrivateKey.generate();
    const bare = await AptosChain.connect({ nodeUrl: `${node.url}/`, module: node.module, privateKey: key.toHexString(), logger });
    const aip80 = await AptosChain.connect({ nodeUrl: node.url, module: node.module, privateKey: key.toAIP80String(), logger });
    expect(bare.address).toBe(aip80.address);
    expect(bare.publicKey).toBe(key.publicKey().toString());
  });

  it('stand-in: open, deposit, claim; getChannel maps the view; balances move', async () => {
    const before = await alice.tokenBalance(alice.address);
    const open = await alice.openChannel(bob.address, 3600, 5n * APT);
    expect(open.channelId).toBe(channelId(alice.address, bob.address, 0n)); // the module's first channel
    expect(open.txHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(open.gasUsed).toBeGreaterThan(0n);
    let ch = await bob.getChannel(open.channelId);
    expect(ch).toEqual({
      channelId: open.channelId,
      sender: alice.address,
      receiver: bob.address,
      settlementTimeout: 3600,
      state: 'open',
      closedAt: 0,
      deposit: 5n * APT,
      withdrawn: 0n,
      claimed: 0n,
      nonce: 0n,
      publicKey: alice.publicKey,
    });
    await alice.setTotalDeposit(open.channelId, 7n * APT);
    expect((await alice.getChannel(open.channelId)).deposit).toBe(7n * APT);
    expect(await alice.tokenBalance(alice.address)).toBe(before - 7n * APT - 2n * 12n * 100n);

    const bobBefore = await bob.tokenBalance(bob.address);
    const sig = alice.signBalanceProof(open.channelId, 1n, 2n * APT);
    ch = await bob.getChannel(open.channelId);
    expect(bob.verifyBalanceProof(ch, 1n, 2n * APT, sig)).toBe(true);
    await bob.claim(open.channelId, 1n, 2n * APT, sig);
    const sig2 = alice.signBalanceProof(open.channelId, 2n, 3n * APT);
    await bob.claim(open.channelId, 2n, 3n * APT, sig2);
    ch = await bob.getChannel(open.channelId);
    expect([ch.claimed, ch.nonce]).toEqual([3n * APT, 2n]);
    expect(await bob.tokenBalance(bob.address)).toBe(bobBefore + 3n * APT - 2n * 12n * 100n);
  });

  it('stand-in: sender close starts the delay; settle before it aborts with words, after it refunds', async () => {
    const open = await alice.openChannel(bob.address, 3600, 4n * APT);
    const sig = alice.signBalanceProof(open.channelId, 1n, APT);
    await bob.claim(open.channelId, 1n, APT, sig);
    await alice.closeChannel(open.channelId);
    const closing = await alice.getChannel(open.channelId);
    expect(closing.state).toBe('closing');
    const { timestamp } = await alice.poll(0, []);
    expect(closing.closedAt).toBe(timestamp);
    // the receiver may still redeem while closing
    await bob.claim(open.channelId, 2n, 2n * APT, alice.signBalanceProof(open.channelId, 2n, 2n * APT));
    await expect(alice.settleChannel(open.channelId)).rejects.toThrow(/settle failed on-chain \(tx 0x[0-9a-f]{64}\): E_SETTLE_DELAY_NOT_OVER: the settle delay after the sender closed has not passed yet/);
    node.advance(3600);
    const before = await alice.tokenBalance(alice.address);
    await carol.settleChannel(open.channelId); // anyone may settle
    const settled = await alice.getChannel(open.channelId);
    expect(settled.state).toBe('settled');
    expect(settled.claimed).toBe(2n * APT);
    expect(await alice.tokenBalance(alice.address)).toBe(before + 2n * APT);
    await expect(bob.claim(open.channelId, 3n, 3n * APT, alice.signBalanceProof(open.channelId, 3n, 3n * APT))).rejects.toMatchObject({ abort: 'E_INVALID_STATE' });
  });

  it('stand-in: receiver close settles at once and refunds the sender', async () => {
    const open = await alice.openChannel(bob.address, 7200, 3n * APT);
    await bob.claim(open.channelId, 1n, APT, alice.signBalanceProof(open.channelId, 1n, APT));
    const before = await alice.tokenBalance(alice.address);
    await bob.closeChannel(open.channelId);
    const ch = await alice.getChannel(open.channelId);
    expect(ch.state).toBe('settled');
    expect(await alice.tokenBalance(alice.address)).toBe(before + 2n * APT);
  });

  it('stand-in: the module aborts come back as errors naming the tx hash, the abort and what it means', async () => {
    const open = await alice.openChannel(bob.address, 3600, APT);
    const cases: [() => Promise<unknown>, string][] = [
      [() => carol.claim(open.channelId, 1n, 10n, alice.signBalanceProof(open.channelId, 1n, 10n)), 'E_NOT_RECEIVER'],
      [() => bob.claim(open.channelId, 1n, 10n, carol.signBalanceProof(open.channelId, 1n, 10n)), 'E_INVALID_SIGNATURE'],
      [() => bob.claim(open.channelId, 1n, 2n * APT, alice.signBalanceProof(open.channelId, 1n, 2n * APT)), 'E_INSUFFICIENT_DEPOSIT'],
      [() => carol.closeChannel(open.channelId), 'E_NOT_PARTICIPANT'],
      [() => alice.closeChannel(`0x${'ab'.repeat(32)}`), 'E_CHANNEL_NOT_FOUND'],
    ];
    for (const [run, abort] of cases) {
      const err = (await run().catch((e: unknown) => e)) as AptosCallError;
      expect(err).toBeInstanceOf(AptosCallError);
      expect(err.abort).toBe(abort);
      expect(err.txHash).toMatch(/^0x[0-9a-f]{64}$/);
      expect(err.message).toContain(`(tx ${err.txHash})`);
      expect(err.message).toContain('vm_status: Move abort in 0xca7e5::payment_channel');
    }
    // replay of a redeemed claim
    const sig = alice.signBalanceProof(open.channelId, 1n, 10n);
    await bob.claim(open.channelId, 1n, 10n, sig);
    await expect(bob.claim(open.channelId, 1n, 10n, sig)).rejects.toMatchObject({ abort: 'E_NONCE_NOT_INCREASING' });
    // a failed transaction still used its sequence number: the next one goes through
    await bob.claim(open.channelId, 2n, 20n, alice.signBalanceProof(open.channelId, 2n, 20n));
  });

  it('stand-in: refusals before submitting (settle delay range, u64, malformed id or signature, deposit not increasing)', async () => {
    await expect(alice.openChannel(bob.address, 60, 1n)).rejects.toThrow(/settle delay must be whole seconds in 3600\.\.31536000, got 60/);
    await expect(alice.openChannel(bob.address, 3600, 1n << 64n)).rejects.toThrow(/does not fit a Move u64/);
    await expect(alice.claim('0x1234', 1n, 1n, `0x${'00'.repeat(64)}`)).rejects.toThrow(/not a channel id/);
    await expect(alice.claim(`0x${'ab'.repeat(32)}`, 1n, 1n, '0x00')).rejects.toThrow(/0x \+ 128 hex digits/);
    const open = await alice.openChannel(bob.address, 3600, 10n);
    await expect(alice.setTotalDeposit(open.channelId, 10n)).rejects.toThrow(/not above the channel's deposit 10/);
    await expect(alice.getChannel('nope')).rejects.toThrow(/not a channel id/);
  });

  it('stand-in: an account that does not exist on-chain is told to fund itself', async () => {
    const poor = await connect(undefined, 0n);
    await expect(poor.openChannel(bob.address, 3600, 1n)).rejects.toThrow(new RegExp(`open_channel was not accepted by the node: .*not found.*: fund the account ${poor.address}`));
  });

  it('stand-in: a missing channel reads state none; an empty account has balance 0', async () => {
    const ch = await alice.getChannel(`0x${'cd'.repeat(32)}`);
    expect(ch.state).toBe('none');
    expect(ch.deposit).toBe(0n);
    expect(await alice.tokenBalance('0x9999')).toBe(0n);
  });

  it('stand-in: a transaction that is never committed fails after the wait timeout, naming its hash', async () => {
    const slow = await connect(undefined, 10n * APT, { txTimeoutSecs: 1 });
    node.hold = true;
    const t0 = Date.now();
    const err = (await slow.openChannel(bob.address, 3600, 1n).catch((e: unknown) => e)) as AptosCallError;
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(err).toBeInstanceOf(AptosCallError);
    expect(err.message).toMatch(/^open_channel \(tx 0x[0-9a-f]{64}\) was not committed within 1 s: .*look the hash up on the node before retrying/);
    expect(err.txHash).toBeDefined();
    node.release();
    // it did land later: the channel exists
    const { events } = await slow.poll(0, []);
    expect(events.filter((e) => e.name === 'ChannelOpened')).toHaveLength(1);
    slow.close();
  });

  it('stand-in: poll names watched channels and our own new ChannelOpened since fromBlock, toBlock = ledger version', async () => {
    const dave = await connect();
    const from = await dave.blockNumber();
    const open = await dave.openChannel(bob.address, 3600, 1n);
    const watched = `0x${'EE'.repeat(32)}`;
    const r = await dave.poll(from, [watched, open.channelId, 'bad id']);
    expect(r.toBlock).toBeGreaterThan(from);
    expect(r.timestamp).toBeGreaterThan(1_700_000_000);
    expect(r.timestamp).toBeLessThan(10_000_000_000);
    expect(r.events).toEqual([
      { name: 'ChannelOpened', channelId: open.channelId, sender: dave.address, receiver: bob.address, blockNumber: expect.any(Number) as number, txHash: open.txHash },
      { name: 'Watched', channelId: watched.toLowerCase(), blockNumber: r.toBlock, txHash: '' },
    ]);
    // nothing new after toBlock
    expect((await dave.poll(r.toBlock, [])).events).toEqual([]);
    // an account with no transactions yet
    const fresh = await connect(undefined, 0n);
    expect((await fresh.poll(0, [])).events).toEqual([]);
  });

  it('stand-in: the submitted transaction went as BCS and the node verified its signature', () => {
    expect(node.requests.some((r) => r === 'POST /v1/transactions')).toBe(true);
    // no ABI fetch: the adapter carries the module's ABI
    expect(node.requests.some((r) => r.includes('/module/'))).toBe(false);
  });
});

describe('AptosChain connect errors (stand-in and dead ends)', () => {
  it('stand-in: an unpublished module or an uninitialized coin type is named', async () => {
    const key = sdk.Ed25519PrivateKey.generate().toString();
    await expect(AptosChain.connect({ nodeUrl: node.url, module: '0xdead::payment_channel', privateKey: key, logger })).rejects.toThrow(/the module 0x0+dead::payment_channel does not answer get_channel/);
    await expect(AptosChain.connect({ nodeUrl: node.url, module: node.module, coinType: '0x1::fake::Coin', privateKey: key, logger })).rejects.toThrow(/initialized for this coin\?\): .*E_NOT_INITIALIZED/);
  });

  it('malformed settings are refused without echoing the key', async () => {
    await expect(AptosChain.connect({ nodeUrl: node.url, module: 'payment_channel', privateKey: '0x00', logger })).rejects.toThrow(/must be '0x<address>::<module name>'/);
    const err = (await AptosChain.connect({ nodeUrl: node.url, module: node.module, privateKey: '0xdeadbeefsecret', logger }).catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(/privateKey must be an Ed25519 key/);
    expect(err.message).not.toContain('deadbeefsecret');
  });

  it('an unreachable node and a node that never answers fail within the request timeout', async () => {
    const key = sdk.Ed25519PrivateKey.generate().toString();
    const dead = createServer();
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
    const port = (dead.address() as AddressInfo).port;
    await new Promise<void>((r) => dead.close(() => r()));
    await expect(AptosChain.connect({ nodeUrl: `http://127.0.0.1:${port}/v1`, module: node.module, privateKey: key, logger })).rejects.toThrow(/cannot reach the Aptos node at http:\/\/127\.0\.0\.1:\d+\/…/);

    const silent: Server = createServer(() => undefined); // accepts, never answers
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const t0 = Date.now();
    const err = (await AptosChain.connect({ nodeUrl: `http://127.0.0.1:${(silent.address() as AddressInfo).port}/v1`, module: node.module, privateKey: key, logger, requestTimeoutMs: 300 }).catch((e: unknown) => e)) as Error;
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(err.message).toMatch(/got no answer within 300 ms/);
    silent.closeAllConnections();
    await new Promise<void>((r) => silent.close(() => r()));
  });
});
