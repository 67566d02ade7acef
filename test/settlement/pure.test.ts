/**
 * The settlement engine's pure parts: unit conversion (and its remainder rule), the claim format and
 * its validation, the missing-SDK error, the per-key lock. No chain, no sockets.
 */
import { describe, expect, it } from 'vitest';
import { Wallet } from 'ethers';
import * as ethers from 'ethers';
import { BtpType } from '../../src/node/btp/codec.js';
import { buildClaim, claimFrame, CLAIM_PROTOCOL, consentFrame, parseClaim, parseConsent, readJson } from '../../src/settlement/claim.js';
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
