import { Text } from 'ink';
import type { PacketRecord } from '../../store/dashboard-store.js';
import { clock, compact, describeCode, grouped, padEnd, padStart } from '../../format.js';

/** Column widths of the packet pane at a given total width. */
export function packetColumns(width: number) {
  const fixed = { time: 8, dir: 3, route: width >= 100 ? 17 : 13, amount: 9, latency: 6 };
  const rest = Math.max(0, width - (fixed.time + fixed.dir + fixed.route + fixed.amount + fixed.latency + 6));
  const result = Math.max(Math.min(15, rest), Math.min(36, Math.floor(rest * 0.45)));
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
  const full = grouped(BigInt(a));
  return full.length <= width ? full : compact(a);
}

function result(p: PacketRecord): { text: string; color: string } {
  if (p.type === 'packet:fulfilled') return { text: 'fulfilled', color: 'green' };
  if (p.type === 'packet:rejected') return { text: describeCode(p.code), color: 'red' };
  return { text: 'late fulfill (not booked)', color: 'yellow' };
}

/** The column titles, aligned like the rows. */
export function packetHeading(width: number): string {
  const c = packetColumns(width);
  return [
    padEnd('time', c.time),
    padEnd('dir', c.dir),
    padEnd('from→to', c.route),
    padEnd('destination', c.destination),
    padStart('amount', c.amount),
    padStart('ms', c.latency),
    padEnd('result', c.result),
  ].join(' ');
}

export interface PacketRowProps {
  readonly packet: PacketRecord;
  readonly width: number;
}

/** time, direction, hops, destination, amount, latency, result (rejects in red with the code's name). */
export function PacketRow({ packet: p, width }: PacketRowProps) {
  const c = packetColumns(width);
  const r = result(p);
  const latency = p.type === 'packet:late-fulfill' ? '-' : `${p.latencyMs}`;
  return (
    <Text wrap="truncate">
      <Text dimColor>{padEnd(clock(p.ts), c.time)}</Text> {padEnd(direction(p), c.dir)} {padEnd(route(p), c.route)} {padEnd(p.destination, c.destination)}{' '}
      {padStart(amount(p.amount, c.amount), c.amount)} {padStart(latency, c.latency)} <Text color={r.color}>{padEnd(r.text, c.result)}</Text>
    </Text>
  );
}
