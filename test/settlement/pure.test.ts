/**
 * The settlement engine's pure parts: unit conversion (and its remainder rule), the claim formats of
 * the three chains and their validation, the missing-SDK error, the per-key lock; and the engine's
 * lanes and routing over an in-memory chain and ledger. No chain process, no sockets.
 */
import { createPublicKey, generateKeyPairSync, sign as edSign, verify as edVerify } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { Wallet } from 'ethers';
import * as ethers from 'ethers';
import type { NodeConfig } from '../../src/config/index.js';
import type { JournalEntry, Ledger } from '../../src/ledger/index.js';
import { BtpType, type BtpFrame } from '../../src/node/btp/codec.js';
import type { EventStream } from '../../src/node/events.js';
import type { ChainAdapter, ChainEvent, OnchainChannel, TxResult } from '../../src/settlement/chain.js';
import {
  buildClaim,
  buildLedgerClaim,
  claimChain,
  claimFrame,
  CLAIM_PROTOCOL,
  consentFrame,
  parseClaim,
  parseConsent,
  parseLedgerClaim,
  readJson,
  type LedgerClaim,
} from '../../src/settlement/claim.js';
import { SettlementEngine } from '../../src/settlement/engine.js';
import { sameMoveId } from '../../src/settlement/incoming.js';
import type { SettlementContext } from '../../src/settlement/module.js';
import { SettlementStore } from '../../src/settlement/store.js';
import { Eip712 } from '../../src/settlement/chains/evm/eip712.js';
import { importEthers } from '../../src/settlement/chains/evm/sdk.js';
import { KeyedLock } from '../../src/settlement/lock.js';
import { Units } from '../../src/settlement/units.js';
import { isAppError } from '../../src/errors/index.js';

describe('Units', () => {
  it('a finer chain (18 decimals, scale 9): exact one way, rounding down the other', () => {
    const u = new Units(18, 9);
    expect(u.toBase(1n)).toBe(10n ** 9n);
    expect(u.toAsset(10n ** 9n)).toBe(1n);
    expect(u.toAsset(10n ** 9n + 999n)).toBe(1n);
    expect(u.exact(123n)).toBe(true);
  });

  it('a coarser chain (6 decimals, scale 9): the remainder below one base unit stays in asset units', () => {
    const u = new Units(6, 9);
    expect(u.toBase(12_012n)).toBe(12n);
    expect(u.toAsset(12n)).toBe(12_000n);
    expect(u.exact(12_000n)).toBe(true);
    expect(u.exact(12_012n)).toBe(false);
    // cumulative bookings: both sides book toAsset(cumulative) differences, which add up exactly
    const cumulative = [3n, 7n, 12n];
    let booked = 0n;
    let prev = 0n;
    for (const c of cumulative) {
      booked += u.toAsset(c) - u.toAsset(prev);
      prev = c;
    }
    expect(booked).toBe(u.toAsset(12n));
  });

  it('equal scales convert one to one', () => {
    const u = new Units(6, 6);
    expect([u.toBase(5n), u.toAsset(5n)]).toEqual([5n, 5n]);
  });
});

