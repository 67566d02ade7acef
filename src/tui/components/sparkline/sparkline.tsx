import { Text } from 'ink';
import { compact } from '../../format.js';
import { sparkline } from './blocks.js';

export interface SparklineProps {
  /** packets per second, oldest first */
  readonly values: readonly number[];
  readonly width: number;
}

/** `throughput ▁▂▅▇█▆     now 1.2k/s  max 1.5k/s` in `width` characters. */
export function Sparkline({ values, width }: SparklineProps) {
  const now = values.length > 0 ? values[values.length - 1] : 0;
  const max = values.reduce((m, v) => (v > m ? v : m), 0);
  const label = 'throughput ';
  const stats = `  now ${compact(now)}/s  max ${compact(max)}/s`;
  const room = Math.max(0, width - label.length - stats.length);
  const line = sparkline(values, room);
  return (
    <Text wrap="truncate">
      <Text dimColor>{label}</Text>
      <Text color="cyan">{line}</Text>
      {' '.repeat(room - line.length)}
      {stats}
    </Text>
  );
}
