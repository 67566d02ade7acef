import { describe, expect, it } from 'vitest';
import { initialUiState, keyToAction, uiReducer, type ScrollLimits, type UiAction, type UiState } from '../../../src/tui/dashboard/use-dashboard-state.js';
import { inputToActions } from '../../../src/tui/dashboard/use-dashboard-input.js';
import { computeLayout } from '../../../src/tui/dashboard/layout.js';
import { FramePacer } from '../../../src/tui/dashboard/frame-pacer.js';

// no routes pane on this screen (page 0): the focus skips it
const limits: ScrollLimits = { max: { peers: 2, routes: 0, packets: 50, settlements: 0 }, page: { peers: 3, routes: 0, packets: 10, settlements: 1 } };
const press = (s: UiState, input: string, key: Record<string, boolean> = {}) => {
  const a = keyToAction(input, key, s, limits);
  return a ? uiReducer(s, a) : s;
};

describe('the key map and the UI reducer', () => {
  it('q and Ctrl-C quit', () => {
    expect(press(initialUiState, 'q').quit).toBe(true);
    expect(press(initialUiState, 'c', { ctrl: true }).quit).toBe(true);
    expect(press({ ...initialUiState, draft: 'g.' }, 'c', { ctrl: true }).quit).toBe(true);
  });

  it('p and space toggle the pause', () => {
    const paused = press(initialUiState, 'p');
    expect(paused.paused).toBe(true);
    expect(press(paused, ' ').paused).toBe(false);
  });

  it('tab and shift-tab move the focus around the panes', () => {
    expect(press(initialUiState, '', { tab: true }).focus).toBe('settlements');
    expect(press(press(initialUiState, '', { tab: true }), '', { tab: true }).focus).toBe('peers');
    expect(press(initialUiState, '', { tab: true, shift: true }).focus).toBe('peers');
  });

  it('with a routes pane on screen, the focus stops there between peers and packets, and it scrolls', () => {
    const shown: ScrollLimits = { max: { ...limits.max, routes: 4 }, page: { ...limits.page, routes: 3 } };
    const at = (s: UiState, input: string, key: Record<string, boolean> = {}) => uiReducer(s, keyToAction(input, key, s, shown)!);
    const routes = at(initialUiState, '', { tab: true, shift: true });
    expect(routes.focus).toBe('routes');
    expect(at(routes, '', { tab: true, shift: true }).focus).toBe('peers');
    expect(at(at(routes, '', { tab: true, shift: true }), '', { tab: true }).focus).toBe('routes');
    expect(at(at(routes, '', { pageDown: true }), '', { pageDown: true }).scroll).toMatchObject({ routes: 4, packets: 0 });
  });

  it('arrows, pages, g and G scroll the focused pane within its limits', () => {
    let s = press(initialUiState, '', { downArrow: true });
    expect(s.scroll.packets).toBe(1);
    s = press(s, '', { pageDown: true });
    expect(s.scroll.packets).toBe(11);
    s = press(s, 'G');
    expect(s.scroll.packets).toBe(50);
    s = press(s, '', { downArrow: true });
    expect(s.scroll.packets).toBe(50);
    s = press(s, 'g');
    expect(s.scroll.packets).toBe(0);
    s = press(s, '', { upArrow: true });
    expect(s.scroll.packets).toBe(0);
    s = press(press(s, '', { tab: true, shift: true }), '', { pageDown: true });
    expect(s.scroll).toEqual({ peers: 2, routes: 0, packets: 0, settlements: 0 });
  });

  it('/ opens the filter prompt; typing, backspace, enter apply it; esc cancels, esc again clears', () => {
    let s = press(initialUiState, '/');
    expect(s.draft).toBe('');
    for (const ch of 'g.hub.bx') s = press(s, ch);
    s = press(s, '', { backspace: true });
    s = press(s, 'o');
    s = press(s, 'b');
    expect(s.draft).toBe('g.hub.bob');
    expect(press(s, 'q').quit).toBe(false); // q is a letter while typing
    s = press({ ...s, scroll: { ...s.scroll, packets: 7 } }, '', { return: true });
    expect(s).toMatchObject({ filter: 'g.hub.bob', draft: undefined });
    expect(s.scroll.packets).toBe(0);
    const editing = press(press(s, '/'), 'x');
    expect(press(editing, '', { escape: true })).toMatchObject({ filter: 'g.hub.bob', draft: undefined });
    expect(press(s, '', { escape: true }).filter).toBe('');
  });

  it('? and esc show and hide the help', () => {
    const help = press(initialUiState, '?');
    expect(help.help).toBe(true);
    expect(press(help, '', { escape: true }).help).toBe(false);
    expect(press(help, '?').help).toBe(false);
  });

  it('maps characters that arrive together one by one', () => {
    const actions = inputToActions('p/g.a', {}, initialUiState, limits);
    const end = actions.reduce<UiState>((s, a: UiAction) => uiReducer(s, a), initialUiState);
    expect(end).toMatchObject({ paused: true, draft: 'g.a' });
    expect(inputToActions('x', {}, initialUiState, limits)).toEqual([]);
  });
});

