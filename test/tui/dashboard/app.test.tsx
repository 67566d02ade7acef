/**
 * The whole dashboard in Ink (ink-testing-library) at a fixed size: fed by the core's real
 * EventStream, driven by keys on stdin, asserted on its frames.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, render } from 'ink-testing-library';
import { DashboardApp } from '../../../src/tui/app.js';
import { DashboardFeed } from '../../../src/tui/feed.js';
import { FakeSource, T0, fulfilled, peer, prepared, rejected, stats, until } from '../helpers.js';

const KEY = { tab: '\t', down: '\x1b[B', esc: '\x1b', enter: '\r', ctrlC: '\x03' };

let src: FakeSource;
let feed: DashboardFeed;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(T0);
  src = new FakeSource();
  // the node in USD@9, alice in XRP@6 (issue 19: each amount shows with its asset)
  src.accountAsset = () => ({ code: 'USD', scale: 9 });
  src.peers = [peer('alice', { balance: '250000', asset: { code: 'XRP', scale: 6 } }), peer('bob', { balance: '-3000', settleThreshold: '5000', asset: { code: 'USD', scale: 9 } })];
  src.uptime = 75;
  feed = new DashboardFeed(src, () => T0);
});

afterEach(() => {
  cleanup();
  feed.close();
  vi.useRealTimers();
});

function mount(size: { columns?: number; rows?: number } = { columns: 80, rows: 24 }) {
  const onQuit = vi.fn();
  const app = render(<DashboardApp feed={feed} onQuit={onQuit} {...size} intervalMs={5} now={() => T0} />);
  const frame = () => app.lastFrame() ?? '';
  const waitFor = (text: string) => until(() => frame().includes(text), () => `a frame with ${JSON.stringify(text)}:\n${frame()}`);
  return { app, onQuit, frame, waitFor };
}

describe('the dashboard at 80x24', () => {
  it('draws every pane in 23 lines', async () => {
    const { frame, waitFor } = mount();
    src.emit(prepared(), fulfilled({ packetId: 'a' }), rejected('F02', { packetId: 'b' }));
    vi.setSystemTime(T0 + 1000);
    src.emit(stats({ totalFulfilled: 1, totalRejected: 1, inFlight: 2 }));
    await waitFor('in flight 2');
    expect(frame()).toBe(
      [
        'hub  g.hub  up 1m15s  healthy',
        'in 1/s  out 1/s  in flight 2  fulfilled 1  rejected 1',
        'throughput █                                                    now 1/s  max 1/s',
        '  peers  2/2 up · bar: we owe │ owes us · limit / settle at ────────────────────',
        'up       alice     child  ·····│██···   0.250000 XRP 1/- XRP         off',
        'up       bob       child  ··███│·····  -0.000003 USD 0.001/5e-6 USD  idle',
        '▸ packets  1-2 of 2 ────────────────────────────────────────────────────────────',
        'dir from→to     destination         amount in  amount out   ms result',
        'fwd alice→×     g.nowhere            5e-6 XRP           -    1 F02 Unreachable',
        'fwd alice→bob   g.hub.bob           0.001 XRP  999e-9 USD    3 fulfilled',
        ...Array<string>(10).fill(''),
        '  settlements & channels ───────────────────────────────────────────────────────',
        'claims sent 0 (0) · received 0 (0) · redeemed 0 · failed 0',
        'q quit · p pause · tab focus · ↑↓ scroll · / filter · ? help',
      ].join('\n'),
    );
  });

  it('p pauses the packet list while the counters go on; p again resumes', async () => {
    const { app, frame, waitFor } = mount();
    src.emit(fulfilled({ destination: 'g.hub.bob.first' }));
    await waitFor('g.hub.bob.first');
    app.stdin.write('p');
    await waitFor('PAUSED');
    src.emit(fulfilled({ destination: 'g.hub.bob.second' }), stats({ totalFulfilled: 2 }));
    await waitFor('fulfilled 2');
    expect(frame()).not.toContain('g.hub.bob.second');
    expect(frame()).toContain('packets  1-1 of 1 · PAUSED');
    app.stdin.write('p');
    await waitFor('g.hub.bob.second');
    expect(frame()).not.toContain('PAUSED');
  });

  it('/ filters the packets by destination prefix; esc clears the filter', async () => {
    const { app, frame, waitFor } = mount();
    src.emit(fulfilled({ destination: 'g.hub.bob' }), fulfilled({ destination: 'g.hub.carol' }));
    await waitFor('g.hub.carol');
    app.stdin.write('/');
    await waitFor('filter destination prefix:');
    app.stdin.write('g.hub.b');
    await waitFor('filter destination prefix: g.hub.b ');
    app.stdin.write(KEY.enter);
    await waitFor('filter g.hub.b ─');
    expect(frame()).not.toContain('g.hub.carol');
    expect(frame()).toContain('packets  1-1 of 1 · filter g.hub.b');
    app.stdin.write(KEY.esc);
    await waitFor('1-2 of 2');
  });

  it('tab moves the focus, arrows scroll the focused pane', async () => {
    const { app, waitFor } = mount();
    src.emit(...Array.from({ length: 30 }, (_, i) => fulfilled({ destination: `g.hub.bob.${i}` })));
    await waitFor('packets  1-12 of 30');
    app.stdin.write(KEY.down);
    await waitFor('packets  2-13 of 30');
    app.stdin.write(KEY.tab);
    await waitFor('▸ settlements');
    app.stdin.write(KEY.tab);
    await waitFor('▸ peers');
  });

  it('? shows the help over the panes; esc hides it', async () => {
    const { app, frame, waitFor } = mount();
    app.stdin.write('?');
    await waitFor('▸ help');
    expect(frame()).not.toContain('▸ packets');
    app.stdin.write(KEY.esc);
    await waitFor('▸ packets');
  });

  it('q and Ctrl-C ask to quit', async () => {
    const a = mount();
    a.app.stdin.write('q');
    await until(() => a.onQuit.mock.calls.length === 1, 'onQuit after q');
    cleanup();
    const b = mount();
    b.app.stdin.write(KEY.ctrlC);
    await until(() => b.onQuit.mock.calls.length === 1, 'onQuit after Ctrl-C');
  });

  it('follows the terminal’s size when it is resized', async () => {
    const { app, frame, waitFor } = mount({});
    await waitFor('▸ packets');
    expect(frame().split('\n')[3]).toHaveLength(100); // ink-testing-library's terminal: 100 columns
    Object.defineProperty(app.stdout, 'columns', { value: 80, configurable: true });
    app.stdout.emit('resize');
    await until(() => frame().split('\n')[3].length === 80, 'the frame at 80 columns');
  });

  it('says so when the terminal is too small, and q still quits', async () => {
    const { app, onQuit, waitFor } = mount({ columns: 60, rows: 10 });
    await waitFor('the dashboard needs 40x12 (this is 60x10); q quits');
    app.stdin.write('q');
    await until(() => onQuit.mock.calls.length === 1, 'onQuit after q');
  });

  it('shows that the node is stopping', async () => {
    const { waitFor } = mount();
    src.emit({ type: 'node:stopping', reason: 'SIGTERM' });
    await waitFor('stopping: packets in flight finish');
  });
});
