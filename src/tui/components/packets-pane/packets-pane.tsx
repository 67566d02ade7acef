import { Box } from 'ink';
import type { PacketRecord } from '../../store/dashboard-store.js';
import type { AssetView } from '../../format.js';
import { Line } from '../line/line.js';
import { PaneTitle } from '../pane-title/pane-title.js';
import { packetHeading, packetSegments } from './packet-row.js';

export interface PacketsPaneProps {
  /** newest first (already filtered) */
  readonly packets: readonly PacketRecord[];
  readonly focused: boolean;
  readonly paused: boolean;
  /** destination prefix, '' = none */
  readonly filter: string;
  readonly width: number;
  /** lines below the title (the column titles included) */
  readonly rows: number;
  /** packets skipped from the newest */
  readonly scroll: number;
  /** the asset of each peer and of `local`: amounts show with it (absent: units) */
  readonly assets?: ReadonlyMap<string, AssetView>;
}

/** The live packet stream, newest on top: a window over the last packets the store keeps. */
export function PacketsPane({ packets, focused, paused, filter, width, rows, scroll, assets }: PacketsPaneProps) {
  const body = Math.max(0, rows - 1);
  const start = Math.max(0, Math.min(scroll, packets.length - body));
  const shown = packets.slice(start, start + body);
  const detail = [packets.length === 0 ? '' : `${start + 1}-${start + shown.length} of ${packets.length}`, filter ? `filter ${filter}` : '', paused ? 'PAUSED' : '']
    .filter(Boolean)
    .join(' · ');
  const empty = filter ? `no packets to ${filter}…` : 'waiting for packets…';
  return (
    <Box flexDirection="column" width={width} height={rows + 1}>
      <PaneTitle title="packets" detail={detail} focused={focused} width={width} />
      <Line segments={packetHeading(width)} width={width} />
      {shown.length === 0 ? (
        <Line segments={[{ text: `  ${empty}`, dim: true }]} width={width} />
      ) : (
        shown.map((p, i) => <Line key={i} segments={packetSegments(p, width, assets)} width={width} />)
      )}
    </Box>
  );
}
