/**
 * RecentIds: two generations, and the time up to which ids may be on disk only.
 */
import { describe, expect, it } from 'vitest';
import { RecentIds } from '../../src/ledger/recent-ids.js';

describe('RecentIds', () => {
  it('holds between capacity/2 and capacity ids and marks what it drops', () => {
    const r = new RecentIds(4);
    for (let i = 1; i <= 4; i++) r.add(`id${i}`, i * 10);
    expect([1, 2, 3, 4].every((i) => r.has(`id${i}`))).toBe(true);
    expect(r.incomplete).toBe(false);
    r.add('id5', 50);
    r.add('id6', 60); // the generation of id1, id2 is dropped
    expect(r.has('id1')).toBe(false);
    expect(r.has('id3')).toBe(true);
    expect(r.diskOnlyUntil).toBe(20);
    r.foldedBefore(20); // entries booked at 20 remain: still incomplete
    expect(r.incomplete).toBe(true);
    r.foldedBefore(21);
    expect(r.incomplete).toBe(false);
  });

  it('with capacity 0 holds nothing and always defers to disk', () => {
    const r = new RecentIds(0);
    r.add('a', 5);
    expect(r.has('a')).toBe(false);
    expect(r.diskOnlyUntil).toBe(5);
  });

  it('forgets folded ids', () => {
    const r = new RecentIds(10);
    r.add('a', 1);
    r.forget('a');
    expect(r.has('a')).toBe(false);
    expect(r.size).toBe(0);
  });
});
