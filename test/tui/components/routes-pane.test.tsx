/**
 * The routes pane: the node's route list (as ConnectorNode.listRoutes gives it) through the feed, the
 * store and the view model, rendered by Ink at a fixed width and asserted line for line.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, render } from 'ink-testing-library';
import { DashboardFeed } from '../../../src/tui/feed.js';
import { buildViewModel } from '../../../src/tui/store/view-model.js';
import { routesFrom } from '../../../src/tui/store/routes.js';
import { RoutesPane } from '../../../src/tui/components/routes-pane/routes-pane.js';
import type { DashboardRoute } from '../../../src/tui/source.js';
import { FakeSource, T0, peer } from '../helpers.js';

afterEach(cleanup);

/** What ConnectorNode.listRoutes gives for a node g.a with peers b (up) and c (down) and a child kid. */
const list: DashboardRoute[] = [
  { prefix: 'g.a', nextHop: 'local', source: 'implicit' },
  { prefix: 'g.a.kid', nextHop: 'kid', source: 'implicit' },
  { prefix: 'g.c', nextHop: 'c', source: 'ccp', path: ['g.c'], ageMs: 4000 },
  { prefix: 'g.d', nextHop: 'b', source: 'ccp', path: ['g.b', 'g.d'], ageMs: 65_000 },
  { prefix: 'g.c', nextHop: 'c', source: 'config' },
  { prefix: 'g.b', nextHop: 'b', source: 'ccp', path: ['g.b'], ageMs: 1500 },
  { prefix: 'test.x', nextHop: 'b', source: 'runtime' },
];

/** The routes above as a node lists them at `clock()`: a learned route ages as the clock moves past T0. */
class RoutedSource extends FakeSource {
  routes: DashboardRoute[] = list;
  clock = () => T0;
  listRoutes(): readonly DashboardRoute[] {
    const dt = this.clock() - T0;
    return this.routes.map((r) => (r.ageMs === undefined ? r : { ...r, ageMs: r.ageMs + dt }));
  }
}

function feedAt(now: number): { source: RoutedSource; feed: DashboardFeed } {
  const source = new RoutedSource('a', 'g.a');
  source.peers = [peer('b', { relation: 'peer' }), peer('c', { relation: 'peer', connected: false }), peer('kid')];
  return { source, feed: new DashboardFeed(source, () => now) };
}

describe('routes pane', () => {
  it('lists static then learned routes per prefix, without the implicit ones; a down next hop is marked', () => {
    expect(routesFrom(list, T0).map((r) => `${r.prefix} ${r.source} ${r.nextHop}`)).toEqual(['g.b ccp b', 'g.c static c', 'g.c ccp c', 'g.d ccp b', 'test.x static b']);
    const { feed } = feedAt(T0);
    const vm = buildViewModel(feed.store, { now: T0 + 2000, filter: '' });
    const frame = render(<RoutesPane routes={vm.routes} focused={false} width={80} rows={5} scroll={0} />).lastFrame();
    expect(frame).toBe(
      [
        '  routes  2 static · 3 ccp · prefix, next hop, source, age, path ───────────────',
        'g.b                     b           ccp         3s g.b',
        'g.c                     c down      static       - -',
        'g.c                     c down      ccp         6s g.c',
        'g.d                     b           ccp      1m07s g.b › g.d',
        'test.x                  b           static       - -',
      ].join('\n'),
    );
  });

  it('scrolls, says which rows it shows, and is marked when focused', () => {
    const { feed } = feedAt(T0);
    const vm = buildViewModel(feed.store, { now: T0, filter: '' });
    const frame = render(<RoutesPane routes={vm.routes} focused width={80} rows={2} scroll={3} />).lastFrame()!.split('\n');
    expect(frame[0]).toMatch(/^▸ routes {2}2 static · 3 ccp · 4-5 of 5 · /);
    expect(frame.slice(1).map((l) => l.split(/\s+/)[0])).toEqual(['g.d', 'test.x']);
  });

  it('a changed route list bumps the store version once; the same list again does not', () => {
    let now = T0;
    const source = new RoutedSource('a', 'g.a');
    source.clock = () => now;
    const feed = new DashboardFeed(source, () => now);
    // peers and health bump the version on every refresh; the routes only when they changed
    const bumps = () => {
      const v = feed.store.version;
      now += 1000;
      feed.refresh(true);
      return feed.store.version - v;
    };
    const same = bumps();
    source.routes = list.filter((r) => r.prefix !== 'g.d');
    expect(bumps()).toBe(same + 1);
    expect(bumps()).toBe(same);
    expect(feed.store.routes.routes.map((r) => r.prefix)).toEqual(['g.b', 'g.c', 'g.c', 'test.x']);
  });
});
