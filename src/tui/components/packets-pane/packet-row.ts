import type { PacketRecord } from '../../store/dashboard-store.js';
import { clock, describeCode, fitAmount, type AssetView } from '../../format.js';
import { SPACE, col, type Color, type Segment } from '../line/segments.js';

/**
 * Column widths of the packet pane at a given total width. Below 100 columns the clock goes (0 wide)
 * so that two amounts with their assets leave the destination room.
 */
export function packetColumns(width: number) {
  const wide = width >= 100;
  const fixed = { time: wide ? 8 : 0, dir: 3, route: wide ? 17 : 11, amount: wide ? 15 : 11, latency: wide ? 6 : 4 };
  const rest = Math.max(0, width - (fixed.time + (wide ? 1 : 0) + fixed.dir + fixed.route + 2 * fixed.amount + fixed.latency + 6));
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

/** What the packet's sender gave (in its asset) and what went to the next hop (in that hop's asset); '' when none did. */
function amounts(p: PacketRecord): { in: string; out: string } {
  if (p.type === 'packet:late-fulfill') return { in: '', out: p.amount };
  if (p.type === 'packet:fulfilled') return { in: p.amount, out: p.amountOut };
  return { in: p.amount, out: '' };
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
  return [
    ...(c.time > 0 ? [t('time', c.time), SPACE] : []), t('dir', c.dir), SPACE, t('from→to', c.route), SPACE, t('destination', c.destination), SPACE,
    t('amount in', c.amount, 'right'), SPACE, t('amount out', c.amount, 'right'), SPACE, t('ms', c.latency, 'right'), SPACE, t('result', c.result),
  ];
}

/**
 * time (100 columns and more), direction, hops, destination, amount in (the sender's asset), amount out (the next hop's
 * asset; `-` when nothing went out), latency, result. `assets` maps peer ids and `local` to their
 * asset; an amount whose asset is unknown shows as units.
 */
export function packetSegments(p: PacketRecord, width: number, assets?: ReadonlyMap<string, AssetView>): Segment[] {
  const c = packetColumns(width);
  const r = packetResult(p);
  const a = amounts(p);
  const shown = (units: string, peer: string | undefined) => (units === '' ? '-' : fitAmount(units, peer === undefined ? undefined : assets?.get(peer), c.amount));
  return [
    ...(c.time > 0 ? [col(clock(p.ts), c.time, { dim: true }), SPACE] : []),
    col(direction(p), c.dir),
    SPACE,
    col(route(p), c.route),
    SPACE,
    col(p.destination, c.destination),
    SPACE,
    col(shown(a.in, p.type === 'packet:late-fulfill' ? undefined : p.from), c.amount, { align: 'right' }),
    SPACE,
    col(shown(a.out, p.to), c.amount, { align: 'right' }),
    SPACE,
    col(p.type === 'packet:late-fulfill' ? '-' : String(p.latencyMs), c.latency, { align: 'right' }),
    SPACE,
    col(r.text, c.result, { color: r.color }),
  ];
}
