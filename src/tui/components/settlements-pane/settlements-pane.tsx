import { Box } from 'ink';
import type { ActivityRecord, ChannelState, SettlementTotals } from '../../store/dashboard-store.js';
import { Line } from '../line/line.js';
import { PaneTitle } from '../pane-title/pane-title.js';
import { activitySegments, settlementSummary } from './activity-row.js';

export interface SettlementsPaneProps {
  /** newest first */
  readonly activity: readonly ActivityRecord[];
  readonly channels: readonly Readonly<ChannelState>[];
  readonly totals: Readonly<SettlementTotals>;
  readonly focused: boolean;
  readonly width: number;
  /** lines below the title (the summary line included) */
  readonly rows: number;
  readonly scroll: number;
}

/** Claims sent and received, redemptions and channel transactions, newest first under a summary line. */
export function SettlementsPane({ activity, channels, totals, focused, width, rows, scroll }: SettlementsPaneProps) {
  const body = Math.max(0, rows - 1);
  const start = Math.max(0, Math.min(scroll, activity.length - body));
  const shown = activity.slice(start, start + body);
  return (
    <Box flexDirection="column" width={width} height={rows + 1}>
      <PaneTitle title="settlements & channels" detail={activity.length > body ? `${start + 1}-${start + shown.length} of ${activity.length}` : ''} focused={focused} width={width} />
      <Line segments={settlementSummary(totals, channels)} width={width} />
      {shown.map((e, i) => (
        <Line key={i} segments={activitySegments(e, width)} width={width} />
      ))}
    </Box>
  );
}
