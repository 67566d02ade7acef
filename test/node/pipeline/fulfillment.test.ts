/**
 * The packet path's SHA-256 (src/node/pipeline/fulfillment.ts, one block for a 32-byte preimage)
 * against node:crypto: the FIPS 180-4 / NIST vectors' 32-byte case, random preimages, every single-bit
 * change of the condition, and preimages at any offset inside a Fulfill.
 */
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { conditionMatches, fulfillmentOf, fulfillmentOffset, matchesCondition } from '../../../src/node/pipeline/fulfillment.js';
import { serializeFulfill } from '../../../src/codec.js';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest();

describe('conditionMatches (SHA-256 of a 32-byte preimage)', () => {
  it('agrees with node:crypto on fixed preimages', () => {
    // all zeros, all ones, ascending bytes: SHA-256 of 32 zero bytes is a well-known constant
    expect(sha256(Buffer.alloc(32)).toString('hex')).toBe('66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925');
    for (const pre of [Buffer.alloc(32), Buffer.alloc(32, 0xff), Buffer.from(Array.from({ length: 32 }, (_, i) => i))]) {
      expect(matchesCondition(pre, sha256(pre))).toBe(true);
    }
  });

  it('agrees with node:crypto on 20,000 random preimages and refuses every one-bit change', () => {
    for (let n = 0; n < 20_000; n++) {
      const pre = randomBytes(32);
      const cond = sha256(pre);
      expect(conditionMatches(pre, 0, cond)).toBe(true);
      const bit = n % 256;
      cond[bit >> 3] ^= 1 << (bit & 7);
      expect(conditionMatches(pre, 0, cond)).toBe(false);
    }
  });

  it('refuses conditions and preimages of the wrong length', () => {
    const pre = randomBytes(32);
    const cond = sha256(pre);
    expect(matchesCondition(pre.subarray(0, 31), cond)).toBe(false);
    expect(matchesCondition(Buffer.concat([pre, Buffer.alloc(1)]), cond)).toBe(false);
    expect(conditionMatches(pre, 0, cond.subarray(0, 31))).toBe(false);
    expect(conditionMatches(pre, 1, cond)).toBe(false);
  });

  it('reads the fulfillment where it sits inside a serialized Fulfill, whatever the length prefix', () => {
    for (const dataLength of [0, 1, 80, 200, 32_767]) {
      const fulfillment = randomBytes(32);
      const ilp = serializeFulfill({ fulfillment, data: randomBytes(dataLength) });
      const at = fulfillmentOffset(ilp);
      expect(fulfillmentOf(ilp)?.equals(fulfillment)).toBe(true);
      expect(conditionMatches(ilp, at, sha256(fulfillment))).toBe(true);
      expect(conditionMatches(ilp, at, sha256(randomBytes(32)))).toBe(false);
    }
    expect(fulfillmentOffset(Buffer.from([14, 0]))).toBe(-1);
    expect(fulfillmentOffset(Buffer.from([13, 10, 1, 2]))).toBe(-1);
  });
});