describe('claim format', () => {
  const chainId = 31337;
  const contract = '0x5FbDB2315678afecb367f032d93F642f64180aa3';
  const token = '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512';
  const channelId = `0x${'Ab'.repeat(32)}`;
  const wallet = Wallet.createRandom();
  const e = new Eip712(ethers, chainId, contract);
  const sign = (nonce: bigint, amount: bigint) => wallet.signingKey.sign(e.balanceProof(channelId, nonce, amount)).serialized;
  const claim = buildClaim({ senderId: 'alice', channelId, nonce: 3n, transferredAmount: 4500n, signature: sign(3n, 4500n), signerAddress: wallet.address, chainId, contract, token, now: 1_700_000_000_000 });

  it("is the seed's self-describing JSON, carried by a TRANSFER of the increase", () => {
    expect(claim).toEqual({
      version: '1.0',
      blockchain: 'evm',
      messageId: 'evm-AbAbAbAb-3-1700000000000',
      timestamp: '2023-11-14T22:13:20.000Z',
      senderId: 'alice',
      channelId,
      nonce: '3',
      transferredAmount: '4500',
      lockedAmount: '0',
      locksRoot: `0x${'0'.repeat(64)}`,
      signature: claim.signature,
      signerAddress: wallet.address,
      chainId,
      tokenNetworkAddress: contract,
      tokenAddress: token,
    });
    const frame = claimFrame(claim, 1500n);
    expect(frame).toMatchObject({ type: BtpType.Transfer, amount: 1500n, protocolData: [{ protocolName: CLAIM_PROTOCOL, contentType: 2 }] });
    expect(parseClaim(readJson(frame, CLAIM_PROTOCOL))).toEqual({ ...claim, channelId: channelId.toLowerCase() });
    expect(ethers.recoverAddress(e.balanceProof(channelId.toLowerCase(), 3n, 4500n), claim.signature)).toBe(wallet.address);
  });

  it.each([
    [{ version: '2.0' }, 'unsupported claim version "2.0"'],
    [{ blockchain: 'xrp' }, 'unsupported blockchain "xrp"'],
    [{ channelId: '0x12' }, 'channelId must be 32 bytes of 0x hex'],
    [{ nonce: '0' }, 'nonce must be at least 1'],
    [{ nonce: '-1' }, 'nonce must be an unsigned 256-bit integer'],
    [{ transferredAmount: 12 }, 'transferredAmount must be an unsigned 256-bit integer'],
    [{ transferredAmount: `1${'0'.repeat(78)}` }, 'transferredAmount must be an unsigned 256-bit integer'],
    [{ lockedAmount: '5' }, 'lockedAmount must be "0"'],
    [{ locksRoot: `0x${'11'.repeat(32)}` }, 'locksRoot must be 32 zero bytes'],
    [{ signature: '0x1234' }, 'signature must be 65 bytes'],
    [{ signerAddress: 'alice' }, 'signerAddress must be a 0x address'],
    [{ chainId: 0 }, 'chainId must be a positive integer'],
    [{ messageId: 5 }, 'messageId must be a string'],
  ])('refuses %j: %s', (change, reason) => {
    expect(parseClaim({ ...claim, ...change })).toContain(reason);
  });

  it('refuses what is not a JSON object, and reads a numeric chainId given as a string', () => {
    expect(parseClaim([])).toBe('the claim is not a JSON object');
    const notJson = claimFrame(claim, 1n);
    notJson.protocolData[0].data = Buffer.from('{');
    expect(parseClaim(readJson(notJson, CLAIM_PROTOCOL))).toBe(`${CLAIM_PROTOCOL} data is not JSON`);
    expect(parseClaim({ ...claim, chainId: '31337' })).toMatchObject({ chainId: 31337 });
  });

  it('consent requests: withdraw or cooperative-close, amount as a decimal string', () => {
    const frame = consentFrame({ type: 'withdraw', channelId, amount: '10' });
    expect(frame.type).toBe(BtpType.Message);
    expect(parseConsent(readJson(frame, 'payment-channel-consent'))).toEqual({ type: 'withdraw', channelId: channelId.toLowerCase(), amount: '10' });
    expect(parseConsent({ type: 'drain', channelId, amount: '1' })).toBe('type must be withdraw or cooperative-close');
    expect(parseConsent({ type: 'withdraw', channelId, amount: 1 })).toContain('amount must be');
  });
});

describe('ethers as an optional peer dependency', () => {
  it('a missing package is CHAIN_SDK_MISSING naming `npm install ethers`', async () => {
    const missing = Object.assign(new Error("Cannot find package 'ethers'"), { code: 'ERR_MODULE_NOT_FOUND' });
    const err = await importEthers(() => Promise.reject(missing)).catch((e: unknown) => e);
    expect(isAppError(err)).toBe(true);
    expect(err).toMatchObject({ code: 'CHAIN_SDK_MISSING', exitCode: 2 });
    expect((err as Error).message).toContain('npm install ethers');
    const other = new Error('boom');
    await expect(importEthers(() => Promise.reject(other))).rejects.toBe(other);
  });
});

