/** Amounts shown with their asset: exact decimals at the asset's scale, never through a float. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatAmount, formatUnits } from '../../src/rates/index.js';

describe('formatAmount', () => {
  it('shows every fraction digit of the scale with the code', () => {
    expect(formatAmount(12_500_000n, { code: 'XRP', scale: 6 })).toBe('12.500000 XRP');
    expect(formatAmount('1923077', { code: 'XRP', scale: 6 })).toBe('1.923077 XRP');
    expect(formatAmount('-250', { code: 'USD', scale: 9 })).toBe('-0.000000250 USD');
    expect(formatAmount(0n, { code: 'USD', scale: 2 })).toBe('0.00 USD');
    expect(formatAmount(7n, { code: 'JPY', scale: 0 })).toBe('7 JPY');
    expect(formatAmount('18446744073709551615', { code: 'ETH', scale: 18 })).toBe('18.446744073709551615 ETH');
  });

  it('reads back to the same integer for any amount and scale', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }), fc.integer({ min: 0, max: 30 }), (units, scale) => {
        const text = formatUnits(units, scale);
        expect(text).toMatch(scale === 0 ? /^-?\d+$/ : new RegExp(`^-?\\d+\\.\\d{${scale}}$`));
        expect(BigInt(text.replace('.', ''))).toBe(units);
      }),
    );
  });
});
