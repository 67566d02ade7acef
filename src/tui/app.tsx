import { useRef, type Dispatch } from 'react';
import type { DashboardFeed } from './feed.js';
import { Dashboard } from './dashboard/dashboard.js';
import { MIN_COLUMNS, MIN_ROWS, computeLayout, withApprovals, type DashboardLayout } from './dashboard/layout.js';
import { useDashboardInput } from './dashboard/use-dashboard-input.js';
import { useDashboardState, type ScrollLimits, type UiAction } from './dashboard/use-dashboard-state.js';
import { useTerminalSize } from './dashboard/use-terminal-size.js';
import { useViewModel } from './dashboard/use-view-model.js';
import type { ViewModel } from './store/view-model.js';
import { ColorsContext, Line } from './components/line/line.js';
import { headerLines } from './components/header/header.js';
import type { DashboardEndpoint } from './source.js';
import type { DashboardApprovals } from './approvals/types.js';
import { useApprovals } from './approvals/use-approvals.js';

export interface DashboardAppProps {
  readonly feed: DashboardFeed;
  /** called when the user asks to quit (q, Ctrl-C); may be called again if they insist */
  readonly onQuit: () => void;
  /** fixed size instead of the terminal's (tests) */
  readonly columns?: number;
  readonly rows?: number;
  /** ms between view model refreshes (default 100) */
  readonly intervalMs?: number;
  /** share of the time frames may take (default 0.03) */
  readonly budget?: number;
  /** emit colour codes (the terminal takes them) */
  readonly colors?: boolean;
  readonly now?: () => number;
  /** where the node's surfaces answer, for the header */
  readonly endpoints?: readonly DashboardEndpoint[];
  /** sends waiting for approval and how to decide them (absent: no approvals pane) */
  readonly approvals?: DashboardApprovals;
  /** ms between approval list reads (default 1000) */
  readonly approvalsIntervalMs?: number;
}

function scrollLimits(l: DashboardLayout, vm: ViewModel, approvals: number): ScrollLimits {
  const packetBody = Math.max(1, l.packetRows - 1);
  const activityBody = Math.max(1, l.activityRows - 1);
  return {
    max: {
      peers: vm.peers.length - l.peerRows,
      routes: vm.routes.length - l.routeRows,
      packets: vm.packets.length - packetBody,
      settlements: vm.activity.length - activityBody,
      // the approvals pane's "scroll" is the selected row
      approvals: approvals - 1,
    },
    // a hidden routes pane has no page: the focus skips it
    page: { peers: l.peerRows, routes: l.routeRows, approvals: l.approvalRows, packets: packetBody, settlements: activityBody },
  };
}

/** The live dashboard: UI state, the throttled view model, the terminal's size and the keys. */
export function DashboardApp({ feed, onQuit, columns, rows, intervalMs, budget, colors = false, now, endpoints, approvals, approvalsIntervalMs }: DashboardAppProps) {
  const size = useTerminalSize({ columns, rows });
  const [ui, dispatch] = useDashboardState();
  const vm = useViewModel(feed, { paused: ui.paused, filter: ui.filter, intervalMs, budget, now });
  const waiting = useApprovals(approvals, approvalsIntervalMs);
  const base = computeLayout(size.columns, size.rows, vm.peers.length, vm.activity.length, headerLines(endpoints, vm), vm.routes.length);
  const layout = withApprovals(base, waiting.rows.length, approvals !== undefined && waiting.note !== undefined);
  // Quitting is passed on from the key handler itself: no effect to wait for (Ink flushes those late).
  // a key is handled by the handler Ink registered after some earlier commit: it reads the selection here
  const current = useRef({ ui, rows: waiting.rows, decide: waiting.decide });
  current.current = { ui, rows: waiting.rows, decide: waiting.decide };
  const act: Dispatch<UiAction> = (a) => {
    dispatch(a);
    if (a.type === 'quit') onQuit();
    if (a.type === 'decide') {
      const { ui: now, rows, decide } = current.current;
      const selected = rows[Math.min(now.scroll.approvals ?? 0, rows.length - 1)];
      if (selected !== undefined) decide(selected.id, a.approve);
    }
  };
  useDashboardInput(ui, act, scrollLimits(layout, vm, waiting.rows.length));
  const tooSmall = size.columns < MIN_COLUMNS || size.rows < MIN_ROWS;
  return (
    <ColorsContext.Provider value={colors}>
      {tooSmall ? (
        <Line segments={[{ text: `the dashboard needs ${MIN_COLUMNS}x${MIN_ROWS} (this is ${size.columns}x${size.rows}); q quits` }]} width={Math.max(1, size.columns)} />
      ) : (
        <Dashboard
          vm={vm}
          ui={ui}
          layout={layout}
          endpoints={endpoints}
          approvals={approvals && { rows: waiting.rows, note: waiting.note, asset: approvals.asset, now: (now ?? Date.now)() }}
        />
      )}
    </ColorsContext.Provider>
  );
}
