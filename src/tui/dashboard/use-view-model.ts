import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { DashboardFeed } from '../feed.js';
import type { PacketRecord } from '../store/dashboard-store.js';
import { buildViewModel, type ViewModel } from '../store/view-model.js';
import { FramePacer } from './frame-pacer.js';

export interface ViewModelOptions {
  readonly paused: boolean;
  readonly filter: string;
  /** shortest gap between frames, ms (default 100: at most ten frames a second) */
  readonly intervalMs?: number;
  /** share of the time frames may take (default 0.04; see FramePacer) */
  readonly budget?: number;
  readonly now?: () => number;
}

/**
 * The view model, rebuilt on a timer and only when the store changed: however many events arrive,
 * React renders at most once per interval, and less often when frames are expensive. Pausing freezes
 * the packet list (the counters go on); a change of pause or filter shows at once.
 */
export function useViewModel(feed: DashboardFeed, o: ViewModelOptions): ViewModel {
  const now = o.now ?? Date.now;
  const frozen = useRef<readonly PacketRecord[] | undefined>(undefined);
  if (o.paused && !frozen.current) frozen.current = feed.store.packets.newest();
  if (!o.paused) frozen.current = undefined;
  const build = () => buildViewModel(feed.store, { now: now(), filter: o.filter, frozen: frozen.current });
  const [vm, setVm] = useState<ViewModel>(build);
  const seen = useRef({ version: feed.store.version, second: Math.floor(now() / 1000), paused: o.paused, filter: o.filter });
  const pacer = useRef<FramePacer | undefined>(undefined);
  pacer.current ??= new FramePacer(o.intervalMs, o.budget);

  useEffect(() => {
    const p = (pacer.current ??= new FramePacer(o.intervalMs, o.budget));
    const tick = () => {
      const s = seen.current;
      const second = Math.floor(now() / 1000);
      const asked = s.paused !== o.paused || s.filter !== o.filter;
      if (!asked && s.version === feed.store.version && s.second === second) return;
      const t = performance.now();
      if (!asked && !p.due(t)) return;
      seen.current = { version: feed.store.version, second, paused: o.paused, filter: o.filter };
      p.started(t);
      setVm(build());
    };
    tick();
    const timer = setInterval(tick, p.intervalMs);
    return () => clearInterval(timer);
    // `build` reads the options through this closure; the effect restarts whenever they change.
  }, [feed, o.paused, o.filter, o.intervalMs, o.budget]);

  // Layout effects run after the commit, once Ink has drawn the frame: the frame's cost ends here.
  useLayoutEffect(() => {
    pacer.current?.finished(performance.now());
  }, [vm]);

  return vm;
}
