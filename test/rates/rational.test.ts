import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compare, divide, floorTimes, multiply, parseDecimal, parsePositiveDecimal, rational, toDecimal } from '../../src/rates/rational.js';
import { convertAmount, maxInputFor, MAX_UINT64 } from '../../src/rates/convert.js';
import type { JsonNumber } from '../../src/rates/exact-json.js';
import { parseExactJson } from '../../src/rates/exact-json.js';
import { parseRatesDocument } from '../../src/rates/document.js';

describe('parseDecimal', () => {
  it('reads decimal text exactly, never through a float', () => {
    expect(parseDecimal('1.923077')).toEqual({ num: 1923077n, den: 1000000n });
    expect(parseDecimal('0.1')).toEqual({ num: 1n, den: 10n });
    expect(parseDecimal('2e-3')).toEqual({ num: 1n, den: 500n });
    expect(parseDecimal('1.5E2')).toEqual({ num: 150n, den: 1n });
    expect(parseDecimal('0')).toEqual({ num: 0n, den: 1n });
    expect(compare(parseDecimal('0.30'), rational(3n, 10n))).toBe(0);
  });

  it('refuses what is not a non-negative decimal, saying why', () => {
    expect(() => parseDecimal('-1')).toThrow(/negative/);
    expect(() => parseDecimal('abc')).toThrow(/not a decimal number/);
    expect(() => parseDecimal('')).toThrow(/empty/);
    expect(() => parseDecimal('1.')).toThrow(/not a decimal/);
    expect(() => parseDecimal('NaN')).toThrow(/not a decimal/);
    expect(() => parseDecimal('1e999')).toThrow(/exponent/);
    expect(() => parseDecimal('1'.repeat(101))).toThrow(/longer/);
    expect(() => parsePositiveDecimal('0.000')).toThrow(/zero/);
  });

  it('round-trips any decimal it prints', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 30n }), fc.integer({ min: 0, max: 18 }), (digits, places) => {
        const r = rational(digits, 10n ** BigInt(places));
        expect(compare(parseDecimal(toDecimal(r, 40)), r)).toBe(0);
      }),
    );
  });
});

describe('conversion arithmetic (property)', () => {
  const positive = fc.tuple(fc.bigInt({ min: 1n, max: 10n ** 12n }), fc.bigInt({ min: 1n, max: 10n ** 12n })).map(([n, d]) => rational(n, d));
  const amount = fc.bigInt({ min: 0n, max: MAX_UINT64 });

  it('never creates value: floor(a × f) <= a × f < floor(a × f) + 1', () => {
    fc.assert(
      fc.property(amount, positive, (a, f) => {
        const out = convertAmount(a, f);
        expect(out * f.den <= a * f.num).toBe(true);
        expect((out + 1n) * f.den > a * f.num).toBe(true);
      }),
    );
  });

  it('converting there and back never returns more than was sent', () => {
    fc.assert(
      fc.property(amount, positive, (a, f) => {
        const back = convertAmount(convertAmount(a, f), divide(rational(1n), f));
        expect(back <= a).toBe(true);
      }),
    );
  });

  it('two hops never give more than one hop at the product rate', () => {
    fc.assert(
      fc.property(amount, positive, positive, (a, f, g) => {
        expect(convertAmount(convertAmount(a, f), g) <= floorTimes(a, multiply(f, g))).toBe(true);
      }),
    );
  });

  it('maxInputFor is the exact UInt64 bound', () => {
    fc.assert(
      fc.property(positive, (f) => {
        const max = maxInputFor(f);
        expect(convertAmount(max, f) <= MAX_UINT64).toBe(true);
        if (max < MAX_UINT64) expect(convertAmount(max + 1n, f) > MAX_UINT64).toBe(true);
      }),
    );
  });
});

describe('exact JSON', () => {
  it('keeps numbers as their text', () => {
    const v = parseExactJson('{"base":"USD","rates":{"XRP":1.923077,"BIG":123456789012345678901234567890.5}}') as Record<string, Record<string, JsonNumber>>;
    expect(v.rates.XRP.text).toBe('1.923077');
    expect(v.rates.BIG.text).toBe('123456789012345678901234567890.5');
  });

  it('refuses what JSON refuses', () => {
    for (const bad of ['{', '{"a":}', '[1,]', '{"a":1}x', '01', '{"a":NaN}', "{'a':1}", '"\u0001"']) {
      expect(() => parseExactJson(bad), bad).toThrow(SyntaxError);
    }
    expect(parseExactJson('{"a":"x\\"y","b":[true,false,null]}')).toEqual({ a: 'x"y', b: [true, false, null] });
  });
});

describe('rates document', () => {
  it('reads the common FX shape exactly', () => {
    const doc = parseRatesDocument('{ "base": "USD", "rates": { "XRP": 1.923077, "EUR": "0.92" } }');
    expect(doc.base).toBe('USD');
    expect(doc.rates.get('XRP')).toEqual({ value: { num: 1923077n, den: 1000000n }, text: '1.923077' });
    expect(doc.rates.get('EUR')?.text).toBe('0.92');
  });

  it('names what is wrong with a bad document', () => {
    expect(() => parseRatesDocument('<html>')).toThrow(/not JSON/);
    expect(() => parseRatesDocument('[]')).toThrow(/not a JSON object/);
    expect(() => parseRatesDocument('{"rates":{}}')).toThrow(/no "base"/);
    expect(() => parseRatesDocument('{"base":"USD"}')).toThrow(/no "rates"/);
    expect(() => parseRatesDocument('{"base":"USD","rates":{"XRP":0}}')).toThrow(/rates.XRP: 0 is zero/);
    expect(() => parseRatesDocument('{"base":"USD","rates":{"XRP":-1.5}}')).toThrow(/rates.XRP: -1.5 is negative/);
    expect(() => parseRatesDocument('{"base":"USD","rates":{"XRP":"abc"}}')).toThrow(/rates.XRP: abc is not a decimal/);
    expect(() => parseRatesDocument('{"base":"USD","rates":{"XRP":null}}')).toThrow(/rates.XRP: null is not a number/);
    expect(() => parseRatesDocument('{"base":"USD","rates":{"USD":2}}')).toThrow(/base asset's rate must be 1/);
  });
});
