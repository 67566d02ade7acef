/**
 * RecentIds: fingerprint tables in two generations, and the time up to which ids may be on disk only.
 */
import { describe, expect, it } from 'vitest';
import { RecentIds } from '../../src/ledger/recent-ids.js';

describe('RecentIds', () => {
  it('holds between capacity/2 and capacity ids and marks what it drops', () => {
    const r = new RecentIds(4);
    for (let i = 1; i <= 4; i++) r.addId(`id${i}`, i * 10);
    expect([1, 2, 3, 4].every((i) => r.mayHave(`id${i}`))).toBe(true);
    expect(r.incomplete).toBe(false);
    r.addId('id5', 50);
    r.addId('id6', 60); // the generation of id1, id2 is dropped
    expect(r.mayHave('id1')).toBe(false);
    expect(r.mayHave('id3')).toBe(true);
    expect(r.diskOnlyUntil).toBe(20);
    r.foldedBefore(20); // entries booked at 20 remain: still incomplete
    expect(r.incomplete).toBe(true);
    r.foldedBefore(21);
    expect(r.incomplete).toBe(false);
  });

  it('with capacity 0 holds nothing and always defers to disk', () => {
    const r = new RecentIds(0);
    r.addId('a', 5);
    expect(r.mayHave('a')).toBe(false);
    expect(r.diskOnlyUntil).toBe(5);
  });

  it('grows its tables and tells 200,000 booked ids from 200,000 others', () => {
    const r = new RecentIds(1_000_000);
    for (let i = 0; i < 200_000; i++) r.addId(`pkt-${i}`, 1);
    expect(r.size).toBe(200_000);
    let missing = 0;
    let falseHits = 0;
    for (let i = 0; i < 200_000; i++) {
      if (!r.mayHave(`pkt-${i}`)) missing++;
      if (r.mayHave(`other-${i}`)) falseHits++;
    }
    expect(missing).toBe(0);
    expect(falseHits).toBe(0);
    expect(r.incomplete).toBe(false);
  });

  it('fingerprints differ for ids that differ in one character or in length', () => {
    const r = new RecentIds(10);
    const seen = new Set<string>();
    for (const id of ['a', 'b', 'ab', 'ba', 'a\u0000', '\u0000a', 'pkt-1', 'pkt-10', 'pkt-01']) {
      r.fingerprint(id);
      seen.add(`${r.hi}:${r.lo}`);
    }
    expect(seen.size).toBe(9);
  });
});
