/**
 * The receiver's and the announced table's rules, on their own: epochs and gaps, a new table id,
 * routes through us dropped, the per-peer cap, per-speaker expiry renewed by heartbeats, and the
 * epoch log a sender reads.
 */
import { describe, expect, it } from 'vitest';
import { CcpReceiver, type ReceiverRules } from '../../src/node/routing/ccp/receiver.js';
import { ForwardingTable, type ExportedRoute } from '../../src/node/routing/ccp/forwarding-table.js';
import { NO_ROUTING_TABLE, type CcpRouteUpdate } from '../../src/node/ilp/ccp.js';

const T1 = '11111111-1111-4111-8111-111111111111';
const T2 = '22222222-2222-4222-8222-222222222222';
const rules: ReceiverRules = { accept: (p) => p.startsWith('g.') && !p.startsWith('g.me'), ownAddress: 'g.me', maxRoutes: 3, defaultHoldDownMs: 1000 };
const route = (prefix: string, path: string[] = ['g.peer']) => ({ prefix, path, auth: Buffer.alloc(32), props: [] });
const update = (u: Partial<CcpRouteUpdate>): CcpRouteUpdate => ({
  routingTableId: T1,
  currentEpochIndex: 0,
  fromEpochIndex: 0,
  toEpochIndex: 0,
  holdDownTime: 5000,
  speaker: 'g.peer',
  newRoutes: [],
  withdrawnRoutes: [],
  ...u,
});

describe('CcpReceiver', () => {
  it('applies updates in epoch order, refuses a gap, and starts over on a new table id', () => {
    const r = new CcpReceiver('peer');
    expect(r.control()).toEqual({ mode: 1, lastKnownRoutingTableId: NO_ROUTING_TABLE, lastKnownEpoch: 0, features: [] });
    expect(r.apply(update({ toEpochIndex: 2, newRoutes: [route('g.a'), route('g.b')] }), 0, rules)).toEqual({ changed: ['g.a', 'g.b'], gap: false, capped: 0 });
    expect(r.control()).toMatchObject({ lastKnownRoutingTableId: T1, lastKnownEpoch: 2 });
    expect(r.apply(update({ fromEpochIndex: 5, toEpochIndex: 6, newRoutes: [route('g.c')] }), 0, rules).gap).toBe(true);
    expect(r.routes.has('g.c')).toBe(false);
    expect(r.apply(update({ fromEpochIndex: 2, toEpochIndex: 3, withdrawnRoutes: ['g.a'] }), 0, rules).changed).toEqual(['g.a']);
    expect([...r.routes.keys()]).toEqual(['g.b']);
    const fresh = r.apply(update({ routingTableId: T2, toEpochIndex: 1, newRoutes: [route('g.z')] }), 0, rules);
    expect(fresh.changed).toEqual(['g.b', 'g.z']);
    expect([...r.routes.keys()]).toEqual(['g.z']);
  });

  it('drops routes through or to us, and caps the prefixes of one speaker', () => {
    const r = new CcpReceiver('peer');
    r.apply(update({ toEpochIndex: 1, newRoutes: [route('g.a')] }), 0, rules);
    // g.a now comes back through us: the old route goes too
    const res = r.apply(update({ fromEpochIndex: 1, toEpochIndex: 2, newRoutes: [route('g.a', ['g.peer', 'g.me']), route('g.me.child'), route('g.b'), route('g.c'), route('g.d'), route('g.e')] }), 0, rules);
    expect([...r.routes.keys()]).toEqual(['g.b', 'g.c', 'g.d']);
    expect(res.capped).toBe(1);
    expect(res.changed).toContain('g.a');
  });

  it('keeps every route while the speaker heartbeats, drops them all when it falls silent', () => {
    const r = new CcpReceiver('peer');
    r.apply(update({ toEpochIndex: 1, newRoutes: [route('g.a')], holdDownTime: 1000 }), 0, rules);
    for (let t = 900; t < 5000; t += 900) {
      expect(r.expire(t)).toBeUndefined();
      r.apply(update({ fromEpochIndex: 1, toEpochIndex: 1, holdDownTime: 1000 }), t, rules);
    }
    expect(r.routes.size).toBe(1);
    expect(r.expire(4500 + 1001)).toEqual(['g.a']);
    expect(r.control()).toMatchObject({ lastKnownRoutingTableId: NO_ROUTING_TABLE, lastKnownEpoch: 0 });
  });
});

describe('ForwardingTable', () => {
  const r = (prefix: string, nextHop: string, path: string[]): ExportedRoute => ({ prefix, nextHop, path, auth: Buffer.alloc(32) });
  it('logs one epoch per change and keeps only the latest entry of a prefix', () => {
    const t = new ForwardingTable();
    expect(t.sync(new Map([['g.a', r('g.a', 'x', ['g.me', 'g.a'])], ['g.b', r('g.b', 'y', ['g.me', 'g.b'])]]))).toBe(true);
    expect(t.epoch).toBe(2);
    expect(t.sync(new Map([['g.a', r('g.a', 'x', ['g.me', 'g.a'])], ['g.b', r('g.b', 'y', ['g.me', 'g.b'])]]))).toBe(false);
    t.sync(new Map([['g.a', r('g.a', 'z', ['g.me', 'g.z', 'g.a'])]]));
    expect(t.epoch).toBe(4);
    expect(t.entries(0, t.epoch).map((e) => [e.epoch, e.prefix, e.route?.nextHop])).toEqual([
      [2, 'g.a', 'z'],
      [3, 'g.b', undefined],
    ]);
    expect(t.size).toBe(1);
  });
});
