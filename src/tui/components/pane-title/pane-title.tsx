import { Line } from '../line/line.js';
import type { Segment } from '../line/segments.js';

/** `▸ packets  412 · filter g.hub.bob ─────────`; the focused pane's title is marked and bold. */
export function titleSegments(title: string, detail: string | undefined, focused: boolean, width: number): Segment[] {
  const head = `${focused ? '▸' : ' '} ${title}`;
  const tail = detail ? `  ${detail} ` : ' ';
  return [
    { text: head, bold: focused, color: focused ? 'cyan' : undefined },
    { text: tail, dim: !focused },
    { text: '─'.repeat(Math.max(0, width - head.length - tail.length)), dim: true },
  ];
}

export interface PaneTitleProps {
  readonly title: string;
  /** shown after the title, e.g. counts, the filter, PAUSED */
  readonly detail?: string;
  readonly focused: boolean;
  readonly width: number;
}

export function PaneTitle({ title, detail, focused, width }: PaneTitleProps) {
  return <Line segments={titleSegments(title, detail, focused, width)} width={width} />;
}
