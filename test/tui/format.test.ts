import { describe, expect, it } from 'vitest';
import { clock, compact, describeCode, duration, grouped } from '../../src/tui/format.js';
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
