import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { amountAfterFee, checkMaxPacketAmount } from '../../../src/node/pipeline/amount.js';
import { checkNotExpired, forwardExpiry } from '../../../src/node/pipeline/expiry.js';
import { fulfillmentOf, matchesCondition } from '../../../src/node/pipeline/fulfillment.js';
import { TokenBucket } from '../../../src/node/pipeline/rate-limit.js';
import { serializeFulfill } from '../../../src/node/ilp/packet.js';

const policy = { expiryMarginMs: 1000, maxHoldTimeMs: 30_000 };

describe('expiry stage', () => {
  it('R00 when expired on arrival', () => {
    expect(() => checkNotExpired(1000, 1000)).toThrow(expect.objectContaining({ ilpErrorCode: 'R00' }));
    expect(() => checkNotExpired(1001, 1000)).not.toThrow();
  });
  it('shortens by the margin and caps the hold time', () => {
    expect(forwardExpiry(10_000, 0, policy, true)).toBe(9_000);
    expect(forwardExpiry(100_000, 0, policy, true)).toBe(30_000);
    expect(forwardExpiry(10_000, 0, policy, false)).toBe(10_000);
  });
  it('R02 with no more than the margin left', () => {
    expect(() => forwardExpiry(1000, 0, policy, true)).toThrow(expect.objectContaining({ ilpErrorCode: 'R02' }));
    expect(forwardExpiry(1001, 0, policy, true)).toBe(1);
  });
});

describe('amount stages', () => {
  it('fee in basis points, floored: 1000 keeps 1, 999 keeps 0', () => {
    expect(amountAfterFee(1000n, 10n)).toBe(999n);
    expect(amountAfterFee(999n, 10n)).toBe(999n);
    expect(amountAfterFee(2n ** 64n - 1n, 10n)).toBe(2n ** 64n - 1n - (2n ** 64n - 1n) / 1000n);
    expect(amountAfterFee(1000n, 0n)).toBe(1000n);
    expect(amountAfterFee(0n, 10n)).toBe(0n);
  });
  it('F08 above the maximum', () => {
    expect(() => checkMaxPacketAmount(11n, 10n)).toThrow(expect.objectContaining({ ilpErrorCode: 'F08' }));
    expect(() => checkMaxPacketAmount(10n, 10n)).not.toThrow();
    expect(() => checkMaxPacketAmount(10n ** 18n, undefined)).not.toThrow();
  });
});

describe('rate limit stage', () => {
  it('allows the burst, then the sustained rate', () => {
    const b = new TokenBucket(10, 3, 0);
    expect([b.take(0), b.take(0), b.take(0), b.take(0)]).toEqual([true, true, true, false]);
    expect(b.take(99)).toBe(false);
    expect(b.take(100)).toBe(true);
  });
});

describe('fulfillment stage', () => {
  it('finds the fulfillment in a serialized Fulfill and checks it against the condition', () => {
    const f = Buffer.alloc(32, 9);
    const packet = serializeFulfill({ fulfillment: f, data: Buffer.alloc(300, 1) }); // long: 2-byte length prefix
    expect(fulfillmentOf(packet)?.equals(f)).toBe(true);
    expect(matchesCondition(f, createHash('sha256').update(f).digest())).toBe(true);
    expect(matchesCondition(f, Buffer.alloc(32))).toBe(false);
    expect(fulfillmentOf(Buffer.from([14, 1, 0]))).toBeUndefined();
    expect(fulfillmentOf(Buffer.from([13, 5, 0]))).toBeUndefined();
  });
});
