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
  /** share of the time frames may take (default 0.03; see FramePacer) */
  readonly budget?: number;
  readonly now?: () => number;
}

interface Built {
  vm: ViewModel;
  paused: boolean;
  filter: string;
}

/**
 * The view model, rebuilt on a timer and only when the store changed: however many events arrive,
 * React renders at most once per interval, and less often when frames are expensive. Pausing freezes
 * the packet list (the counters go on). A change of pause or filter is applied in the same render.
 */
export function useViewModel(feed: DashboardFeed, o: ViewModelOptions): ViewModel {
  const opts = useRef(o);
  opts.current = o;
  const frozen = useRef<readonly PacketRecord[] | undefined>(undefined);
  if (o.paused) frozen.current ??= feed.store.packets.newest();
  else frozen.current = undefined;
  const build = (): Built => {
    const { paused, filter, now = Date.now } = opts.current;
    return { vm: buildViewModel(feed.store, { now: now(), filter, frozen: frozen.current }), paused, filter };
  };

  const [built, setBuilt] = useState<Built>(build);
  let current = built;
  if (built.paused !== o.paused || built.filter !== o.filter) {
    // Derived state: React renders again at once with this, before anything reaches the screen.
    current = build();
    setBuilt(current);
  }

  const pacer = useRef<FramePacer | undefined>(undefined);
  pacer.current ??= new FramePacer(o.intervalMs, o.budget);
  const seen = useRef({ version: feed.store.version, second: 0 });

  useEffect(() => {
    const p = pacer.current!;
    const tick = () => {
      const second = Math.floor((opts.current.now ?? Date.now)() / 1000);
      if (seen.current.version === feed.store.version && seen.current.second === second) return;
      const t = performance.now();
      if (!p.due(t)) return;
      seen.current = { version: feed.store.version, second };
      p.started(t);
      setBuilt(build());
    };
    tick();
    const timer = setInterval(tick, p.intervalMs);
    return () => clearInterval(timer);
    // `build` reads the latest options through `opts`; only a new feed restarts the timer.
  }, [feed]);

  // Layout effects run after the commit, once Ink has drawn the frame: the frame's cost ends here.
  useLayoutEffect(() => {
    pacer.current?.finished(performance.now());
  }, [current.vm]);

  return current.vm;
}
