/**
 * Frame tests: each component rendered by Ink at a fixed width, asserted line for line.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, render } from 'ink-testing-library';
import type { ReactElement } from 'react';
import type { NodeEvent, NodeEventInput } from '../../../src/node/events.js';
import { applyBatch, createStore, type DashboardStore } from '../../../src/tui/store/dashboard-store.js';
import { buildViewModel } from '../../../src/tui/store/view-model.js';
import { Header, headerLines } from '../../../src/tui/components/header/header.js';
import { PeersPane } from '../../../src/tui/components/peers-pane/peers-pane.js';
import { PacketsPane } from '../../../src/tui/components/packets-pane/packets-pane.js';
import { SettlementsPane } from '../../../src/tui/components/settlements-pane/settlements-pane.js';
import { Footer } from '../../../src/tui/components/footer/footer.js';
import { Help } from '../../../src/tui/components/help/help.js';
import { ColorsContext } from '../../../src/tui/components/line/line.js';
import { T0, fulfilled, rejected } from '../helpers.js';

afterEach(cleanup);

let seq = 0;
const ev = (i: NodeEventInput, dt = 0): NodeEvent => ({ ...i, seq: ++seq, ts: T0 + dt, nodeId: 'hub' });

function busyStore(): DashboardStore {
  const s = createStore({ nodeId: 'hub', seq: 0, peers: {}, balances: { fees: '-12345' }, totals: { fulfilled: 0, rejected: 0, inFlight: 0 } }, 'g.hub', T0);
  applyBatch(s, [
    ev(fulfilled({ from: 'alice', to: 'bob', destination: 'g.hub.bob', amount: '1000', latencyMs: 4 })),
    ev(rejected('T04', { from: 'carol', destination: 'g.hub.bob.inbox', amount: '25000000', latencyMs: 0 }), 1000),
    ev(fulfilled({ from: 'local', to: 'bob', destination: 'g.hub.bob', amount: '7', latencyMs: 12 }), 2000),
    ev(fulfilled({ from: 'alice', to: 'local', destination: 'g.hub', amount: '1234567890123', latencyMs: 1 }), 3000),
    ev({ type: 'packet:late-fulfill', packetId: 'z', to: 'bob', destination: 'g.hub.bob', amount: '5' }, 4000),
    ev({ type: 'settlement:required', peerId: 'bob', owed: '6000', threshold: '5000' }, 5000),
    ev({ type: 'channel:opened', peerId: 'bob', chain: 'evm', channelId: '0x9f8e7d6c5b4a39281706', deposit: '1000000', txHash: '0xaaaabbbbccccdddd' }, 6000),
    ev({ type: 'settlement:claim-sent', peerId: 'bob', chain: 'evm', channelId: '0x9f8e7d6c5b4a39281706', amount: '6000', cumulative: '6000' }, 7000),
    ev({ type: 'settlement:failed', peerId: 'carol', chain: 'xrpl', reason: 'rippled unreachable' }, 8000),
  ]);
  // each peer in its own asset (issue 19): balances and packet amounts show with it
  s.nodeAsset = { code: 'USD', scale: 9 };
  s.peers.set('alice', { id: 'alice', relation: 'child', connected: true, balance: '250000', creditLimit: '1000000', asset: { code: 'USD', scale: 9 }, settlement: { state: 'idle' } });
  s.peers.set('bob', {
    id: 'bob',
    relation: 'peer',
    connected: false,
    reconnectAttempt: 3,
    balance: '-6000',
    creditLimit: '1000000',
    settleThreshold: '5000',
    asset: { code: 'XRP', scale: 6 },
    settlement: { state: 'claim-sent', detail: '6000' },
  });
  s.peers.set('carol', { id: 'carol', relation: 'parent', connected: false, balance: '950000', creditLimit: '1000000', asset: { code: 'EUR', scale: 2 }, settlement: { state: 'failed', detail: 'rippled unreachable' } });
  s.uptimeSec = 3725;
  s.status = 'degraded';
  s.rates = { inPerSec: 1234, outPerSec: 1200, fulfilledPerSec: 1, rejectedPerSec: 0 };
  s.inFlight = 42;
  for (const v of [0, 10, 50, 100, 400, 800, 1234]) s.throughput.push(v);
  return s;
}

const vm = buildViewModel(busyStore(), { now: T0, filter: '' });
const frame = (el: ReactElement) => render(el).lastFrame();
const lines = (...l: string[]) => l.join('\n');

describe('Header at 80 columns', () => {
  it('shows who, where, uptime, status, fees, rates, in flight, totals and the sparkline', () => {
    expect(frame(<Header vm={vm} width={80} />)).toBe(
      lines(
        'hub  g.hub  up 1h02m  degraded  fees earned 12.3k',
        'in 1234/s  out 1200/s  in flight 42  fulfilled 3  rejected 1  late 1',
        'throughput ▁▁▁▁▃▆█                                        now 1234/s  max 1234/s',
      ),
    );
  });
});

describe('Header with endpoints', () => {
  it('adds a line under the identity saying where each surface answers, cut to the width', () => {
    const endpoints = [
      { label: 'admin', url: 'http://127.0.0.1:8081' },
      { label: 'explorer', url: 'http://127.0.0.1:3001' },
      { label: 'health', url: 'http://127.0.0.1:8080/health' },
      { label: 'btp', url: 'ws://127.0.0.1:3000' },
    ];
    expect((frame(<Header vm={vm} width={80} endpoints={endpoints} />) ?? '').split('\n').slice(0, 2)).toEqual([
      'hub  g.hub  up 1h02m  degraded  fees earned 12.3k',
      'admin http://127.0.0.1:8081  explorer http://127.0.0.1:3001  health http://127.…',
    ]);
    expect(headerLines(endpoints)).toBe(4);
    expect(headerLines([])).toBe(3);
    expect((frame(<Header vm={vm} width={80} endpoints={[]} />) ?? '').split('\n')).toHaveLength(3);
  });
});

describe('PeersPane at 80 columns', () => {
  it('shows connection, relation, the balance bar, limits and the settlement state', () => {
    expect(frame(<PeersPane peers={vm.peers} focused={false} width={80} rows={3} scroll={0} />)).toBe(
      lines(
        '  peers  1/3 up · bar: we owe │ owes us · limit / settle at ────────────────────',
        'up       alice     child  ·····│██···    0.00025 USD 0.001/- USD     off',
        'retry 3  bob       peer   █████│·····  -0.006000 XRP 1/0.005000 XRP  claim sent…',
        'down     carol     parent ·····│█████    9500.00 EUR 10000/- EUR     failed: ri…',
      ),
    );
  });

  it('at 120 columns each balance shows every fraction digit of its asset (issue 19)', () => {
    expect(frame(<PeersPane peers={vm.peers} focused width={120} rows={3} scroll={0} />)).toBe(
      lines(
        '▸ peers  1/3 up · bar: we owe │ owes us · limit / settle at ────────────────────────────────────────────────────────────',
        'up       alice          child  ·········│███······  0.000250000 USD 0.001000000 USD /               - off',
        'retry 3  bob            peer   █████████│·········    -0.006000 XRP    1.000000 XRP /    0.005000 XRP claim sent 6000',
        'down     carol          parent ·········│█████████      9500.00 EUR    10000.00 EUR /               - failed: rippled u…',
      ),
    );
  });

  it('scrolls when there are more peers than lines', () => {
    expect(frame(<PeersPane peers={vm.peers} focused width={80} rows={1} scroll={1} />)).toBe(
      lines(
        '▸ peers  1/3 up · 2-2 of 3 · bar: we owe │ owes us · limit / settle at ─────────',
        'retry 3  bob       peer   █████│·····  -0.006000 XRP 1/0.005000 XRP  claim sent…',
      ),
    );
  });
});

describe('PacketsPane', () => {
  it('at 80 columns: newest first, direction, hops, amount in and out each in its asset, latency, the reject code’s name', () => {
    expect(frame(<PacketsPane packets={vm.packets} focused paused={false} filter="" width={80} rows={6} scroll={0} assets={vm.assets} />)).toBe(
      lines(
        '▸ packets  1-5 of 5 ────────────────────────────────────────────────────────────',
        'dir from→to     destination         amount in  amount out   ms result',
        'fwd →bob        g.hub.bob                   -    5e-6 XRP    - late: not booked',
        'in  alice→local g.hub             ~1234.5 USD  999e-9 USD    1 fulfilled',
        'out local→bob   g.hub.bob            7e-9 USD  999e-6 XRP   12 fulfilled',
        'fwd carol→×     g.hub.bob.inbox    250000 EUR           -    0 T04 Insufficient…',
        'fwd alice→bob   g.hub.bob         1000e-9 USD  999e-6 XRP    4 fulfilled',
      ),
    );
  });

  it('at 120 columns, scrolled, filtered and paused', () => {
    expect(frame(<PacketsPane packets={vm.packets} focused={false} paused filter="g.hub" width={120} rows={3} scroll={1} assets={vm.assets} />)).toBe(
      lines(
        '  packets  2-3 of 5 · filter g.hub · PAUSED ────────────────────────────────────────────────────────────────────────────',
        'time     dir from→to           destination                     amount in      amount out     ms result',
        '03:04:08 in  alice→local       g.hub                     ~1234.56789 USD 0.000000999 USD      1 fulfilled',
        '03:04:07 out local→bob         g.hub.bob                 0.000000007 USD    0.000999 XRP     12 fulfilled',
      ),
    );
  });

  it('says what it waits for when empty', () => {
    expect(frame(<PacketsPane packets={[]} focused paused={false} filter="g.x" width={40} rows={2} scroll={0} />)).toBe(
      lines('▸ packets  filter g.x ──────────────────', 'dir from→to        amount in  amount out', '  no packets to g.x…'),
    );
  });

  it('draws rejects in red when the terminal takes colours', () => {
    const out = render(
      <ColorsContext.Provider value>
        <PacketsPane packets={vm.packets.slice(3, 4)} focused paused={false} filter="" width={80} rows={2} scroll={0} />
      </ColorsContext.Provider>,
    ).lastFrame();
    expect(out).toContain('\x1b[31mT04 Insufficient…\x1b[39m');
    expect(out).toContain('fwd carol→×');
  });
});

describe('SettlementsPane at 80 columns', () => {
  it('shows the totals, then claims, failures and channel transactions newest first', () => {
    expect(frame(<SettlementsPane activity={vm.activity} channels={vm.channels} totals={vm.settlement} focused={false} width={80} rows={5} scroll={0} />)).toBe(
      lines(
        '  settlements & channels ───────────────────────────────────────────────────────',
        'claims sent 1 (6000) · received 0 (0) · redeemed 0 · failed 1 · channels 1 open',
        '03:04:13 failed         carol     xrpl           rippled unreachable',
        '03:04:12 claim sent     bob       evm       6000 cum 6000 · ch 0x9f8e…1706',
        '03:04:11 channel opened bob       evm       1.0M tx 0xaaaa…dddd confirmed · ch …',
        '03:04:10 settle due     bob                 6000 threshold 5000',
      ),
    );
  });
});

describe('Footer and Help at 80 columns', () => {
  it('shows the state and the keys, or the filter prompt', () => {
    expect(frame(<Footer filter="g.hub.bob" paused stopping={false} width={80} />)).toBe(
      ' PAUSED  filter g.hub.bob q quit · p pause · tab focus · ↑↓ scroll · / filter ·…',
    );
    expect(frame(<Footer filter="" paused={false} stopping width={80} />)).toBe('stopping: packets in flight finish… q quit · p pause · tab focus · ↑↓ scroll · …');
    expect(frame(<Footer draft="g.hu" filter="" paused={false} stopping={false} width={80} />)).toBe('filter destination prefix: g.hu   enter apply · esc cancel');
  });

  it('lists every key in 80 columns', () => {
    const out = frame(<Help width={80} height={12} />)!;
    for (const key of ['q, Ctrl-C', 'p, space', 'tab, shift-tab', '↑ ↓, PgUp PgDn', '/ ', '?, esc']) expect(out).toContain(key);
    expect(Math.max(...out.split('\n').map((l) => l.length))).toBeLessThanOrEqual(80);
    expect(out).not.toContain('…');
  });
});
