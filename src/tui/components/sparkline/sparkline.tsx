import { compact } from '../../format.js';
import { Line } from '../line/line.js';
import type { Segment } from '../line/segments.js';
import { sparkline } from './blocks.js';

/** `throughput ▁▂▅▇█▆     now 1.2k/s  max 1.5k/s` in `width` cells. */
export function sparklineSegments(values: readonly number[], width: number): Segment[] {
  const now = values.length > 0 ? values[values.length - 1] : 0;
  const max = values.reduce((m, v) => (v > m ? v : m), 0);
  const label = 'throughput ';
  const stats = `  now ${compact(now)}/s  max ${compact(max)}/s`;
  const room = Math.max(0, width - label.length - stats.length);
  const line = sparkline(values, room);
  return [
    { text: label, dim: true },
    { text: line, color: 'cyan' },
    { text: ' '.repeat(room - line.length) },
    { text: stats },
  ];
}

export interface SparklineProps {
  /** packets per second, oldest first */
  readonly values: readonly number[];
  readonly width: number;
}

export function Sparkline({ values, width }: SparklineProps) {
  return <Line segments={sparklineSegments(values, width)} width={width} />;
}
