import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Reader, Writer } from 'oer-utils';
import { CodecError } from '../../../src/node/ilp/errors.js';
import {
  lengthPrefixSize,
  OerReader,
  putUInt64,
  varOctetStringSize,
  varUIntSize,
  writeLengthPrefix,
  writeUInt64,
  writeVarOctetString,
  writeVarUInt,
} from '../../../src/node/ilp/oer.js';

function reasonOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CodecError);
    return (err as CodecError).reason;
  }
  throw new Error('expected a CodecError');
}

const reader = (hex: string): OerReader => {
  const b = Buffer.from(hex, 'hex');
  return new OerReader(b, 0, b.length);
};

describe('OER length prefixes', () => {
  it('writes the canonical form oer-utils writes, and reads it back', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 70_000 })), (n) => {
        const src = Buffer.alloc(n, 0xab);
        const ours = Buffer.alloc(varOctetStringSize(n));
        expect(writeVarOctetString(ours, 0, src)).toBe(ours.length);
        const theirs = new Writer();
        theirs.writeVarOctetString(src);
        expect(ours.equals(theirs.getBuffer())).toBe(true);
        const r = new OerReader(ours, 0, ours.length);
        expect(r.varOctetString('x', n).equals(src)).toBe(true);
        r.assertEnd('x');
      }),
      { numRuns: 500 },
    );
    expect([0, 127, 128, 255, 256, 65535, 65536, 0xffffff, 0x1000000].map(lengthPrefixSize)).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5]);
    const b = Buffer.alloc(5);
    expect(writeLengthPrefix(b, 0, 0x1000000)).toBe(5);
    expect(b.toString('hex')).toBe('8401000000');
  });

  it('refuses every non-canonical or malformed prefix', () => {
    expect(reasonOf(() => reader('').lengthPrefix('f'))).toBe('f: truncated length prefix');
    expect(reasonOf(() => reader('80').lengthPrefix('f'))).toBe('f: indefinite length prefix');
    expect(reasonOf(() => reader('817f' + '00'.repeat(127)).lengthPrefix('f'))).toBe('f: non-canonical length prefix (long form for 127)');
    expect(reasonOf(() => reader('820080' + '00'.repeat(128)).lengthPrefix('f'))).toBe('f: non-canonical length prefix (leading zero)');
    expect(reasonOf(() => reader('8201').lengthPrefix('f'))).toBe('f: truncated length prefix');
    expect(reasonOf(() => reader('850100000000').lengthPrefix('f'))).toBe('f: length-of-length 5 too large');
    expect(reasonOf(() => reader('0301').lengthPrefix('f'))).toBe('f: length 3 exceeds the 1 bytes left');
    expect(reasonOf(() => reader('81ff').lengthPrefix('f'))).toBe('f: length 255 exceeds the 0 bytes left');
    expect(reasonOf(() => reader('0301020304').varOctetString('f', 2))).toBe('f: 3 bytes exceeds the maximum of 2');
    // oer-utils agrees that these are not canonical.
    for (const hex of ['817f' + '00'.repeat(127), '820080' + '00'.repeat(128), '80']) {
      expect(() => Reader.from(Buffer.from(hex, 'hex')).readVarOctetString()).toThrow();
    }
  });
});

describe('OER VarUInt', () => {
  it('round-trips and matches oer-utils', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 48 - 1 }), (n) => {
        const b = Buffer.alloc(varUIntSize(n));
        expect(writeVarUInt(b, 0, n)).toBe(b.length);
        const theirs = new Writer();
        theirs.writeVarUInt(n);
        expect(b.equals(theirs.getBuffer())).toBe(true);
        expect(new OerReader(b, 0, b.length).varUInt('n')).toBe(n);
      }),
      { numRuns: 1000 },
    );
  });

  it('refuses empty, oversized and non-canonical VarUInts', () => {
    expect(reasonOf(() => reader('00').varUInt('n'))).toBe('n: empty VarUInt');
    expect(reasonOf(() => reader('0200ff').varUInt('n'))).toBe('n: non-canonical VarUInt (leading zero)');
    expect(reasonOf(() => reader('07' + '01'.repeat(7)).varUInt('n'))).toBe('n: VarUInt of 7 bytes too large');
    expect(reader('0100').varUInt('n')).toBe(0);
  });
});

describe('OER fixed integers', () => {
  it('writes UInt64 through both paths identically', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), (v) => {
        const a = Buffer.alloc(8);
        const b = Buffer.alloc(8);
        putUInt64(a, 0, v);
        b.writeBigUInt64BE(v);
        expect(a.equals(b)).toBe(true);
        expect(new OerReader(a, 0, 8).uint64('v')).toBe(v);
      }),
      { numRuns: 2000 },
    );
    expect(reasonOf(() => writeUInt64(Buffer.alloc(8), 0, -1n, 'amount'))).toBe('amount: not a UInt64');
    expect(reasonOf(() => reader('00').uint32('id'))).toBe('id: truncated');
    expect(reasonOf(() => reader('00').uint64('amount'))).toBe('amount: truncated');
    expect(reasonOf(() => reader('').uint8('t'))).toBe('t: truncated');
    expect(reasonOf(() => reader('0000').assertEnd('body'))).toBe('body: 2 trailing bytes');
  });
});
