import { Line } from '../line/line.js';
import type { Segment } from '../line/segments.js';

const KEYS = 'q quit · p pause · tab focus · ↑↓ scroll · / filter · ? help';

export interface FooterProps {
  /** the filter being typed, when the prompt is open */
  readonly draft?: string;
  readonly filter: string;
  readonly paused: boolean;
  readonly stopping: boolean;
  readonly width: number;
}

/** The filter prompt while typing; else the state (stopping, paused, filter) and the keys. */
export function footerSegments({ draft, filter, paused, stopping }: Omit<FooterProps, 'width'>): Segment[] {
  if (draft !== undefined) {
    return [{ text: 'filter destination prefix: ', color: 'cyan' }, { text: draft }, { text: ' ', inverse: true }, { text: '  enter apply · esc cancel', dim: true }];
  }
  const s: Segment[] = [];
  if (stopping) s.push({ text: 'stopping: packets in flight finish… ', color: 'yellow' });
  if (paused) s.push({ text: ' PAUSED ', inverse: true, color: 'yellow' }, { text: ' ' });
  if (filter) s.push({ text: `filter ${filter} `, color: 'cyan' });
  s.push({ text: KEYS, dim: true });
  return s;
}

export function Footer(props: FooterProps) {
  return <Line segments={footerSegments(props)} width={props.width} />;
}