describe('KeyedLock', () => {
  it('runs work one at a time per key, concurrently across keys, and survives failures', async () => {
    const lock = new KeyedLock();
    const order: string[] = [];
    const step = (name: string, ms: number) => () => new Promise<string>((r) => setTimeout(() => (order.push(name), r(name)), ms));
    const a1 = lock.run('a', step('a1', 30));
    const a2 = lock.run('a', () => Promise.reject(new Error('a2 fails')));
    const a3 = lock.run('a', step('a3', 1));
    const b1 = lock.run('b', step('b1', 5));
    await expect(a2).rejects.toThrow('a2 fails');
    expect(await Promise.all([a1, a3, b1])).toEqual(['a1', 'a3', 'b1']);
    expect(order).toEqual(['b1', 'a1', 'a3']);
    await lock.idle();
  });
});

// ---------------------------------------------------------------------------------------------
// Multi-chain: the XRPL / Aptos claim format, and the engine's lanes and routing, over a fake
// ledger and an in-memory chain whose claims are real Ed25519 signatures (node:crypto).

const evmClaim = buildClaim({
  senderId: 'alice',
  channelId: `0x${'ab'.repeat(32)}`,
  nonce: 1n,
  transferredAmount: 1n,
  signature: `0x${'11'.repeat(65)}`,
  signerAddress: `0x${'33'.repeat(20)}`,
  chainId: 31337,
  contract: `0x${'11'.repeat(20)}`,
  token: `0x${'22'.repeat(20)}`,
});

const ED25519_SPKI = Buffer.from('302a300506032b6570032100', 'hex');

/** An XRPL-like chain in memory: channels by id, claims signed with Ed25519 over `id:amount`. */
class MemoryChain implements ChainAdapter {
  readonly chainId = 0;
  readonly contract = 'PayChannel';
  readonly token = 'XRP';
  readonly decimals = 6;
  readonly features = { withdraw: false, cooperativeClose: false };
  readonly settlementTimeoutRange = [3600, 365 * 86_400] as const;
  channels = new Map<string, OnchainChannel>();
  readonly claims: { channelId: string; amount: bigint; close: boolean }[] = [];
  private readonly key = generateKeyPairSync('ed25519');

  constructor(
    readonly chain: 'xrpl' | 'aptos',
    readonly address: string,
  ) {}

  get publicKey(): string {
    const raw = this.key.publicKey.export({ format: 'der', type: 'spki' }).subarray(ED25519_SPKI.length);
    return `ED${raw.toString('hex').toUpperCase()}`;
  }

  signBalanceProof(channelId: string, _nonce: bigint, amount: bigint): string {
    return edSign(null, Buffer.from(`${channelId}:${amount}`), this.key.privateKey).toString('hex').toUpperCase();
  }

  verifyBalanceProof(channel: OnchainChannel, _nonce: bigint, amount: bigint, signature: string): boolean {
    try {
      if (channel.publicKey === undefined) return false;
      const key = createPublicKey({ key: Buffer.concat([ED25519_SPKI, Buffer.from(channel.publicKey.slice(2), 'hex')]), format: 'der', type: 'spki' });
      return edVerify(null, Buffer.from(`${channel.channelId}:${amount}`), key, Buffer.from(signature, 'hex'));
    } catch {
      return false;
    }
  }

  sameAddress(a: string, b: string): boolean {
    return a === b;
  }

  normalizeChannelId(id: string): string | undefined {
    return /^[0-9a-fA-F]{64}$/.test(id) ? id.toUpperCase() : undefined;
  }

  isAddress(address: string): boolean {
    return /^r[1-9A-HJ-NP-Za-km-z]{24,34}$/.test(address);
  }

  openChannel(): Promise<TxResult & { channelId: string }> {
    return Promise.reject(new Error('not in this test'));
  }

