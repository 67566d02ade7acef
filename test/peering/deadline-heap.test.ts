/**
 * The HTTP peer link's one-timer deadline heap (src/node/http/deadline-heap.ts): items come due in
 * deadline order whatever order they were added in, an earlier deadline re-arms the timer, settled
 * items are skipped, and settled items are dropped from memory once they outnumber the live ones.
 */
import { describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/node.js';
import { DeadlineHeap } from '../../src/node/http/deadline-heap.js';

interface Item {
  id: number;
  live: boolean;
}

describe('DeadlineHeap', () => {
  it('calls each live item once, in deadline order, never before its deadline; skips settled ones', async () => {
    const due: { id: number; late: number }[] = [];
    const heap = new DeadlineHeap<Item>((i) => i.live, (i, now) => {
      i.live = false;
      due.push({ id: i.id, late: now - deadlines[i.id] });
    });
    const t0 = Date.now();
    // added out of order; the last one is earlier than all others (re-arms the timer)
    const offsets = [400, 150, 300, 250, 350, 50];
    const deadlines = offsets.map((o) => t0 + o);
    const items = offsets.map((_, id) => ({ id, live: true }));
    items.forEach((it, id) => heap.add(deadlines[id], it));
    // item 3 settles before its deadline
    items[3].live = false;
    heap.forget();
    await waitFor(() => due.length === 5, 20_000, 'five items due');
    expect(due.map((d) => d.id)).toEqual([5, 1, 2, 4, 0]);
    expect(due.every((d) => d.late >= 0)).toBe(true);
    expect(heap.size).toBe(0);
    heap.clear();
  });

  it('keeps memory to what is live: settled items are dropped once they outnumber the live ones', () => {
    const heap = new DeadlineHeap<Item>((i) => i.live, () => undefined);
    const far = Date.now() + 3_600_000;
    const live: Item[] = [];
    for (let id = 0; id < 100_000; id++) {
      const it = { id, live: true };
      heap.add(far + (id % 977), it);
      if (id % 100 === 0) live.push(it);
      else {
        it.live = false;
        heap.forget();
      }
    }
    expect(heap.size).toBeLessThan(5000);
    heap.clear();
    expect(heap.size).toBe(0);
  });
});
