import { describe, expect, it } from 'vitest';
import { LOCAL, RoutingTable } from '../../../src/node/routing/routing-table.js';
import type { PeerRelation } from '../../../src/node/types.js';

const relations: Record<string, PeerRelation> = { kid: 'child', pal: 'peer', mom: 'parent', pal2: 'peer' };
const table = () => new RoutingTable((id) => relations[id]);

describe('RoutingTable', () => {
  it('matches the longest prefix on segment boundaries', () => {
    const t = table();
    t.add({ prefix: 'g.a', nextHop: 'pal', priority: 0, source: 'config' });
    t.add({ prefix: 'g.a.b', nextHop: 'kid', priority: 0, source: 'config' });
    expect(t.lookup('g.a.b.c')).toBe('kid');
    expect(t.lookup('g.a.b')).toBe('kid');
    expect(t.lookup('g.a.bc')).toBe('pal'); // not a segment match for g.a.b
    expect(t.lookup('g.a')).toBe('pal');
    expect(t.lookup('g.x')).toBeUndefined();
  });

  it('falls back to the parent default route', () => {
    const t = table();
    t.setDefault('mom');
    expect(t.lookup('g.anything.at.all')).toBe('mom');
    t.add({ prefix: 'g.me', nextHop: LOCAL, priority: 0, source: 'implicit' });
    expect(t.lookup('g.me.agent')).toBe(LOCAL);
  });

  it('breaks ties on equal prefixes by priority, then child > peer > parent', () => {
    const t = table();
    t.add({ prefix: 'g.x', nextHop: 'mom', priority: 0, source: 'config' });
    t.add({ prefix: 'g.x', nextHop: 'pal', priority: 0, source: 'config' });
    expect(t.lookup('g.x.y')).toBe('pal');
    t.add({ prefix: 'g.x', nextHop: 'kid', priority: 0, source: 'config' });
    expect(t.lookup('g.x.y')).toBe('kid');
    t.add({ prefix: 'g.x', nextHop: 'pal2', priority: 5, source: 'runtime' });
    expect(t.lookup('g.x.y')).toBe('pal2');
  });

  it('removes by prefix, by source and by next hop', () => {
    const t = table();
    t.add({ prefix: 'g.x', nextHop: 'pal', priority: 0, source: 'config' });
    t.add({ prefix: 'g.y', nextHop: 'pal', priority: 0, source: 'runtime' });
    t.add({ prefix: 'g.z', nextHop: 'kid', priority: 0, source: 'implicit' });
    expect(t.remove('g.z', 'config')).toBe(0);
    expect(t.removeNextHop('pal').sort()).toEqual(['g.x', 'g.y']);
    expect(t.lookup('g.x')).toBeUndefined();
    expect(t.remove('g.z')).toBe(1);
    expect(t.list()).toEqual([]);
  });

  it('replaces a route to the same next hop instead of duplicating it', () => {
    const t = table();
    t.add({ prefix: 'g.x', nextHop: 'pal', priority: 0, source: 'config' });
    t.add({ prefix: 'g.x', nextHop: 'pal', priority: 3, source: 'runtime' });
    expect(t.list()).toHaveLength(1);
    expect(t.list()[0].priority).toBe(3);
  });
});
