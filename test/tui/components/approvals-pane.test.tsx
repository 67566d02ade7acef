/**
 * The approvals pane: exact frames of the pane (amount with the asset's decimals and code,
 * destination, age, id; the selected row marked), and the whole dashboard driven by keys: the pane
 * appears when a send waits, shift-tab focuses it, j selects, a approves and d denies the selected
 * one through the port (the admin API in `start`), and its answer shows on the pane's title.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, render } from 'ink-testing-library';
import { ApprovalsPane } from '../../../src/tui/components/approvals-pane/approvals-pane.js';
import { approvalAmount } from '../../../src/tui/components/approvals-pane/approval-row.js';
import { DashboardApp } from '../../../src/tui/app.js';
import { DashboardFeed } from '../../../src/tui/feed.js';
import type { DashboardApprovals, PendingApproval } from '../../../src/tui/approvals/types.js';
import { keyFor, decisionLine } from '../../../src/tui/approvals/admin-approvals.js';
import { FakeSource, T0, peer, until } from '../helpers.js';

const USD = { code: 'USD', scale: 2 };
const waiting: PendingApproval[] = [
  { id: '1a2b3c4d-0000-4000-8000-000000000001', destination: 'g.alice.shop', amount: '30000', createdAt: T0 - 75_000 },
  { id: '5e6f7a8b-0000-4000-8000-000000000002', destination: 'g.bob.store.pears', amount: '123456789', createdAt: T0 - 4_000 },
];

afterEach(cleanup);

describe('approvals pane', () => {
  it('shows amount and asset, destination, age and id; marks the selected row when focused', () => {
    const frame = render(<ApprovalsPane approvals={waiting} asset={USD} focused={true} width={80} rows={2} selected={1} now={T0} />).lastFrame();
    expect(frame).toBe(
      [
        '▸ approvals  2 pending · a approve · d deny ────────────────────────────────────',
        '        300.00 USD g.alice.shop                                   1m15s 1a2b3c4d',
        '› 1,234,567.89 USD g.bob.store.pears                                 4s 5e6f7a8b',
      ].join('\n'),
    );
  });

  it('says how to reach it when not focused, shows the last decision, and scrolls to the selection', () => {
    const idle = render(<ApprovalsPane approvals={waiting} asset={USD} focused={false} width={80} rows={1} selected={1} now={T0} />).lastFrame();
    expect(idle).toBe(
      [
        '  approvals  2 pending · tab here, then a approve · d deny ─────────────────────',
        '  1,234,567.89 USD g.bob.store.pears                                 4s 5e6f7a8b',
      ].join('\n'),
    );
    const decided = render(<ApprovalsPane approvals={[]} asset={USD} note="approved 1a2b3c4d: paid" focused={true} width={80} rows={0} selected={0} now={T0} />).lastFrame();
    expect(decided).toBe('▸ approvals  0 pending · approved 1a2b3c4d: paid ───────────────────────────────');
  });

  it('formats amounts with the asset scale, and a scale of 0 as whole units', () => {
    expect(approvalAmount('5', USD)).toBe('0.05 USD');
    expect(approvalAmount('1000000', { code: 'XRP', scale: 0 })).toBe('1,000,000 XRP');
  });

  it('decides with the operator key, else an admin key, else one with the scope', () => {
    expect(keyFor({ apiKey: 'op', keys: [{ key: 'x', scopes: ['approve'] }] }, 'approve')).toBe('op');
    expect(keyFor({ keys: [{ key: 'r', scopes: ['read'] }, { key: 'x', scopes: ['approve'] }] }, 'approve')).toBe('x');
    expect(keyFor({ keys: [{ key: 'r', scopes: ['read'] }, { key: 'x', scopes: ['approve'] }] }, 'read')).toBe('r');
    expect(keyFor({ keys: [{ key: 's', scopes: ['send'] }] }, 'approve')).toBeUndefined();
    expect(decisionLine({ id: '1a2b3c4d-x', destination: 'g.a', amount: '1', status: 'approved', createdAt: '', outcome: { fulfilled: false, code: 'F02' } })).toBe('approved 1a2b3c4d: rejected F02');
    expect(decisionLine({ id: '1a2b3c4d-x', destination: 'g.a', amount: '1', status: 'denied', createdAt: '' })).toBe('denied 1a2b3c4d');
  });
});

/** A port like the admin API's: decisions remove the approval and answer with a line. */
class Port implements DashboardApprovals {
  readonly asset = USD;
  rows: PendingApproval[] = [];
  decided: string[] = [];
  list() {
    return Promise.resolve([...this.rows]);
  }
  decide(id: string, approve: boolean) {
    this.decided.push(`${approve ? 'approve' : 'deny'} ${id}`);
    this.rows = this.rows.filter((r) => r.id !== id);
    return Promise.resolve(`${approve ? 'approved' : 'denied'} ${id.slice(0, 8)}${approve ? ': paid' : ''}`);
  }
}

describe('the approvals pane in the dashboard', () => {
  let src: FakeSource;
  let feed: DashboardFeed;
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(T0);
    src = new FakeSource();
    src.peers = [peer('alice')];
    feed = new DashboardFeed(src, () => T0);
  });
  afterEach(() => {
    feed.close();
    vi.useRealTimers();
  });

  it('appears when a send waits; a and d decide the selected one, only with the pane focused', async () => {
    const port = new Port();
    const app = render(<DashboardApp feed={feed} onQuit={() => undefined} columns={80} rows={24} intervalMs={5} approvalsIntervalMs={10} now={() => T0} approvals={port} />);
    const frame = () => app.lastFrame() ?? '';
    const waitFor = (what: (f: string) => boolean, label: string) => until(() => what(frame()), () => `${label}:\n${frame()}`);
    await waitFor((f) => f.includes('▸ packets'), 'the dashboard');
    expect(frame()).not.toContain('approvals');

    port.rows = [...waiting];
    await waitFor((f) => f.includes('  approvals  2 pending'), 'the pane with two approvals');
    // 'a' on the packets pane does nothing
    app.stdin.write('a');
    app.stdin.write('\x1b[Z'); // shift-tab: packets → approvals
    await waitFor((f) => f.includes('▸ approvals'), 'the pane focused');
    expect(port.decided).toEqual([]);
    const lines = frame().split('\n');
    const top = lines.findIndex((l) => l.startsWith('▸ approvals'));
    expect(lines.slice(top, top + 3)).toEqual([
      '▸ approvals  2 pending · a approve · d deny ────────────────────────────────────',
      '›       300.00 USD g.alice.shop                                   1m15s 1a2b3c4d',
      '  1,234,567.89 USD g.bob.store.pears                                 4s 5e6f7a8b',
    ]);

    app.stdin.write('j');
    await waitFor((f) => f.includes('› 1,234,567.89 USD'), 'the second selected');
    app.stdin.write('a');
    await waitFor((f) => f.includes('1 pending · approved 5e6f7a8b: paid'), 'the approval answered');
    expect(port.decided).toEqual([`approve ${waiting[1].id}`]);

    app.stdin.write('d');
    await waitFor((f) => f.includes('0 pending · denied 1a2b3c4d'), 'the denial answered');
    expect(port.decided).toEqual([`approve ${waiting[1].id}`, `deny ${waiting[0].id}`]);
    // nothing left: another key decides nothing
    app.stdin.write('a');
    expect(port.decided).toHaveLength(2);
  });
});
