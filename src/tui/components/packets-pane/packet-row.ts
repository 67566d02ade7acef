import type { PacketRecord } from '../../store/dashboard-store.js';
import { clock, compact, describeCode, grouped } from '../../format.js';
import { SPACE, col, type Color, type Segment } from '../line/segments.js';

/** Column widths of the packet pane at a given total width. */
export function packetColumns(width: number) {
  const wide = width >= 100;
  const fixed = { time: 8, dir: 3, route: wide ? 17 : 12, amount: wide ? 9 : 8, latency: wide ? 6 : 5 };
  const rest = Math.max(0, width - (fixed.time + fixed.dir + fixed.route + fixed.amount + fixed.latency + 6));
  const result = Math.max(Math.min(15, rest), Math.min(36, Math.floor(rest * 0.5)));
  return { ...fixed, result, destination: Math.max(0, rest - result) };
}

/** in: delivered to our agent; out: sent by our agent; fwd: forwarded between peers. */
export function direction(p: PacketRecord): string {
  if (p.type === 'packet:late-fulfill') return 'fwd';
  if (p.from === 'local') return 'out';
  if (p.to === 'local') return 'in';
  return 'fwd';
}

function route(p: PacketRecord): string {
  if (p.type === 'packet:late-fulfill') return `→${p.to}`;
  return `${p.from}→${p.to || '×'}`;
}

function amount(a: string, width: number): string {
  let full: string;
  try {
    full = grouped(BigInt(a));
  } catch {
    return a;
  }
  return full.length <= width ? full : compact(a);
}

/** fulfilled (green), the reject code and its name (red), or a late fulfill (yellow). */
export function packetResult(p: PacketRecord): { text: string; color: Color } {
  if (p.type === 'packet:fulfilled') return { text: 'fulfilled', color: 'green' };
  if (p.type === 'packet:rejected') return { text: describeCode(p.code), color: 'red' };
  return { text: 'late: not booked', color: 'yellow' };
}

/** The column titles, aligned like the rows. */
export function packetHeading(width: number): Segment[] {
  const c = packetColumns(width);
  const t = (text: string, w: number, align?: 'right') => col(text, w, { dim: true, align });
  return [t('time', c.time), SPACE, t('dir', c.dir), SPACE, t('from→to', c.route), SPACE, t('destination', c.destination), SPACE, t('amount', c.amount, 'right'), SPACE, t('ms', c.latency, 'right'), SPACE, t('result', c.result)];
}

/** time, direction, hops, destination, amount, latency, result. */
export function packetSegments(p: PacketRecord, width: number): Segment[] {
  const c = packetColumns(width);
  const r = packetResult(p);
  return [
    col(clock(p.ts), c.time, { dim: true }),
    SPACE,
    col(direction(p), c.dir),
    SPACE,
    col(route(p), c.route),
    SPACE,
    col(p.destination, c.destination),
    SPACE,
    col(amount(p.amount, c.amount), c.amount, { align: 'right' }),
    SPACE,
    col(p.type === 'packet:late-fulfill' ? '-' : String(p.latencyMs), c.latency, { align: 'right' }),
    SPACE,
    col(r.text, c.result, { color: r.color }),
  ];
}