  setTotalDeposit(): Promise<TxResult> {
    return Promise.reject(new Error('not in this test'));
  }

  claim(channelId: string, _nonce: bigint, amount: bigint, _signature: string, close = false): Promise<TxResult> {
    this.claims.push({ channelId, amount, close });
    const c = this.channels.get(channelId);
    if (c === undefined) return Promise.reject(new Error('tecNO_TARGET'));
    if (close) this.channels.delete(channelId); // the ledger deletes a channel the receiver closes
    else c.claimed = amount;
    return Promise.resolve({ txHash: `TX${this.claims.length}`, gasUsed: 12n });
  }

  closeChannel(): Promise<TxResult> {
    return Promise.reject(new Error('not in this test'));
  }

  settleChannel(): Promise<TxResult> {
    return Promise.reject(new Error('not in this test'));
  }

  getChannel(channelId: string): Promise<OnchainChannel> {
    const c = this.channels.get(channelId);
    return Promise.resolve(c === undefined ? { channelId, sender: '', receiver: '', settlementTimeout: 0, state: 'none', closedAt: 0, deposit: 0n, withdrawn: 0n, claimed: 0n, nonce: 0n } : { ...c });
  }

  poll(from: number, watched: readonly string[]): Promise<{ toBlock: number; timestamp: number; events: ChainEvent[] }> {
    return Promise.resolve({ toBlock: from + 1, timestamp: Math.floor(Date.now() / 1000), events: watched.map((channelId) => ({ name: 'Changed', channelId, blockNumber: from + 1, txHash: '' })) });
  }

  blockNumber(): Promise<number> {
    return Promise.resolve(100);
  }

  tokenBalance(): Promise<bigint> {
    return Promise.resolve(0n);
  }

  close(): void {}
}

/** A ledger that keeps balances from the postings it is given (idempotent by entry id, like the real one). */
class MemoryLedger {
  readonly balances = new Map<string, bigint>();
  readonly ids = new Set<string>();
  commitAsync(entry: JournalEntry): Promise<void> {
    if (this.ids.has(entry.id)) return Promise.resolve();
    this.ids.add(entry.id);
    for (const p of entry.postings) this.balances.set(p.account, (this.balances.get(p.account) ?? 0n) + p.amount);
    return Promise.resolve();
  }
  balance(account: string): bigint {
    return this.balances.get(account) ?? 0n;
  }
}

const ALICE_XRPL = 'rPEPPER7kfTD9w2To4CQk6UCfuHM9c6GDY';
const BOB_XRPL = 'rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh';
const XRPL_CHANNEL = 'c1'.repeat(32).toUpperCase();

