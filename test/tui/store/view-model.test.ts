import { describe, expect, it } from 'vitest';
import type { NodeEvent, NodeEventInput } from '../../../src/node/events.js';
import { applyBatch, createStore } from '../../../src/tui/store/dashboard-store.js';
import { buildViewModel } from '../../../src/tui/store/view-model.js';
import { T0, fulfilled, rejected } from '../helpers.js';

const ev = (input: NodeEventInput): NodeEvent => ({ ...input, seq: 1, ts: T0, nodeId: 'hub' });
const snapshot = { nodeId: 'hub', seq: 0, peers: {}, balances: { fees: '-1234' }, totals: { fulfilled: 0, rejected: 0, inFlight: 0 } };

describe('buildViewModel', () => {
  it('lists packets newest first, filtered by destination prefix', () => {
    const s = createStore(snapshot, 'g.hub', T0);
    applyBatch(s, [ev(fulfilled({ destination: 'g.hub.bob.x' })), ev(rejected('F02', { destination: 'g.other' })), ev(fulfilled({ destination: 'g.hub.bob' }))]);
    const all = buildViewModel(s, { now: T0, filter: '' });
    expect(all.packets.map((p) => p.destination)).toEqual(['g.hub.bob', 'g.other', 'g.hub.bob.x']);
    const bob = buildViewModel(s, { now: T0, filter: 'g.hub.bob' });
    expect(bob.packets.map((p) => p.destination)).toEqual(['g.hub.bob', 'g.hub.bob.x']);
  });

  it('shows the frozen list while paused, and filters it too', () => {
    const s = createStore(snapshot, 'g.hub', T0);
    applyBatch(s, [ev(fulfilled({ destination: 'g.a' }))]);
    const frozen = s.packets.newest();
    applyBatch(s, [ev(fulfilled({ destination: 'g.b' }))]);
    expect(buildViewModel(s, { now: T0, filter: '', frozen }).packets.map((p) => p.destination)).toEqual(['g.a']);
    expect(buildViewModel(s, { now: T0, filter: 'g.b', frozen }).packets).toEqual([]);
    expect(buildViewModel(s, { now: T0, filter: '' }).totals.fulfilled).toBe(2);
  });

  it('derives fees earned and the uptime at `now`, and is a copy', () => {
    const s = createStore(snapshot, 'g.hub', T0);
    s.uptimeSec = 10;
    const vm = buildViewModel(s, { now: T0 + 2500, filter: '' });
    expect(vm.feesEarned).toBe(1234n);
    expect(vm.uptimeSec).toBe(12);
    s.totals.fulfilled = 99;
    expect(vm.totals.fulfilled).toBe(0);
  });
});
