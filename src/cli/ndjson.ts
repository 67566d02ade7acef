/**
 * NDJSON event output for `start` and `demo` when stdout is piped or --json is given: one JSON event
 * per line. By default: lifecycle and stats (node:*), peer:*, settlement:* and channel:*. Per-packet
 * events are opt-in (`--events packets`), as are balance changes (`--events balances`), so a busy
 * node does not flood a pipe nobody asked to fill.
 */
import type { NodeEvent } from '../node/events.js';

/** Optional event groups for `--events`. */
export const EVENT_GROUPS = ['packets', 'balances', 'all'] as const;
export type EventGroup = (typeof EVENT_GROUPS)[number];

const ALWAYS = ['node:', 'peer:', 'settlement:', 'channel:'];

/** The filter for the chosen groups. */
export function eventFilter(groups: readonly EventGroup[] = []): (e: NodeEvent) => boolean {
  const all = groups.includes('all');
  const packets = all || groups.includes('packets');
  const balances = all || groups.includes('balances');
  return (e) => {
    if (ALWAYS.some((p) => e.type.startsWith(p))) return true;
    if (e.type.startsWith('packet:')) return packets;
    if (e.type === 'balance:changed') return balances;
    return all;
  };
}

/** Writes the selected events of a batch to stdout, one JSON document per line, in one write. */
export function writeEvents(batch: readonly NodeEvent[], keep: (e: NodeEvent) => boolean): void {
  let text = '';
  for (const e of batch) if (keep(e)) text += `${JSON.stringify(e)}\n`;
  if (text !== '') process.stdout.write(text);
}