async function xrplEngine(o: { peers?: ReturnType<SettlementContext['peers']> } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'ar-lanes-'));
  const ledger = new MemoryLedger();
  const logs: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(line) });
  const config = {
    nodeId: 'bob',
    assetCode: 'XRP',
    assetScale: 6,
    settlement: {
      enabled: true,
      redeem: { minAmount: 0n, intervalMs: 0, onClose: false },
      evm: { rpcUrl: 'http://127.0.0.1:1', chainId: 31337, contract: `0x${'11'.repeat(20)}`, token: `0x${'22'.repeat(20)}`, pollIntervalMs: 5000, resendIntervalMs: 10_000 },
      xrpl: { server: 'ws://127.0.0.1:1', seed: 'sEdTest', pollIntervalMs: 5000, resendIntervalMs: 10_000 },
    },
  } as unknown as NodeConfig;
  const peers = o.peers ?? [{ id: 'alice', connected: true, settlement: { chain: 'xrpl' as const, address: ALICE_XRPL } }];
  const ctx: SettlementContext = {
    config,
    ledger: ledger as unknown as Ledger,
    events: { emit: () => undefined } as unknown as EventStream,
    logger,
    dataDir: dir,
    peers: () => peers,
    request: (_peer, _frame, _deadline, cb) => cb(new Error('no link in this test')),
  };
  const store = await SettlementStore.open(dir);
  const engine = new SettlementEngine(ctx, store);
  // Alice's side of the chain signs; bob's lane is connected to the same chain (no start: no timers).
  const aliceChain = new MemoryChain('xrpl', ALICE_XRPL);
  const chain = new MemoryChain('xrpl', BOB_XRPL);
  chain.channels = aliceChain.channels;
  const lane = engine.lanes.get('xrpl')!;
  lane.core.chain = chain;
  lane.core.units = new Units(chain.decimals, 6);
  aliceChain.channels.set(XRPL_CHANNEL, {
    channelId: XRPL_CHANNEL,
    sender: ALICE_XRPL,
    receiver: BOB_XRPL,
    settlementTimeout: 3600,
    state: 'open',
    closedAt: 0,
    deposit: 1_000_000n,
    withdrawn: 0n,
    claimed: 0n,
    nonce: 0n,
    publicKey: aliceChain.publicKey,
  });
  await lane.core.refresh(XRPL_CHANNEL);
  const claimFrom = (nonce: bigint, amount: bigint, over: Partial<LedgerClaim> = {}) =>
    claimFrame(
      {
        ...buildLedgerClaim({
          blockchain: 'xrpl',
          senderId: 'alice',
          channelId: XRPL_CHANNEL,
          nonce,
          transferredAmount: amount,
          signature: aliceChain.signBalanceProof(XRPL_CHANNEL, nonce, amount),
          publicKey: aliceChain.publicKey,
          chainId: 0,
          contract: 'PayChannel',
          token: 'XRP',
        }),
        ...over,
      },
      amount,
    );
  const send = (frame: BtpFrame, peer = 'alice') =>
    new Promise<{ ok: boolean; code?: string; message?: string }>((resolve) => {
      const taken = engine.onPeerRequest(peer, frame, (reply) => resolve(reply.ok ? { ok: true } : reply));
      if (!taken) resolve({ ok: false, message: 'not taken' });
    });
  const stop = async () => {
    await engine.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  return { engine, lane, chain, aliceChain, ledger, logs, claimFrom, send, stop, store, dir };
}

