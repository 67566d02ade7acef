import type { PeerState } from '../../store/dashboard-store.js';
import { compact, fitAmount } from '../../format.js';
import { barSegments } from '../balance-bar/bar.js';
import { SPACE, col, type Color, type Segment } from '../line/segments.js';

/** Column widths of the peers pane at a given total width. */
export function peerColumns(width: number) {
  const wide = width >= 100;
  const fixed = { state: 8, id: wide ? 14 : 9, relation: 6, bar: wide ? 19 : 11, balance: wide ? 16 : 14, limits: wide ? 26 : 11 };
  const used = fixed.state + fixed.id + fixed.relation + fixed.bar + fixed.balance + fixed.limits + 6;
  return { ...fixed, wide, settlement: Math.max(0, width - used) };
}

function connection(p: Readonly<PeerState>): { text: string; color: Color } {
  if (p.connected) return { text: 'up', color: 'green' };
  if (p.reconnectAttempt !== undefined) return { text: `retry ${p.reconnectAttempt}`, color: 'yellow' };
  return { text: 'down', color: 'red' };
}

/**
 * The settlement column: the last step seen for this peer. An ILP-over-HTTP peer cannot settle (claims
 * need BTP): its column shows the transport and its requests instead (out, failed, in).
 */
export function settlementText(p: Readonly<PeerState>): { text: string; color?: Color } {
  if (p.transport === 'http') {
    const h = p.http;
    if (h === undefined) return { text: 'http', color: 'gray' };
    return { text: `http out ${compact(h.sent)}${h.failed > 0 ? ` (${compact(h.failed)} failed)` : ''} · in ${compact(h.received)}`, color: h.failed > 0 ? 'yellow' : undefined };
  }
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

/** state, id, relation, balance bar, balance (with its asset: `12.500000 XRP`), limit/threshold (units), settlement. */
export function peerSegments(p: Readonly<PeerState>, width: number): Segment[] {
  const c = peerColumns(width);
  const conn = connection(p);
  const limit = p.creditLimit === undefined ? '∞' : compact(p.creditLimit);
  const threshold = p.settleThreshold === undefined ? '-' : compact(p.settleThreshold);
  const settle = settlementText(p);
  return [
    col(conn.text, c.state, { color: conn.color }),
    SPACE,
    col(p.id, c.id),
    SPACE,
    col(p.relation ?? '', c.relation, { dim: true }),
    SPACE,
    ...barSegments(p.balance, p.settleThreshold, p.creditLimit, c.bar),
    SPACE,
    col(fitAmount(p.balance, p.asset, c.balance), c.balance, { align: 'right' }),
    SPACE,
    col(c.wide ? `limit ${limit} · settle ${threshold}` : `${limit}/${threshold}`, c.limits, { dim: true }),
    SPACE,
    col(settle.text, c.settlement, { color: settle.color }),
  ];
}
