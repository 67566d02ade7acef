import { Box } from 'ink';
import type { ApprovalAsset, PendingApproval } from '../../approvals/types.js';
import { Line } from '../line/line.js';
import { PaneTitle } from '../pane-title/pane-title.js';
import { approvalSegments } from './approval-row.js';

export interface ApprovalsPaneProps {
  readonly approvals: readonly Readonly<PendingApproval>[];
  readonly asset: ApprovalAsset;
  /** the last decision, or why it failed */
  readonly note?: string;
  readonly focused: boolean;
  readonly width: number;
  /** lines below the title */
  readonly rows: number;
  /** the selected approval's index */
  readonly selected: number;
  readonly now: number;
}

/** Local sends waiting for approval: amount and asset, destination, age, id; a approves, d denies the selected one. */
export function ApprovalsPane({ approvals, asset, note, focused, width, rows, selected, now }: ApprovalsPaneProps) {
  const sel = Math.max(0, Math.min(selected, approvals.length - 1));
  const start = Math.max(0, Math.min(sel - rows + 1, approvals.length - rows));
  const shown = approvals.slice(start, start + rows);
  const keys = focused ? 'a approve · d deny' : 'tab here, then a approve · d deny';
  const detail = `${approvals.length} pending · ${note === undefined ? keys : note}`;
  return (
    <Box flexDirection="column" width={width} height={rows + 1}>
      <PaneTitle title="approvals" detail={detail} focused={focused} width={width} />
      {shown.map((a, i) => (
        <Line key={a.id} segments={approvalSegments(a, asset, width, now, focused && start + i === sel)} width={width} />
      ))}
    </Box>
  );
}