describe('computeLayout', () => {
  it('fills 80x24 (one line short of the terminal) and gives the packets the rest', () => {
    const l = computeLayout(80, 24, 2, 0);
    expect(l).toEqual({ width: 80, height: 23, body: 19, peerRows: 2, activityRows: 1, routeRows: 0, packetRows: 13 });
    expect(3 + 1 + l.peerRows + 1 + l.packetRows + 1 + l.activityRows + 1).toBe(l.height);
  });

  it('gives a four-line header (with the endpoints line) one line less of packets', () => {
    const l = computeLayout(80, 24, 2, 0, 4);
    expect(l).toEqual({ width: 80, height: 23, body: 18, peerRows: 2, activityRows: 1, routeRows: 0, packetRows: 12 });
    expect(4 + 1 + l.peerRows + 1 + l.packetRows + 1 + l.activityRows + 1).toBe(l.height);
  });

  it('caps the peers and settlements panes, and has a floor for tiny terminals', () => {
    const l = computeLayout(120, 40, 50, 50);
    expect(l).toMatchObject({ peerRows: 8, activityRows: 6, packetRows: 18 });
    expect(computeLayout(10, 5, 1, 0)).toMatchObject({ width: 40, height: 11 });
  });

  it('with routes: a routes pane of its own (title and at most a fifth of the lines), none when the frame is too small for it', () => {
    const l = computeLayout(80, 24, 2, 0, 3, 7);
    expect(l).toEqual({ width: 80, height: 23, body: 19, peerRows: 2, activityRows: 1, routeRows: 3, packetRows: 9 });
    expect(3 + 1 + l.peerRows + 1 + l.routeRows + 1 + l.packetRows + 1 + l.activityRows + 1).toBe(l.height);
    expect(computeLayout(80, 24, 2, 0, 3, 1).routeRows).toBe(1);
    expect(computeLayout(40, 12, 1, 0, 3, 5)).toEqual(computeLayout(40, 12, 1, 0, 3, 0));
    expect(computeLayout(40, 12, 1, 0, 3, 5).routeRows).toBe(0);
  });
});

describe('FramePacer', () => {
  const warm = (p: FramePacer) => {
    for (let i = 0; i < 3; i++) {
      p.started(0);
      p.finished(500); // warm-up frames (loading, compiling): not counted
    }
  };

  it('waits the interval after cheap frames and longer after expensive ones, at most a second', () => {
    const p = new FramePacer(100, 0.05);
    warm(p);
    expect(p.cost).toBe(0);
    expect(p.due(1000)).toBe(true);
    p.started(1000);
    p.finished(1002);
    expect(p.gap()).toBe(100);
    expect(p.due(1099)).toBe(false);
    expect(p.due(1100)).toBe(true);
    p.started(1100);
    p.finished(1120); // 20 ms, smoothed with the 2 ms before
    expect(p.cost).toBeCloseTo(7.4);
    expect(p.gap()).toBeCloseTo(148);
    p.finished(1500); // no frame pending: ignored
    expect(p.cost).toBeCloseTo(7.4);
    for (let i = 0; i < 20; i++) {
      p.started(0);
      p.finished(400);
    }
    expect(p.gap()).toBe(1000);
  });
});
