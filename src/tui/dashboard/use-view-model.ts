import { useEffect, useRef, useState } from 'react';
import type { DashboardFeed } from '../feed.js';
import type { PacketRecord } from '../store/dashboard-store.js';
import { buildViewModel, type ViewModel } from '../store/view-model.js';

export interface ViewModelOptions {
  readonly paused: boolean;
  readonly filter: string;
  /** ms between checks for changes (default 100: at most ten frames a second) */
  readonly intervalMs?: number;
  readonly now?: () => number;
}

/**
 * The view model, refreshed on a timer and only when the store changed: however many events arrive,
 * React renders at most once per interval. Pausing freezes the packet list (the counters go on).
 */
export function useViewModel(feed: DashboardFeed, o: ViewModelOptions): ViewModel {
  const now = o.now ?? Date.now;
  const frozen = useRef<readonly PacketRecord[] | undefined>(undefined);
  if (o.paused && !frozen.current) frozen.current = feed.store.packets.newest();
  if (!o.paused) frozen.current = undefined;
  const build = () => buildViewModel(feed.store, { now: now(), filter: o.filter, frozen: frozen.current });
  const [vm, setVm] = useState<ViewModel>(build);
  const seen = useRef({ version: feed.store.version, second: Math.floor(now() / 1000), paused: o.paused, filter: o.filter });

  useEffect(() => {
    const tick = () => {
      const s = seen.current;
      const second = Math.floor(now() / 1000);
      if (s.version === feed.store.version && s.second === second && s.paused === o.paused && s.filter === o.filter) return;
      seen.current = { version: feed.store.version, second, paused: o.paused, filter: o.filter };
      setVm(build());
    };
    tick();
    const timer = setInterval(tick, o.intervalMs ?? 100);
    return () => clearInterval(timer);
    // `build` reads the options through this closure; the effect restarts whenever they change.
  }, [feed, o.paused, o.filter, o.intervalMs]);

  return vm;
}
