/**
 * The dashboard's UI state (focus, pause, filter, scroll, help) as a pure reducer, and the key map
 * that turns key presses into its actions. Both are tested without Ink.
 */
import { useReducer } from 'react';
import type { Key } from 'ink';

export type Pane = 'peers' | 'routes' | 'approvals' | 'packets' | 'settlements';
export const PANES: readonly Pane[] = ['peers', 'routes', 'approvals', 'packets', 'settlements'];
/** Panes that are on screen only sometimes: without limits of their own they are skipped. */
const OPTIONAL: readonly Pane[] = ['approvals'];

export interface UiState {
  readonly focus: Pane;
  readonly paused: boolean;
  readonly help: boolean;
  /** destination prefix applied to the packet list ('' = none) */
  readonly filter: string;
  /** the prefix being typed; undefined when the prompt is closed */
  readonly draft?: string;
  /** first item shown, per pane (packets: 0 = the newest; approvals: the selected one, once moved) */
  readonly scroll: Readonly<Record<Exclude<Pane, 'approvals'>, number>> & { readonly approvals?: number };
  readonly quit: boolean;
}

export type UiAction =
  | { type: 'quit' }
  | { type: 'toggle-pause' }
  | { type: 'toggle-help' }
  /** to the next pane in `step`'s direction that is not in `skip` (panes not on screen) */
  | { type: 'focus'; step: 1 | -1; skip?: readonly Pane[] }
  /** moves the focused pane by `delta`, within 0..max */
  | { type: 'scroll'; delta: number; max: number }
  | { type: 'filter-open' }
  | { type: 'filter-type'; text: string }
  | { type: 'filter-erase' }
  | { type: 'filter-apply' }
  | { type: 'filter-cancel' }
  | { type: 'filter-clear' }
  /** approve or deny the selected approval (the app sends it through the admin API; the state is unchanged) */
  | { type: 'decide'; approve: boolean };

export const initialUiState: UiState = {
  focus: 'packets',
  paused: false,
  help: false,
  filter: '',
  scroll: { peers: 0, routes: 0, packets: 0, settlements: 0 },
  quit: false,
};

const clamp = (n: number, max: number) => Math.max(0, Math.min(n, Math.max(0, max)));

export function uiReducer(s: UiState, a: UiAction): UiState {
  switch (a.type) {
    case 'quit':
      return { ...s, quit: true, draft: undefined };
    case 'toggle-pause':
      return { ...s, paused: !s.paused };
    case 'toggle-help':
      return { ...s, help: !s.help };
    case 'focus': {
      let i = PANES.indexOf(s.focus);
      for (let n = 0; n < PANES.length; n++) {
        i = (i + a.step + PANES.length) % PANES.length;
        if (!a.skip?.includes(PANES[i])) break;
      }
      return { ...s, focus: PANES[i] };
    }
    case 'scroll':
      return { ...s, scroll: { ...s.scroll, [s.focus]: clamp((s.scroll[s.focus] ?? 0) + a.delta, a.max) } };
    case 'filter-open':
      return { ...s, draft: s.filter, help: false };
    case 'filter-type':
      return s.draft === undefined ? s : { ...s, draft: s.draft + a.text };
    case 'filter-erase':
      return s.draft === undefined ? s : { ...s, draft: s.draft.slice(0, -1) };
    case 'filter-apply':
      return s.draft === undefined ? s : { ...s, filter: s.draft.trim(), draft: undefined, scroll: { ...s.scroll, packets: 0 } };
    case 'filter-cancel':
      return { ...s, draft: undefined };
    case 'filter-clear':
      return { ...s, filter: '', scroll: { ...s.scroll, packets: 0 } };
    case 'decide':
      return s;
  }
}

/** How far each pane can scroll and how many lines a page is, for the key map. */
export interface ScrollLimits {
  readonly max: Readonly<Record<Exclude<Pane, 'approvals'>, number>> & { readonly approvals?: number };
  readonly page: Readonly<Record<Exclude<Pane, 'approvals'>, number>> & { readonly approvals?: number };
}

/** Lines a pane shows (0: not on screen); an optional pane without limits is not on screen. */
const pageOf = (limits: ScrollLimits, p: Pane): number => limits.page[p] ?? (OPTIONAL.includes(p) ? 0 : 1);

/** The key map. Returns undefined for keys that do nothing. */
export function keyToAction(input: string, key: Partial<Key>, s: UiState, limits: ScrollLimits): UiAction | undefined {
  if (key.ctrl && input === 'c') return { type: 'quit' };
  if (s.draft !== undefined) {
    if (key.return) return { type: 'filter-apply' };
    if (key.escape) return { type: 'filter-cancel' };
    if (key.backspace || key.delete) return { type: 'filter-erase' };
    if (input && !key.ctrl && !key.meta && !key.tab && /^[\x20-\x7e]+$/.test(input)) return { type: 'filter-type', text: input };
    return undefined;
  }
  const max = limits.max[s.focus] ?? 0;
  const page = Math.max(1, pageOf(limits, s.focus));
  if (input === 'q') return { type: 'quit' };
  if (input === '?') return { type: 'toggle-help' };
  if (key.escape) return s.help ? { type: 'toggle-help' } : s.filter ? { type: 'filter-clear' } : undefined;
  if (input === 'p' || input === ' ') return { type: 'toggle-pause' };
  if (input === '/') return { type: 'filter-open' };
  if (key.tab) return { type: 'focus', step: key.shift ? -1 : 1, skip: PANES.filter((p) => pageOf(limits, p) <= 0) };
  if (s.focus === 'approvals' && (input === 'a' || input === 'd') && pageOf(limits, 'approvals') > 0) return { type: 'decide', approve: input === 'a' };
  if (key.downArrow || input === 'j') return { type: 'scroll', delta: 1, max };
  if (key.upArrow || input === 'k') return { type: 'scroll', delta: -1, max };
  if (key.pageDown) return { type: 'scroll', delta: page, max };
  if (key.pageUp) return { type: 'scroll', delta: -page, max };
  if (input === 'g' || key.home) return { type: 'scroll', delta: -Number.MAX_SAFE_INTEGER, max };
  if (input === 'G' || key.end) return { type: 'scroll', delta: Number.MAX_SAFE_INTEGER, max };
  return undefined;
}

/** The UI state as a React reducer. */
export function useDashboardState(initial: UiState = initialUiState) {
  return useReducer(uiReducer, initial);
}
