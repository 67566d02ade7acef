import { Text } from 'ink';
import type { PeerState } from '../../store/dashboard-store.js';
import { compact, padEnd, padStart } from '../../format.js';
import { BalanceBar } from '../balance-bar/balance-bar.js';

/** Column widths of the peers pane at a given total width. */
export function peerColumns(width: number) {
  const wide = width >= 100;
  const fixed = { state: 8, id: wide ? 14 : 9, relation: 6, bar: wide ? 25 : 17, balance: wide ? 10 : 8, limits: wide ? 24 : 11 };
  const used = fixed.state + fixed.id + fixed.relation + fixed.bar + fixed.balance + fixed.limits + 6;
  return { ...fixed, wide, settlement: Math.max(0, width - used) };
}

function connection(p: Readonly<PeerState>): { text: string; color: string } {
  if (p.connected) return { text: 'up', color: 'green' };
  if (p.reconnectAttempt !== undefined) return { text: `retry ${p.reconnectAttempt}`, color: 'yellow' };
  return { text: 'down', color: 'red' };
}

/** The settlement column: the last step seen for this peer. */
export function settlementText(p: Readonly<PeerState>): { text: string; color?: string } {
  const s = p.settlement;
  switch (s.state) {
    case 'required':
      return { text: `due ${compact(s.detail ?? '0')}`, color: 'yellow' };
    case 'claim-sent':
      return { text: `claim sent ${compact(s.detail ?? '0')}` };
    case 'claim-received':
      return { text: `claim recv ${compact(s.detail ?? '0')}` };
    case 'redeemed':
      return { text: `redeemed ${compact(s.detail ?? '0')}`, color: 'green' };
    case 'failed':
      return { text: `failed: ${s.detail ?? ''}`, color: 'red' };
    default:
      return { text: p.settleThreshold === undefined ? 'off' : 'idle', color: 'gray' };
  }
}

export interface PeerRowProps {
  readonly peer: Readonly<PeerState>;
  readonly width: number;
}

export function PeerRow({ peer, width }: PeerRowProps) {
  const c = peerColumns(width);
  const conn = connection(peer);
  const limit = peer.creditLimit === undefined ? '∞' : compact(peer.creditLimit);
  const threshold = peer.settleThreshold === undefined ? '-' : compact(peer.settleThreshold);
  const limits = c.wide ? `limit ${limit} · settle ${threshold}` : `${limit}/${threshold}`;
  const settle = settlementText(peer);
  return (
    <Text wrap="truncate">
      <Text color={conn.color}>{padEnd(conn.text, c.state)}</Text> {padEnd(peer.id, c.id)} <Text dimColor>{padEnd(peer.relation ?? '', c.relation)}</Text>{' '}
      <BalanceBar balance={peer.balance} settleThreshold={peer.settleThreshold} creditLimit={peer.creditLimit} width={c.bar} />{' '}
      {padStart(compact(peer.balance), c.balance)} <Text dimColor>{padEnd(limits, c.limits)}</Text>{' '}
      <Text color={settle.color}>{padEnd(settle.text, c.settlement)}</Text>
    </Text>
  );
}
