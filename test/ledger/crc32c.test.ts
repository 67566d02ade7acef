/**
 * The slice-by-8 CRC-32C against the standard check value and a bit-at-a-time reference over random
 * buffers, offsets and running CRCs (the page checksum and the open check depend on it).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc32c } from '../../src/ledger/integrity/crc32c.js';

/** CRC-32C one bit at a time, straight from the definition (reflected polynomial 0x82f63b78). */
function reference(buf: Uint8Array, start: number, end: number, crc: number): number {
  let c = ~crc >>> 0;
  for (let i = start; i < end; i++) {
    c ^= buf[i];
    for (let k = 0; k < 8; k++) c = c & 1 ? (0x82f63b78 ^ (c >>> 1)) >>> 0 : c >>> 1;
  }
  return ~c >>> 0;
}

describe('crc32c (slice-by-8)', () => {
  it('gives the standard check value and the CRC of the empty range', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32c(Buffer.alloc(0))).toBe(0);
    expect(crc32c(Buffer.alloc(32, 0))).toBe(0x8a9136aa); // RFC 3720 B.4: 32 bytes of zeros
    expect(crc32c(Buffer.alloc(32, 0xff))).toBe(0x62a8ab43); // RFC 3720 B.4: 32 bytes of 0xff
  });

  it('matches the bitwise reference on any bytes, range and running CRC', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(), fc.nat(), fc.integer({ min: 0, max: 0xffffffff }), (bytes, a, b, crc) => {
        const start = bytes.length === 0 ? 0 : a % (bytes.length + 1);
        const end = start + (bytes.length - start === 0 ? 0 : b % (bytes.length - start + 1));
        expect(crc32c(bytes, start, end, crc)).toBe(reference(bytes, start, end, crc));
      }),
      { numRuns: 500 },
    );
  });

  it('extends a running CRC: two halves give the CRC of the whole', () => {
    const buf = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 31) & 0xff));
    expect(crc32c(buf, 500, 1000, crc32c(buf, 0, 500))).toBe(crc32c(buf));
  });
});
