/**
 * The header's cluster line (issue 23): on a cluster instance the dashboard shows the instance id, the
 * live members (and dead ones when any), the peers whose link this instance holds and, when health
 * names them, each settlement lane's leader; a lone node shows no such line. Fed through the real
 * feed from the source's health report, rendered by Ink.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, render } from 'ink-testing-library';
import { DashboardFeed } from '../../../src/tui/feed.js';
import { buildViewModel } from '../../../src/tui/store/view-model.js';
import { clusterSegments, Header, headerLines } from '../../../src/tui/components/header/header.js';
import { computeLayout } from '../../../src/tui/dashboard/layout.js';
import type { ClusterHealthInput } from '../../../src/tui/store/cluster.js';
import type { HealthReport } from '../../../src/node/types.js';
import { FakeSource, T0 } from '../helpers.js';

afterEach(cleanup);

class ClusterSource extends FakeSource {
  cluster: ClusterHealthInput | undefined = { instanceId: 'i1', session: true, members: ['i1', 'i2'], dead: [], leases: ['carol', 'alice'] };
  override health() {
    return { ...super.health(), ...(this.cluster ? { cluster: this.cluster } : {}) };
  }
}

const frame = (feed: DashboardFeed, width = 100) => {
  const vm = buildViewModel(feed.store, { now: T0, filter: '' });
  return { vm, lines: render(<Header vm={vm} width={width} />).lastFrame()?.split('\n') ?? [] };
};

// the node's own health report feeds the dashboard as it is (compile-time check)
const fromNode: ClusterHealthInput | undefined = undefined as HealthReport['cluster'];
void fromNode;

describe('the cluster line', () => {
  it('names the instance, its members and the links it holds, sorted', () => {
    const feed = new DashboardFeed(new ClusterSource());
    const { vm, lines } = frame(feed);
    expect(headerLines([], vm)).toBe(4);
    expect(lines).toHaveLength(4);
    expect(lines[1].trimEnd()).toBe('cluster  instance i1  members 2  leases 2: alice, carol');
    // the cluster line takes a line from the body
    expect(computeLayout(100, 24, 1, 0, headerLines([], vm)).body).toBe(computeLayout(100, 24, 1, 0).body - 1);
  });

  it('shows the lane leaders when health names them (none when a lane has no leader now), dead instances and a lost session', () => {
    let t = 1_000_000;
    const src = new ClusterSource();
    const feed = new DashboardFeed(src, () => t);
    src.cluster = { instanceId: 'i2', session: false, members: ['i2'], dead: ['i1'], leases: [], lanes: { xrpl: null, evm: 'i2' } };
    t += 1000;
    feed.refresh();
    const { vm, lines } = frame(feed, 140);
    expect(lines[1].trimEnd()).toBe('cluster  instance i2  NO SESSION  members 1  dead 1  leases 0  lanes evm i2, xrpl none');
    expect(clusterSegments(vm).find((s) => s.text === 'none')?.color).toBe('yellow');
  });

  it('is absent on a lone node (no cluster in its health), and goes when the health stops naming one', () => {
    const src = new ClusterSource();
    src.cluster = undefined;
    let t = 1_000_000;
    const feed = new DashboardFeed(src, () => t);
    const lone = frame(feed);
    expect(headerLines([], lone.vm)).toBe(3);
    expect(lone.lines.some((l) => l.startsWith('cluster'))).toBe(false);
    src.cluster = { instanceId: 'i1', leases: [] };
    t += 1000;
    feed.refresh();
    expect(frame(feed).lines[1].trimEnd()).toBe('cluster  instance i1  members 1  leases 0');
    src.cluster = undefined;
    t += 1000;
    feed.refresh();
    expect(frame(feed).lines).toHaveLength(3);
  });
});
