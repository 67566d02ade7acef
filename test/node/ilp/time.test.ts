import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CodecError } from '../../../src/node/ilp/errors.js';
import {
  readGeneralizedTime,
  readIlpTimestamp,
  writeGeneralizedTime,
  writeIlpTimestamp,
} from '../../../src/node/ilp/time.js';

/** 0000-01-01 and 9999-12-31T23:59:59.999, computed with Date itself. */
const FIRST = new Date('0000-01-01T00:00:00.000Z').getTime();
const LAST = new Date('9999-12-31T23:59:59.999Z').getTime();

/** The digits `Date#toISOString` gives, as the reference. */
function isoDigits(ms: number): string {
  return new Date(ms).toISOString().replace(/[-T:.Z]/g, '');
}

function reasonOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CodecError);
    return (err as CodecError).reason;
  }
  throw new Error('expected a CodecError');
}

describe('ILP timestamps', () => {
  it('writes what Date writes and reads it back, for any instant in years 0000..9999', () => {
    const instant = fc.oneof(
      fc.integer({ min: FIRST, max: LAST }),
      // Near today, where the day caches matter, with repeats.
      fc.integer({ min: Date.now() - 86_400_000 * 3, max: Date.now() + 86_400_000 * 3 }),
      fc.constantFrom(FIRST, LAST, 0, -1, Date.UTC(2000, 1, 29), Date.UTC(2100, 1, 28, 23, 59, 59, 999), Date.UTC(2100, 2, 1)),
    );
    fc.assert(
      fc.property(instant, (ms) => {
        const b = Buffer.alloc(17);
        expect(writeIlpTimestamp(b, 0, ms, 't')).toBe(17);
        expect(b.toString('latin1')).toBe(isoDigits(ms));
        expect(readIlpTimestamp(b, 0, 't')).toBe(ms);
        const g = Buffer.alloc(19);
        expect(writeGeneralizedTime(g, 0, ms, 't')).toBe(19);
        expect(g.toString('latin1')).toBe(`${isoDigits(ms).slice(0, 14)}.${isoDigits(ms).slice(14)}Z`);
        expect(readGeneralizedTime(g, 0, 19, 't')).toBe(ms);
      }),
      { numRuns: 5000 },
    );
  });

  it('refuses impossible dates and times, with the day cache warm', () => {
    const read = (s: string): number => readIlpTimestamp(Buffer.from(s, 'latin1'), 0, 'expiresAt');
    expect(read('20240229235959999')).toBe(Date.UTC(2024, 1, 29, 23, 59, 59, 999));
    for (const [s, reason] of [
      ['20230229000000000', 'expiresAt: invalid date'],
      ['21000229000000000', 'expiresAt: invalid date'],
      ['20240001000000000', 'expiresAt: invalid date'],
      ['20241301000000000', 'expiresAt: invalid date'],
      ['20240100000000000', 'expiresAt: invalid date'],
      ['20240431000000000', 'expiresAt: invalid date'],
      ['20240229240000000', 'expiresAt: invalid time of day'],
      ['20240229236000000', 'expiresAt: invalid time of day'],
      ['20240229235960000', 'expiresAt: invalid time of day'],
      ['2024022923595999a', 'expiresAt: not a 17-digit timestamp'],
      ['2024-02-29T235959', 'expiresAt: not a 17-digit timestamp'],
      [' 0240229235959999', 'expiresAt: not a 17-digit timestamp'],
    ] as const) {
      expect(reasonOf(() => read(s)), s).toBe(reason);
    }
    // Same day as the cached one, still checked field by field.
    expect(read('20240229000000000')).toBe(Date.UTC(2024, 1, 29));
    expect(read('20000229000000000')).toBe(Date.UTC(2000, 1, 29));
  });

  it('reads GeneralizedTime strictly as YYYYMMDDHHmmSS.fffZ', () => {
    const read = (s: string): number => readGeneralizedTime(Buffer.from(s, 'latin1'), 0, s.length, 'at');
    expect(read('20180831025324.899Z')).toBe(Date.parse('2018-08-31T02:53:24.899Z'));
    for (const s of ['20180831025324.899', '20180831025324Z', '20180831025324,899Z', '20180831025324.899+0000', '2018083102532.4899Z']) {
      expect(reasonOf(() => read(s)), s).toBe('at: not a YYYYMMDDHHmmSS.fffZ time');
    }
    expect(reasonOf(() => read('20181331025324.899Z'))).toBe('at: invalid date');
  });

  it('refuses to write instants without a 4-digit year or with a fraction of a ms', () => {
    const b = Buffer.alloc(19);
    for (const ms of [FIRST - 1, LAST + 1, Number.NaN, Number.POSITIVE_INFINITY, 0.5]) {
      expect(reasonOf(() => writeIlpTimestamp(b, 0, ms, 'expiresAt'))).toBe('expiresAt: time out of range (years 0000..9999, whole ms)');
      expect(reasonOf(() => writeGeneralizedTime(b, 0, ms, 'at'))).toBe('at: time out of range (years 0000..9999, whole ms)');
    }
  });
});
