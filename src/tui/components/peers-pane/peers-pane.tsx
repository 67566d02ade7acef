import { Box } from 'ink';
import type { PeerState } from '../../store/dashboard-store.js';
import { Line } from '../line/line.js';
import { PaneTitle } from '../pane-title/pane-title.js';
import { peerSegments } from './peer-row.js';

export interface PeersPaneProps {
  readonly peers: readonly Readonly<PeerState>[];
  readonly focused: boolean;
  readonly width: number;
  /** lines below the title */
  readonly rows: number;
  /** first peer shown */
  readonly scroll: number;
}

/** Connection, relation, balance bar (we owe │ owes us), limits and settlement state of each peer. */
export function PeersPane({ peers, focused, width, rows, scroll }: PeersPaneProps) {
  const up = peers.filter((p) => p.connected).length;
  const start = Math.max(0, Math.min(scroll, peers.length - rows));
  const shown = peers.slice(start, start + rows);
  const more = peers.length > rows ? ` · ${start + 1}-${start + shown.length} of ${peers.length}` : '';
  return (
    <Box flexDirection="column" width={width} height={rows + 1}>
      <PaneTitle title="peers" detail={`${up}/${peers.length} up${more} · bar: we owe │ owes us · limit / settle at`} focused={focused} width={width} />
      {shown.length === 0 ? (
        <Line segments={[{ text: '  no peers configured', dim: true }]} width={width} />
      ) : (
        shown.map((p, i) => <Line key={i} segments={peerSegments(p, width)} width={width} />)
      )}
    </Box>
  );
}