describe('XRPL and Aptos claims', () => {
  const base = {
    blockchain: 'xrpl' as const,
    senderId: 'alice',
    channelId: 'ab'.repeat(32),
    nonce: 2n,
    transferredAmount: 1500n,
    signature: 'CD'.repeat(64),
    publicKey: `ED${'EF'.repeat(32)}`,
    chainId: 0,
    contract: 'PayChannel',
    token: 'XRP',
    now: 1_700_000_000_000,
  };
  const xrplId = (id: string) => (/^[0-9a-fA-F]{64}$/.test(id) ? id.toUpperCase() : undefined);

  it('carry the envelope, the channel key and cumulative base units; the EVM claim keeps its exact fields', () => {
    const c = buildLedgerClaim(base);
    expect(Object.keys(c)).toEqual(['version', 'blockchain', 'messageId', 'timestamp', 'senderId', 'channelId', 'nonce', 'transferredAmount', 'signature', 'publicKey', 'chainId', 'contract', 'token']);
    expect(c).toMatchObject({ version: '1.0', messageId: `xrpl-abababab-2-1700000000000`, transferredAmount: '1500', nonce: '2' });
    expect(Object.keys(evmClaim)).toEqual(['version', 'blockchain', 'messageId', 'timestamp', 'senderId', 'channelId', 'nonce', 'transferredAmount', 'lockedAmount', 'locksRoot', 'signature', 'signerAddress', 'chainId', 'tokenNetworkAddress', 'tokenAddress']);
  });

  it('parse per chain: the adapter normalizes the channel id; a chain id of 0 is fine (XRPL network 0)', () => {
    const parsed = parseLedgerClaim(JSON.parse(JSON.stringify(buildLedgerClaim(base))), 'xrpl', xrplId);
    expect(parsed).toMatchObject({ channelId: 'AB'.repeat(32), chainId: 0, publicKey: base.publicKey });
    expect(claimChain({ blockchain: 'aptos' })).toBe('aptos');
    expect(claimChain({ blockchain: 'xrp' })).toBeUndefined();
    expect(claimChain('x')).toBeUndefined();
  });

  it.each([
    [{ blockchain: 'aptos' }, 'unsupported blockchain "aptos" (this node settles on xrpl)'],
    [{ channelId: `0x${'ab'.repeat(32)}` }, 'channelId must be an XRPL channel id (64 hex digits)'],
    [{ signature: 'zz' }, 'signature must be 64 to 128 bytes of hex'],
    [{ signature: 'ab'.repeat(129) }, 'signature must be 64 to 128 bytes of hex'],
    [{ publicKey: 'ED12' }, 'publicKey must be the channel key'],
    [{ contract: '' }, 'contract must be a string of 1 to 256 characters'],
    [{ chainId: -1 }, 'chainId must be a non-negative integer'],
    [{ nonce: '0' }, 'nonce must be at least 1'],
    [{ transferredAmount: '-5' }, 'transferredAmount must be an unsigned 256-bit integer'],
  ])('refuses a malformed field: %j', (patch, reason) => {
    const bad = { ...JSON.parse(JSON.stringify(buildLedgerClaim(base))), ...patch } as unknown;
    expect(parseLedgerClaim(bad, 'xrpl', xrplId)).toContain(reason);
  });

  it('an Aptos claim: 0x channel ids, Move ids compared by address value', () => {
    const aptosId = (id: string) => (/^0x[0-9a-fA-F]{64}$/.test(id) ? id.toLowerCase() : undefined);
    const a = buildLedgerClaim({ ...base, blockchain: 'aptos', channelId: `0x${'AB'.repeat(32)}`, publicKey: `0x${'ef'.repeat(32)}`, signature: `0x${'cd'.repeat(64)}`, chainId: 4, contract: '0xcafe::payment_channel', token: '0x1::aptos_coin::AptosCoin' });
    expect(parseLedgerClaim(a, 'aptos', aptosId)).toMatchObject({ channelId: `0x${'ab'.repeat(32)}`, blockchain: 'aptos' });
    expect(parseLedgerClaim({ ...a, channelId: 'ab'.repeat(32) }, 'aptos', aptosId)).toBe('channelId must be an Aptos channel id (0x and 64 hex digits)');
    expect(sameMoveId('0x1::aptos_coin::AptosCoin', `0x${'0'.repeat(63)}1::aptos_coin::AptosCoin`)).toBe(true);
    expect(sameMoveId('0x1::aptos_coin::AptosCoin', '0x1::aptos_coin::Other')).toBe(false);
    expect(sameMoveId('0x1::m', 'nonsense')).toBe(false);
  });
});

