import { Box, Text } from 'ink';
import type { PacketRecord } from '../../store/dashboard-store.js';
import { PaneTitle } from '../pane-title/pane-title.js';
import { PacketRow, packetHeading } from './packet-row.js';

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
}

/** The live packet stream, newest on top; a bounded window over the last packets. */
export function PacketsPane({ packets, focused, paused, filter, width, rows, scroll }: PacketsPaneProps) {
  const body = Math.max(0, rows - 1);
  const start = Math.max(0, Math.min(scroll, packets.length - body));
  const shown = packets.slice(start, start + body);
  const detail = [
    packets.length === 0 ? '' : `${start + 1}-${start + shown.length} of ${packets.length}`,
    filter ? `filter ${filter}` : '',
    paused ? 'PAUSED' : '',
  ]
    .filter(Boolean)
    .join(' · ');
  let empty = 'waiting for packets…';
  if (filter) empty = `no packets to ${filter}…`;
  return (
    <Box flexDirection="column" width={width} height={rows + 1} overflow="hidden">
      <PaneTitle title="packets" detail={detail} focused={focused} width={width} />
      <Text dimColor wrap="truncate">
        {packetHeading(width)}
      </Text>
      {shown.length === 0 ? <Text dimColor>{`  ${empty}`}</Text> : shown.map((p, i) => <PacketRow key={i} packet={p} width={width} />)}
    </Box>
  );
}
