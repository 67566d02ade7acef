/**
 * A link's table of requests awaiting a response (src/node/btp/pending-table.ts): ids in sequence,
 * a request held long while later ids wrap past its slot, growth, the id space's wrap at 2^32,
 * timeouts, and a model check against a Map over random operations.
 */
import { describe, expect, it } from 'vitest';
import { PendingTable } from '../../../src/node/btp/pending-table.js';
import type { ResponseCallback } from '../../../src/node/btp/btp-link.js';

const cb: ResponseCallback = () => undefined;

describe('PendingTable', () => {
  it('skips the slot of a request still waiting when later ids come round to it', () => {
    const t = new PendingTable(4);
    const slow = t.freeId(0);
    t.add(slow, cb, 'slow', 1000);
    let next = 1;
    for (let i = 0; i < 20; i++) {
      const id = t.freeId(next);
      expect(id & 3).not.toBe(slow & 3);
      t.add(id, cb, i, 10);
      expect(t.ctx(t.slotOf(id))).toBe(i);
      t.remove(t.slotOf(id));
      next = id + 1;
    }
    expect(t.ctx(t.slotOf(slow))).toBe('slow');
    expect(t.size).toBe(1);
  });

  it('grows when half full and keeps every request', () => {
    const t = new PendingTable(2);
    const ids: number[] = [];
    let next = 0xffff_fff0; // crosses 2^32 on the way
    for (let i = 0; i < 1000; i++) {
      const id = t.freeId(next);
      t.add(id, cb, i, i);
      ids.push(id);
      next = (id + 1) >>> 0;
    }
    expect(ids).toContain(0);
    expect(new Set(ids).size).toBe(1000);
    expect(t.size).toBe(1000);
    ids.forEach((id, i) => expect(t.ctx(t.slotOf(id))).toBe(i));
    expect(t.slotOf(12345678)).toBe(-1);
    expect(t.expiredSlots(9).map((s) => t.ctx(s)).sort((a, b) => (a as number) - (b as number))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(t.slots().length).toBe(1000);
  });

  it('agrees with a Map over 50,000 random adds, answers and timeouts', () => {
    const t = new PendingTable();
    const model = new Map<number, { ctx: number; deadline: number }>();
    let next = 0;
    let now = 0;
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    for (let i = 0; i < 50_000; i++) {
      const r = rand();
      if (r < 0.55) {
        const id = t.freeId(next);
        expect(model.has(id)).toBe(false);
        const deadline = now + Math.floor(rand() * 500);
        t.add(id, cb, i, deadline);
        model.set(id, { ctx: i, deadline });
        next = (id + 1) >>> 0;
      } else if (r < 0.95 && model.size > 0) {
        const keys = [...model.keys()];
        const id = keys[Math.floor(rand() * keys.length)];
        const s = t.slotOf(id);
        expect(t.ctx(s)).toBe(model.get(id)!.ctx);
        t.remove(s);
        model.delete(id);
        expect(t.slotOf(id)).toBe(-1);
      } else {
        now += 50;
        const expired = t.expiredSlots(now).map((s) => t.idAt(s)).sort((a, b) => a - b);
        const want = [...model].filter(([, v]) => v.deadline <= now).map(([k]) => k).sort((a, b) => a - b);
        expect(expired).toEqual(want);
        for (const id of expired) {
          t.remove(t.slotOf(id));
          model.delete(id);
        }
      }
      expect(t.size).toBe(model.size);
    }
  });
});
