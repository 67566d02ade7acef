import { describe, expect, it } from 'vitest';
import { RateBook } from '../../src/rates/rate-book.js';
import { parseDecimal } from '../../src/rates/rational.js';
import { parseRatesDocument } from '../../src/rates/document.js';
import { exchange } from '../../src/node/pipeline/exchange.js';
import { AmountTooLargeError, InternalError } from '../../src/node/ilp/errors.js';

const USD9 = { code: 'USD', scale: 9 };
const XRP6 = { code: 'XRP', scale: 6 };
const EUR2 = { code: 'EUR', scale: 2 };

describe('exchange (the formula of issue 19)', () => {
  const book = new RateBook({ base: 'USD', static: { XRP: '1.923077' } });

  it('1 USD at scale 9 is 1923077 XRP drops at 1.923077, no spread, no fee', () => {
    expect(exchange(1_000_000_000n, USD9, XRP6, book, 0n, 0)).toEqual({ converted: 1_923_077n, out: 1_923_077n });
  });

  it('the reverse direction rounds down', () => {
    // 1923077 drops = 1.923077 XRP = 1 USD exactly
    expect(exchange(1_923_077n, XRP6, USD9, book, 0n, 0).converted).toBe(1_000_000_000n);
    // one drop less: 999999480.00003 units of USD, floored
    expect(exchange(1_923_076n, XRP6, USD9, book, 0n, 0).converted).toBe(999_999_480n);
  });

  it('takes the fee on the converted amount, in the destination asset', () => {
    expect(exchange(1_000_000_000n, USD9, XRP6, book, 10n, 0)).toEqual({ converted: 1_923_077n, out: 1_923_077n - 1_923n });
  });

  it('takes the spread before the fee', () => {
    const spread = new RateBook({ base: 'USD', static: { XRP: '2' }, spread: parseDecimal('0.002') });
    expect(exchange(1_000_000n, { code: 'USD', scale: 6 }, XRP6, spread, 0n, 0).converted).toBe(1_996_000n);
  });

  it('a small amount that converts to 0 is forwarded as 0', () => {
    expect(exchange(1n, USD9, XRP6, book, 0n, 0)).toEqual({ converted: 0n, out: 0n });
  });

  it('the same code at another scale only moves the decimal point, without spread', () => {
    const spread = new RateBook({ base: 'USD', spread: parseDecimal('0.5') });
    expect(exchange(1_234_567_891n, USD9, { code: 'USD', scale: 6 }, spread, 0n, 0).converted).toBe(1_234_567n);
  });

  it('beyond UInt64 is F08 carrying the amount and the largest that converts', () => {
    const cheap = new RateBook({ base: 'USD', static: { XRP: '1000000' } });
    let err: unknown;
    try {
      exchange(18_000_000_000_000_000_000n, { code: 'USD', scale: 6 }, XRP6, cheap, 0n, 0);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AmountTooLargeError);
    const f08 = err as AmountTooLargeError;
    expect(f08.receivedAmount).toBe(18_000_000_000_000_000_000n);
    expect(f08.maximumAmount).toBe(18_446_744_073_709n);
  });

  it('a missing rate is T00 naming the pair', () => {
    expect(() => exchange(100n, USD9, EUR2, book, 0n, 0)).toThrow(InternalError);
    expect(() => exchange(100n, USD9, EUR2, book, 0n, 0)).toThrow(/no rate for USD→EUR: EUR has no rate/);
    expect(() => exchange(100n, USD9, EUR2, undefined, 0n, 0)).toThrow(/no rate for USD→EUR/);
  });
});

describe('RateBook with a source', () => {
  it('a source rate wins over a static one while fresh; stale stops only its pairs', () => {
    const book = new RateBook({ base: 'USD', static: { XRP: '2', EUR: '0.5' }, maxAgeMs: 1000 });
    book.applySource(parseRatesDocument('{"base":"USD","rates":{"XRP":4}}'), 10_000);
    expect(exchange(1000n, USD9, { code: 'XRP', scale: 9 }, book, 0n, 10_500).converted).toBe(4000n);
    expect(book.isStale(11_001)).toBe(true);
    expect(book.staleAssets(11_001)).toEqual(['XRP']);
    expect(() => exchange(1000n, USD9, XRP6, book, 0n, 11_001)).toThrow(/rate USD→XRP is stale/);
    expect(() => exchange(1000n, XRP6, EUR2, book, 0n, 11_001)).toThrow(/stale/);
    // EUR comes from static: USD↔EUR goes on
    expect(exchange(1000n, { code: 'USD', scale: 2 }, EUR2, book, 0n, 11_001).converted).toBe(500n);
    // a new answer makes it fresh again
    book.applySource(parseRatesDocument('{"base":"USD","rates":{"XRP":"3"}}'), 11_002);
    expect(exchange(1000n, USD9, { code: 'XRP', scale: 9 }, book, 0n, 11_003).converted).toBe(3000n);
  });

  it('lists the base, static and source rates', () => {
    const book = new RateBook({ base: 'USD', static: { EUR: '0.92' }, maxAgeMs: 1000 });
    book.applySource(parseRatesDocument('{"base":"USD","rates":{"XRP":1.923077}}'), 5);
    expect(book.list(10)).toEqual([
      { code: 'USD', rate: '1', source: 'base', stale: false },
      { code: 'EUR', rate: '0.92', source: 'static', stale: false },
      { code: 'XRP', rate: '1.923077', source: 'source', updatedAt: 5, stale: false },
    ]);
  });

  it('setStatic changes the factor of cached pairs', () => {
    const book = new RateBook({ base: 'USD', static: { XRP: '2' } });
    expect(exchange(10n, USD9, { code: 'XRP', scale: 9 }, book, 0n, 0).converted).toBe(20n);
    book.setStatic(new Map([['XRP', { value: parseDecimal('3'), text: '3' }]]));
    expect(exchange(10n, USD9, { code: 'XRP', scale: 9 }, book, 0n, 0).converted).toBe(30n);
  });
});
