import { useRef, type Dispatch } from 'react';
import { useInput, useStdin, type Key } from 'ink';
import { keyToAction, uiReducer, type ScrollLimits, type UiAction, type UiState } from './use-dashboard-state.js';

/**
 * The actions for one input event. Plain characters can arrive several at once (typed fast, pasted,
 * or sent by tmux), so they are mapped one by one, each against the state the previous one left.
 */
export function inputToActions(input: string, key: Partial<Key>, state: UiState, limits: ScrollLimits): UiAction[] {
  const chars = [...input];
  if (chars.length <= 1 || key.ctrl || key.meta) {
    const a = keyToAction(input, key, state, limits);
    return a ? [a] : [];
  }
  const actions: UiAction[] = [];
  let s = state;
  for (const ch of chars) {
    const a = keyToAction(ch, {}, s, limits);
    if (!a) continue;
    actions.push(a);
    s = uiReducer(s, a);
  }
  return actions;
}

/**
 * Feeds key presses through the key map into the UI reducer. Inactive when stdin cannot be put in raw
 * mode (not a terminal): the dashboard still renders, and the caller's signals stop it.
 */
export function useDashboardInput(state: UiState, dispatch: Dispatch<UiAction>, limits: ScrollLimits): void {
  const { isRawModeSupported } = useStdin();
  // Ink swaps in a new handler only after the render has been committed; a key that arrives before
  // that must still see this render's state and scroll limits.
  const latest = useRef({ state, limits });
  latest.current = { state, limits };
  useInput(
    (input, key) => {
      for (const a of inputToActions(input, key, latest.current.state, latest.current.limits)) dispatch(a);
    },
    // stdin.isTTY is undefined, not false, for a file or /dev/null: Ink would then try raw mode and throw.
    { isActive: isRawModeSupported === true },
  );
}
