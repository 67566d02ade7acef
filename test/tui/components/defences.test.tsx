/**
 * The header's defence line: ledger fail-stop, pre-auth cap hits, in-flight cap rejections and late
 * fulfills, read from the node's real SecurityStats and event stream through the feed, rendered by Ink.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, render } from 'ink-testing-library';
import { DashboardFeed } from '../../../src/tui/feed.js';
import { buildViewModel } from '../../../src/tui/store/view-model.js';
import { Header, headerLines } from '../../../src/tui/components/header/header.js';
import { computeLayout } from '../../../src/tui/dashboard/layout.js';
import { SecurityStats } from '../../../src/node/http/security-stats.js';
import { FakeSource, T0 } from '../helpers.js';

afterEach(cleanup);

class DefendedSource extends FakeSource {
  readonly securityStats = new SecurityStats();
}

const frame = (feed: DashboardFeed) => {
  const vm = buildViewModel(feed.store, { now: T0, filter: '' });
  return { vm, text: render(<Header vm={vm} width={80} />).lastFrame() };
};

describe('the defence line', () => {
  it('is absent while every defence counter is zero (the header keeps its three lines)', () => {
    const feed = new DashboardFeed(new DefendedSource());
    const { vm, text } = frame(feed);
    expect(headerLines([], vm)).toBe(3);
    expect(text?.split('\n')).toHaveLength(3);
  });

  it('shows the counters of the node and a ledger that stopped, and drops LEDGER STOPPED once it recovers', () => {
    let t = 1_000_000;
    const src = new DefendedSource();
    const feed = new DashboardFeed(src, () => t);
    const stats = src.securityStats;
    stats.preAuth = { open: 10, refused: 1300, timedOut: 0, lastRefusedAt: 1 };
    stats.countInFlightRejected('alice', 'count');
    stats.countInFlightRejected('carol', 'bytes');
    stats.lateFulfills = () => new Map([['bob', { count: 2, amount: 1900n }]]);
    src.emit({ type: 'ledger:fault', reason: 'ENOSPC: no space left on device', dataDir: '/data' });
    t += 1000;
    feed.refresh();
    const { vm, text } = frame(feed);
    expect(headerLines([], vm)).toBe(4);
    expect(text?.split('\n')[3]).toBe('defences  LEDGER STOPPED: ENOSPC: no space left on device  pre-auth refused 1,3…');
    const wide = render(<Header vm={vm} width={140} />).lastFrame()?.split('\n')[3];
    expect(wide?.trimEnd()).toBe('defences  LEDGER STOPPED: ENOSPC: no space left on device  pre-auth refused 1,300  in-flight cap 2  late fulfills 2 (1900)');
    // the defence line takes a line from the body
    expect(computeLayout(80, 24, 1, 0, headerLines([], vm)).body).toBe(computeLayout(80, 24, 1, 0).body - 1);

    src.emit({ type: 'ledger:recovered', lossesBooked: 1, downMs: 500 });
    expect(frame(feed).text?.split('\n')[3]).toBe('defences  pre-auth refused 1,300  in-flight cap 2  late fulfills 2 (1900)');
  });

  it('without the node\'s counters, late fulfills are counted from the events on the counters line only', () => {
    const src = new FakeSource();
    const feed = new DashboardFeed(src);
    src.emit({ type: 'packet:late-fulfill', packetId: 'p', to: 'bob', destination: 'g.hub.bob', amount: '900', reason: 'expired' });
    const lines = frame(feed).text?.split('\n') ?? [];
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/ {2}late 1$/);
  });
});
