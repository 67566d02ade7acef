import { describe, expect, it } from 'vitest';
import { RingBuffer } from '../../../src/tui/store/ring-buffer.js';

describe('RingBuffer', () => {
  it('keeps the last `capacity` items, newest first', () => {
    const r = new RingBuffer<number>(3);
    expect(r.newest()).toEqual([]);
    for (let i = 1; i <= 5; i++) r.push(i);
    expect(r.size).toBe(3);
    expect(r.newest()).toEqual([5, 4, 3]);
    expect(r.newest(2)).toEqual([5, 4]);
    expect(r.at(0)).toBe(5);
    expect(r.at(2)).toBe(3);
    expect(r.at(3)).toBeUndefined();
    expect(r.at(-1)).toBeUndefined();
  });

  it('selects matches newest first, with a skip and a limit, and counts them all', () => {
    const r = new RingBuffer<number>(10);
    for (let i = 1; i <= 10; i++) r.push(i);
    expect(r.select((n) => n % 2 === 0, 1, 2)).toEqual({ items: [8, 6], matched: 5 });
  });

  it('clears, and refuses a useless capacity', () => {
    const r = new RingBuffer<string>(2);
    r.push('a');
    r.clear();
    expect(r.size).toBe(0);
    expect(r.newest()).toEqual([]);
    expect(() => new RingBuffer(0)).toThrow(RangeError);
  });
});
