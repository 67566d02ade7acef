import { Text } from 'ink';
import type { ActivityRecord } from '../../store/dashboard-store.js';
import { clock, compact, padEnd, padStart } from '../../format.js';

/** `0x1234…cdef` */
export function shortHash(h: string, keep = 6): string {
  return h.length <= keep * 2 + 1 ? h : `${h.slice(0, keep)}…${h.slice(-4)}`;
}

const CHANNEL_TX_STATUS: Record<string, string> = { opened: 'confirmed', funded: 'confirmed', closing: 'pending', settled: 'settled' };

/** What one settlement or channel event says, in columns: kind, amount, detail (and a colour). */
export function describeActivity(e: ActivityRecord): { kind: string; amount: string; detail: string; color?: string } {
  switch (e.type) {
    case 'settlement:required':
      return { kind: 'settle due', amount: e.owed, detail: `threshold ${compact(e.threshold)}`, color: 'yellow' };
    case 'settlement:claim-sent':
      return { kind: 'claim sent', amount: e.amount, detail: `cumulative ${compact(e.cumulative)} · ch ${shortHash(e.channelId)}` };
    case 'settlement:claim-received':
      return { kind: 'claim recv', amount: e.amount, detail: `cumulative ${compact(e.cumulative)} · ch ${shortHash(e.channelId)}` };
    case 'settlement:redeemed':
      return { kind: 'redeemed', amount: e.amount, detail: `tx ${shortHash(e.txHash)} confirmed`, color: 'green' };
    case 'settlement:failed':
      return { kind: 'failed', amount: '', detail: e.reason, color: 'red' };
    default: {
      const state = e.type.slice('channel:'.length);
      const tx = e.txHash ? ` · tx ${shortHash(e.txHash)} ${CHANNEL_TX_STATUS[state]}` : '';
      return { kind: `channel ${state}`, amount: e.deposit ?? '', detail: `ch ${shortHash(e.channelId)}${tx}`, color: state === 'closing' ? 'yellow' : undefined };
    }
  }
}

export interface ActivityRowProps {
  readonly event: ActivityRecord;
  readonly width: number;
}

export function ActivityRow({ event: e, width }: ActivityRowProps) {
  const d = describeActivity(e);
  const peer = width >= 100 ? 14 : 9;
  const fixed = 8 + 15 + peer + 5 + 9 + 5;
  return (
    <Text wrap="truncate">
      <Text dimColor>{clock(e.ts)}</Text> <Text color={d.color}>{padEnd(d.kind, 15)}</Text> {padEnd(e.peerId, peer)} <Text dimColor>{padEnd('chain' in e ? e.chain : '', 5)}</Text>{' '}
      {padStart(d.amount ? compact(d.amount) : '', 9)} {padEnd(d.detail, Math.max(0, width - fixed))}
    </Text>
  );
}
