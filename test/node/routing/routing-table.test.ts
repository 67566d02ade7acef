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

describe('RoutingTable: route choice (src/node/routing/README.md)', () => {
  const down = new Set<string>();
  const t2 = () => new RoutingTable((id) => relations[id], (id) => !down.has(id));

  it('static (by priority) before learned, then relation, then path length', () => {
    down.clear();
    const t = t2();
    t.addLearned('kid', { prefix: 'g.x', path: ['kid', 'a'] });
    t.addLearned('pal', { prefix: 'g.x', path: ['pal'] });
    expect(t.lookup('g.x.y')).toBe('kid'); // child beats peer before path length
    t.addLearned('pal2', { prefix: 'g.x', path: ['pal2'], relation: 'child' });
    expect(t.lookup('g.x.y')).toBe('pal2'); // same relation: the shorter path
    t.add({ prefix: 'g.x', nextHop: 'mom', priority: 0, source: 'config' });
    expect(t.lookup('g.x.y')).toBe('mom'); // any static route beats every learned one
    expect(t.candidates('g.x.y').map((r) => r.nextHop)).toEqual(['mom', 'pal2', 'kid', 'pal']);
  });

  it('skips a down next hop for the next candidate of the same prefix, never a shorter prefix', () => {
    down.clear();
    const t = t2();
    t.setDefault('mom');
    t.add({ prefix: 'g', nextHop: 'pal2', priority: 0, source: 'config' });
    t.add({ prefix: 'g.d', nextHop: 'pal', priority: 10, source: 'config' });
    t.add({ prefix: 'g.d', nextHop: 'kid', priority: 5, source: 'config' });
    expect(t.lookup('g.d.x')).toBe('pal');
    down.add('pal');
    expect(t.lookup('g.d.x')).toBe('kid');
    down.add('kid');
    // none up: the best candidate of g.d (so the T01 names it), not g's route nor the parent
    expect(t.lookup('g.d.x')).toBe('pal');
    down.clear();
  });

  it('withdraws learned routes by peer and prefix, or all of a peer, leaving static ones', () => {
    down.clear();
    const t = t2();
    t.add({ prefix: 'g.x', nextHop: 'pal', priority: 0, source: 'runtime' });
    expect(t.addLearned('pal', { prefix: 'g.x', path: ['pal'] })).toBe(true);
    expect(t.addLearned('pal', { prefix: 'g.x', path: ['pal', 'q'] })).toBe(false); // a refresh
    t.addLearned('pal', { prefix: 'g.y', path: ['pal'] });
    expect(t.learnedFrom('pal').map((r) => [r.prefix, r.path])).toEqual([
      ['g.x', ['pal', 'q']],
      ['g.y', ['pal']],
    ]);
    expect(t.withdrawLearned('pal', 'g.x')).toBe(true);
    expect(t.withdrawLearned('pal', 'g.x')).toBe(false);
    expect(t.withdrawAllLearned('pal')).toEqual(['g.y']);
    expect(t.list()).toEqual([{ prefix: 'g.x', nextHop: 'pal', priority: 0, source: 'runtime' }]);
  });
});
