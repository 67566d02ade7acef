import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import IlpPacket from 'ilp-packet';
import { assertIlpAddress, isValidAddressBytes, isValidIlpAddress } from '../../../src/node/ilp/address.js';
import { CodecError } from '../../../src/node/ilp/errors.js';
import * as arb from './arbitraries.js';

/** The RFC 0015 regex, verbatim. */
const RFC_REGEX = /(?=^.{1,1023}$)^(g|private|example|peer|self|test[1-3]?|local)([.][a-zA-Z0-9_~-]+)+$/;

const VALID = [
  'test.alice.XYZ.1234.-_~',
  'g.us-fed.ach.0.acmebank.swx0a0.acmecorp.sales.199.~ipr.cdfa5e16-e759-4ba3-88f6-8b9dc83c1868.2',
  'g.A',
  'private.a',
  'example.b',
  'peer.config',
  'self.x',
  'test1.x',
  'test2.x',
  'test3.x',
  'local.x',
  `g.${'a'.repeat(1021)}`,
];

const INVALID = [
  '',
  'g',
  'g.',
  '.g.a',
  'g..a',
  'g.a.',
  'test4.a',
  'test0.a',
  'G.a',
  'gg.a',
  'privat.a',
  'examples.a',
  'xyz.a',
  'g.a b',
  'g.a!',
  'g.a\n',
  'g.é',
  'g.a\u0000',
  `g.${'a'.repeat(1022)}`,
  'peer',
];

function bytesOf(s: string): Buffer {
  return Buffer.from(s, 'latin1');
}

describe('ILP addresses', () => {
  it('accepts what RFC 0015 accepts and refuses the rest (fixed cases)', () => {
    for (const a of VALID) {
      expect(RFC_REGEX.test(a), a).toBe(true);
      expect(isValidIlpAddress(a), a).toBe(true);
      expect(isValidAddressBytes(bytesOf(a), 0, a.length), a).toBe(true);
    }
    for (const a of INVALID) {
      expect(RFC_REGEX.test(a), a).toBe(false);
      expect(isValidIlpAddress(a), a).toBe(false);
      expect(isValidAddressBytes(Buffer.from(a, 'utf8'), 0, Buffer.byteLength(a)), a).toBe(false);
    }
    expect(isValidIlpAddress(42)).toBe(false);
    expect(isValidIlpAddress(undefined)).toBe(false);
  });

  it('agrees with the RFC regex and with ilp-packet on random strings', () => {
    const alphabet = fc.constantFrom(...'gGtest123privaexmplocfsu.-_~!aZ9 é\n'.split(''));
    const candidate = fc.oneof(
      arb.address,
      fc.string({ unit: alphabet, maxLength: 30 }),
      fc.tuple(fc.constantFrom(...arb.SCHEMES, 'test4', 'gg', ''), fc.string({ unit: alphabet, maxLength: 30 })).map(([s, r]) => s + r),
      arb.address.map((a) => `${a}.`),
    );
    fc.assert(
      fc.property(candidate, (s) => {
        const expected = RFC_REGEX.test(s);
        expect(isValidIlpAddress(s)).toBe(expected);
        expect(IlpPacket.isValidIlpAddress(s)).toBe(expected);
        const b = Buffer.from(`xx${s}yy`, 'utf8');
        expect(isValidAddressBytes(b, 2, b.length - 2)).toBe(expected);
      }),
      { numRuns: 5000 },
    );
  });

  it('assertIlpAddress names the field', () => {
    expect(() => assertIlpAddress('g.ok')).not.toThrow();
    try {
      assertIlpAddress('nope', 'peer.address');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(CodecError);
      expect((err as CodecError).reason).toBe('peer.address: invalid ILP address');
    }
  });
});
