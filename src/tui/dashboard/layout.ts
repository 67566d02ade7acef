/**
 * How the screen's lines are shared out. The frame is one line shorter than the terminal: a frame
 * that fills every row makes Ink clear the whole screen on each render (flicker) instead of
 * rewriting the lines in place.
 */
export interface Layout {
  readonly width: number;
  /** lines in the frame */
  readonly height: number;
  /** lines between the header and the footer (the help uses them all) */
  readonly body: number;
  /** peer lines under the peers title */
  readonly peerRows: number;
  /** lines under the packets title: the column titles, then packets */
  readonly packetRows: number;
  /** lines under the settlements title: the summary, then events */
  readonly activityRows: number;
  /** route lines under the routes title; 0: the routes pane is not shown (no routes, or no room) */
  readonly routeRows: number;
}

/** A layout with the approvals pane's share. */
export interface DashboardLayout extends Layout {
  /** approval lines under the approvals title */
  readonly approvalRows: number;
  /** the approvals pane is on screen (something waits, or a decision was just made) */
  readonly approvalsShown: boolean;
}

const HEADER = 3;
const FOOTER = 1;
const TITLES = 3;
/** Below this many content lines the routes pane gives its room to the others. */
const ROUTES_MIN_CONTENT = 10;
/** Smallest frame that still shows every pane. */
export const MIN_COLUMNS = 40;
export const MIN_ROWS = 12;

/**
 * @param header lines the header takes (3, one more with the endpoints line, one more with the defence line)
 * @param routeCount routes the routes pane would list (0: no routes pane)
 */
export function computeLayout(columns: number, rows: number, peerCount: number, activityCount: number, header = HEADER, routeCount = 0): Layout {
  const width = Math.max(MIN_COLUMNS, columns);
  const height = Math.max(MIN_ROWS, rows) - 1;
  const body = height - header - FOOTER;
  const withRoutes = routeCount > 0 && body - TITLES >= ROUTES_MIN_CONTENT;
  const content = body - TITLES - (withRoutes ? 1 : 0);
  const peerRows = Math.min(Math.max(1, peerCount), Math.max(1, Math.floor(content * 0.25)));
  const activityRows = Math.min(1 + activityCount, Math.max(1, Math.floor(content * 0.2)));
  const routeRows = withRoutes ? Math.min(routeCount, Math.max(1, Math.floor(content * 0.2))) : 0;
  return { width, height, body, peerRows, activityRows, routeRows, packetRows: content - peerRows - activityRows - routeRows };
}

/**
 * Gives the approvals pane its lines (a title and at most a fifth of the content), taken from the
 * packets, which keep at least two. Shown while any approval waits, or `shown` (a decision's note).
 */
export function withApprovals(l: Layout, count: number, shown: boolean): DashboardLayout {
  if ((count === 0 && !shown) || l.packetRows < 3) return { ...l, approvalRows: 0, approvalsShown: false };
  const content = l.peerRows + l.routeRows + l.packetRows + l.activityRows;
  const approvalRows = Math.min(count, Math.max(1, Math.floor(content * 0.2)), l.packetRows - 3);
  return { ...l, approvalRows, approvalsShown: true, packetRows: l.packetRows - 1 - approvalRows };
}