describe('lanes: routing claims by chain, one lane per configured chain', () => {
  it('an XRPL claim goes to the XRPL lane: verified against the channel key, booked, acknowledged; replay, stale and over-deposit refused', async () => {
    const t = await xrplEngine();
    try {
      expect(await t.send(t.claimFrom(1n, 250_000n))).toEqual({ ok: true });
      expect(t.ledger.balance('channelIn:alice')).toBe(250_000n);
      expect(t.ledger.balance('peer:alice')).toBe(-250_000n);
      expect(await t.send(t.claimFrom(1n, 250_000n))).toEqual({ ok: true }); // the same claim again: acknowledged, nothing booked
      expect(t.ledger.balance('channelIn:alice')).toBe(250_000n);
      expect((await t.send(t.claimFrom(1n, 300_000n))).message).toContain('stale claim: nonce 1');
      expect((await t.send(t.claimFrom(2n, 2_000_000n))).message).toContain('exceeds the channel deposit');
      const r = t.lane.core.records.get(XRPL_CHANNEL)!;
      expect(r).toMatchObject({ chain: 'xrpl', direction: 'incoming', peerId: 'alice', booked: 250_000n });
      expect((await t.store.channels()).map((x) => x.chain)).toEqual(['xrpl']);
    } finally {
      await t.stop();
    }
  });

  it('refuses a claim under another key, a forged signature, a wrong network, and a chain this node lacks; the unconnected EVM lane says try later', async () => {
    const t = await xrplEngine();
    try {
      const other = new MemoryChain('xrpl', ALICE_XRPL);
      expect((await t.send(t.claimFrom(1n, 10n, { publicKey: other.publicKey }))).message).toMatch(/^publicKey ED[0-9A-F]{64} is not the key of channel /);
      expect(await t.send(t.claimFrom(1n, 10n, { signature: other.signBalanceProof(XRPL_CHANNEL, 1n, 10n) }))).toMatchObject({ ok: false, code: 'F00', message: expect.stringContaining('forged claim') as string });
      expect((await t.send(t.claimFrom(1n, 10n, { chainId: 1 }))).message).toContain('claim is for xrpl chain 1, contract PayChannel, token XRP; this node settles on xrpl chain 0');
      const aptos = t.claimFrom(1n, 10n, { blockchain: 'aptos' });
      expect(await t.send(aptos)).toMatchObject({ ok: false, code: 'F00', message: 'this node does not settle on aptos (it settles on evm, xrpl): send claims over a channel on one of those' });
      const notJson = t.claimFrom(1n, 10n);
      notJson.protocolData[0].data = Buffer.from('{');
      expect(await t.send(notJson)).toMatchObject({ ok: false, code: 'F00', message: `malformed claim: ${CLAIM_PROTOCOL} data is not JSON` });
      expect((await t.send(t.claimFrom(1n, 10n, { blockchain: 'xrp' as 'xrpl' }))).message).toBe('malformed claim: unsupported blockchain "xrp" (this node settles on evm, xrpl)');
      const evm = claimFrame(evmClaim, 1n);
      expect(await t.send(evm)).toMatchObject({ ok: false, code: 'T00', message: 'settlement is not connected to its evm chain yet; send the claim again later' });
      expect(t.ledger.balances.size).toBe(0);
    } finally {
      await t.stop();
    }
  });

  it('a peer on a chain this node lacks: one warning naming the section, no crash; admin errors say what to set', async () => {
    const peers = [
      { id: 'alice', connected: true, settlement: { chain: 'xrpl' as const, address: ALICE_XRPL } },
      { id: 'carol', connected: true, settleThreshold: 1n, settlement: { chain: 'aptos' as const, address: '0xca' } },
    ];
    const t = await xrplEngine({ peers });
    try {
      t.engine.onSettlementRequired('carol');
      t.engine.onPeerConnected('carol');
      const warnings = t.logs.filter((l) => l.includes('peer carol settles on aptos'));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain('add settlement.aptos to the config');
      const ops = t.engine.operations;
      const err = (f: () => unknown) => {
        try {
          f();
        } catch (e) {
          return e as Error;
        }
        throw new Error('expected an error');
      };
      expect(err(() => ops.open({ peerId: 'carol', initialDeposit: '1' })).message).toContain('this node does not settle on aptos: add settlement.aptos {nodeUrl, module}');
      expect(err(() => ops.open({ peerId: 'alice', chain: 'evm', initialDeposit: '1' })).message).toContain('peer alice settles on xrpl (its settlement.chain), not evm');
      expect(err(() => ops.open({ peerId: 'alice', chain: 'dogecoin', initialDeposit: '1' })).message).toContain('must be evm, xrpl or aptos');
      await expect(ops.open({ peerId: 'alice', initialDeposit: '1', settlementTimeout: 60 })).rejects.toThrow('must be whole seconds between 3600 and 31536000 on xrpl');
      await expect(ops.withdraw(XRPL_CHANNEL.toLowerCase(), '1')).rejects.toThrow(/cannot withdraw from channel .*: the peer is its sender/);
      await expect(ops.settle('carol')).rejects.toThrow('peer carol settles on aptos but this node does not');
    } finally {
      await t.stop();
    }
  });

  it('withdraw and cooperative close on a chain without them: 400 saying to close instead', async () => {
    const t = await xrplEngine();
    try {
      const r = t.lane.core.records.get(XRPL_CHANNEL)!;
      r.direction = 'outgoing'; // pretend we pay through it
      await expect(t.engine.operations.withdraw(XRPL_CHANNEL, '1')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('xrpl channels do not support withdrawing part of the deposit: close the channel') as string });
      await expect(t.engine.operations.close(XRPL_CHANNEL, true)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('xrpl channels do not support a cooperative close') as string });
      // a peer asking us to consent on such a channel is told there is nothing to consent to
      const asked = await t.send(consentFrame({ type: 'withdraw', channelId: XRPL_CHANNEL, amount: '1' }));
      expect(asked).toMatchObject({ ok: false, code: 'F00', message: expect.stringContaining('xrpl channels have no withdrawal and no cooperative close') as string });
    } finally {
      await t.stop();
    }
  });

  it('closing an incoming XRPL channel redeems with close in one transaction; the channel is gone from the ledger and books as settled, once', async () => {
    const t = await xrplEngine();
    try {
      expect(await t.send(t.claimFrom(1n, 400_000n))).toEqual({ ok: true });
      const closed = await t.engine.operations.close(XRPL_CHANNEL);
      expect(t.chain.claims).toEqual([{ channelId: XRPL_CHANNEL, amount: 400_000n, close: true }]);
      expect(closed).toMatchObject({ chain: 'xrpl', status: 'settled', claimedOnchain: '400000', txHash: 'TX1' });
      expect(t.ledger.balance('onchain')).toBe(400_000n);
      expect(t.ledger.balance('channelIn:alice')).toBe(0n);
      await t.lane.core.refresh(XRPL_CHANNEL); // read again: still gone, nothing booked twice
      expect(t.ledger.balance('onchain')).toBe(400_000n);
      await expect(t.engine.operations.close(XRPL_CHANNEL)).rejects.toMatchObject({ code: 'CONFLICT' });
    } finally {
      await t.stop();
    }
  });

  it('a channel the chain deletes while we hold unredeemed claims is settled from the last claimed we knew', async () => {
    const t = await xrplEngine();
    try {
      expect(await t.send(t.claimFrom(1n, 100_000n))).toEqual({ ok: true });
      t.chain.channels.get(XRPL_CHANNEL)!.claimed = 60_000n; // alice's side redeemed part, we saw it
      await t.lane.core.refresh(XRPL_CHANNEL);
      expect(t.ledger.balance('onchain')).toBe(60_000n);
      t.chain.channels.delete(XRPL_CHANNEL);
      const r = await t.lane.core.refresh(XRPL_CHANNEL);
      expect(r).toMatchObject({ state: 'settled', claimed: 60_000n, redeemed: 60_000n });
      expect(t.ledger.balance('onchain')).toBe(60_000n);
    } finally {
      await t.stop();
    }
  });

  it('records written before the chain field read as evm; other chains get their own keys', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ar-store-'));
    const store = await SettlementStore.open(dir);
    try {
      const db = (store as unknown as { db: { put(k: string, v: unknown): Promise<void> } }).db;
      const old = { channelId: `0x${'aa'.repeat(32)}`, chainId: 1, contract: '0x', direction: 'incoming', sender: 's', receiver: 'r', settlementTimeout: 3600, state: 'open', closedAt: 0, deposit: '5', withdrawn: '0', claimed: '0', nonce: '0', booked: '0', redeemed: '0', consented: '0', pending: [], openedAt: 1, updatedAt: 1 };
      await db.put(`channel:${old.channelId}`, old);
      const [r] = await store.channels();
      expect(r).toMatchObject({ chain: 'evm', deposit: 5n });
      await store.put({ ...r, chain: 'xrpl', channelId: 'AA'.repeat(32) });
      expect((await store.channels()).map((x) => x.chain).sort()).toEqual(['evm', 'xrpl']);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
