import { describe, expect, it } from 'vitest';
import { clock, compact, describeCode, duration, fitAmount, grouped } from '../../src/tui/format.js';
import { T0 } from './helpers.js';

describe('format', () => {
  it('names error codes from the ILP catalogue', () => {
    expect(describeCode('F02')).toBe('F02 Unreachable');
    expect(describeCode('T04')).toBe('T04 Insufficient Liquidity');
    expect(describeCode('R02')).toBe('R02 Insufficient Timeout');
    expect(describeCode('X42')).toBe('X42');
  });

  it('writes amounts compactly without floats, signed', () => {
    expect(compact('0')).toBe('0');
    expect(compact('9999')).toBe('9999');
    expect(compact('10000')).toBe('10.0k');
    expect(compact('-24900')).toBe('-24.9k');
    expect(compact('123456')).toBe('123k'); // three digits need no decimal
    expect(compact('1000000')).toBe('1.0M');
    expect(compact('1000000000000000000')).toBe('1.0E');
    expect(compact(12345678901234567890123n)).toBe('12.3Z');
    expect(compact(10n ** 30n)).toBe('1000000000Z');
    expect(compact(1500.4)).toBe('1500');
    expect(compact('not a number')).toBe('not a number');
  });

  it('groups digits, formats durations and clock times', () => {
    expect(grouped(1234567)).toBe('1,234,567');
    expect(grouped(-1000n)).toBe('-1,000');
    expect(duration(59)).toBe('59s');
    expect(duration(725)).toBe('12m05s');
    expect(duration(3 * 3600 + 4 * 60)).toBe('3h04m');
    expect(duration(2 * 86400 + 3 * 3600)).toBe('2d03h');
    expect(clock(T0)).toBe('03:04:05');
  });
});

describe('fitAmount (issue 19: amounts with their asset)', () => {
  const XRP6 = { code: 'XRP', scale: 6 };
  const USD9 = { code: 'USD', scale: 9 };
  it('shows every fraction digit of the scale with the code when it fits', () => {
    expect(fitAmount('12500000', XRP6, 14)).toBe('12.500000 XRP');
    expect(fitAmount('-1921154', XRP6, 14)).toBe('-1.921154 XRP');
    expect(fitAmount('1000000000', USD9, 15)).toBe('1.000000000 USD');
    expect(fitAmount('7', { code: 'JPY', scale: 0 }, 10)).toBe('7 JPY');
  });
  it('drops trailing zeros, then writes an amount below one unit exactly as units × 10^-scale', () => {
    expect(fitAmount('12500000', XRP6, 11)).toBe('12.5 XRP');
    expect(fitAmount('1000000000', USD9, 11)).toBe('1 USD');
    expect(fitAmount('1000', USD9, 11)).toBe('1000e-9 USD');
    expect(fitAmount('-5', XRP6, 10)).toBe('-5e-6 XRP');
  });
  it('shortens toward zero, marked ~, only when nothing exact fits', () => {
    expect(fitAmount('1234567890123', USD9, 11)).toBe('~1234.5 USD');
    expect(fitAmount('123456789', USD9, 11)).toBe('~0.1234 USD');
    expect(fitAmount('1234567890000000000', USD9, 11)).toBe('~1.2G USD');
    expect(fitAmount('-1234567890000000000', USD9, 11)).toBe('~-1.2G USD');
  });
  it('without an asset: grouped units, compact when they do not fit', () => {
    expect(fitAmount('1000', undefined, 11)).toBe('1,000');
    expect(fitAmount('25000000', undefined, 8)).toBe('25.0M');
    expect(fitAmount('x', USD9, 8)).toBe('x');
  });
});
