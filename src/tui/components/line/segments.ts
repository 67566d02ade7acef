/**
 * A screen line as styled segments, cut and padded to an exact width, then turned into one string
 * (with SGR colour codes when the terminal takes them). Rows are built here as plain data, so they
 * are tested without Ink.
 */
export type Color = 'red' | 'green' | 'yellow' | 'cyan' | 'gray';

export interface Style {
  readonly color?: Color;
  readonly dim?: boolean;
  readonly bold?: boolean;
  readonly inverse?: boolean;
}

export interface Segment extends Style {
  readonly text: string;
}

/** Text in a column of `width` cells: cut with … or padded (left-aligned unless `align: 'right'`). */
export function col(text: string, width: number, style: Style & { align?: 'left' | 'right' } = {}): Segment {
  const { align, ...rest } = style;
  const w = Math.max(0, width);
  let t = text.length <= w ? text : w <= 1 ? '…'.slice(0, w) : `${text.slice(0, w - 1)}…`;
  t = align === 'right' ? t.padStart(w) : t.padEnd(w);
  return { text: t, ...rest };
}

export const seg = (text: string, style: Style = {}): Segment => ({ text, ...style });

export const SPACE: Segment = { text: ' ' };

/**
 * Cells the text takes. Every character this dashboard draws is one cell wide (box drawing, blocks,
 * arrows, …, ASCII); peer ids and addresses are ASCII by the schema.
 */
export function cells(segments: readonly Segment[]): number {
  let n = 0;
  for (const s of segments) n += s.text.length;
  return n;
}

/** Exactly `width` cells: later segments are cut (the last kept one ends in …), or spaces are added. */
export function fitLine(segments: readonly Segment[], width: number): Segment[] {
  const out: Segment[] = [];
  let used = 0;
  for (const s of segments) {
    if (used >= width) break;
    const room = width - used;
    if (s.text.length <= room) {
      out.push(s);
      used += s.text.length;
    } else {
      out.push({ ...s, text: room === 1 ? '…' : `${s.text.slice(0, room - 1)}…` });
      used = width;
    }
  }
  if (used < width) out.push({ text: ' '.repeat(width - used) });
  return out;
}

const FG: Record<Color, number> = { red: 31, green: 32, yellow: 33, cyan: 36, gray: 90 };

/** Opening and closing SGR codes of a style (each closed by its own code, as chalk does). */
function sgr(s: Style): { open: string; close: string } | undefined {
  const open: number[] = [];
  const close: number[] = [];
  if (s.bold || s.dim) close.push(22);
  if (s.bold) open.push(1);
  if (s.dim) open.push(2);
  if (s.inverse) {
    open.push(7);
    close.push(27);
  }
  if (s.color) {
    open.push(FG[s.color]);
    close.push(39);
  }
  return open.length === 0 ? undefined : { open: `\x1b[${open.join(';')}m`, close: `\x1b[${close.join(';')}m` };
}

/** One string; with `colors`, each styled segment is wrapped in its SGR codes. */
export function render(segments: readonly Segment[], colors: boolean): string {
  let out = '';
  for (const s of segments) {
    const codes = colors && s.text !== '' ? sgr(s) : undefined;
    out += codes ? `${codes.open}${s.text}${codes.close}` : s.text;
  }
  return out;
}
