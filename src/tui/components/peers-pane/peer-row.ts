import type { PeerState } from '../../store/dashboard-store.js';
import { compact, fitAmount, fitValue, type AssetView } from '../../format.js';
import { barSegments } from '../balance-bar/bar.js';
import { SPACE, col, type Color, type Segment } from '../line/segments.js';

/** Column widths of the peers pane at a given total width. */
export function peerColumns(width: number) {
  const wide = width >= 100;
  // limits: two amounts with their asset; from 110 columns on they grow to 15 characters each (`12.500000 XRP`)
  const limits = wide ? 27 + Math.min(6, Math.max(0, width - 110)) : 15;
  const fixed = { state: 8, id: wide ? 14 : 9, relation: 6, bar: wide ? 19 : 11, balance: wide ? 16 : 14, limits };
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

/**
 * The credit limit and settle threshold in the peer's asset (issue 19), `∞` for no limit and `-` for
 * no threshold. Wide: each amount as balances show it, right-aligned (`1.000000 XRP / 0.005000 XRP`);
 * narrow: both values and the asset named once (`1/0.005 XRP`). Unknown asset: the units, compact.
 */
export function limitsText(p: Readonly<Pick<PeerState, 'creditLimit' | 'settleThreshold' | 'asset'>>, width: number, wide: boolean): string {
  const asset: AssetView | undefined = p.asset;
  if (asset === undefined) {
    const limit = p.creditLimit === undefined ? '∞' : compact(p.creditLimit);
    const threshold = p.settleThreshold === undefined ? '-' : compact(p.settleThreshold);
    return wide ? `limit ${limit} · settle ${threshold}` : `${limit}/${threshold}`;
  }
  if (wide) {
    const half = (width - 3) >> 1;
    const limit = p.creditLimit === undefined ? '∞' : fitAmount(p.creditLimit, asset, half);
    const threshold = p.settleThreshold === undefined ? '-' : fitAmount(p.settleThreshold, asset, width - 3 - half);
    return `${limit.padStart(half)} / ${threshold.padStart(width - 3 - half)}`;
  }
  const room = width - asset.code.length - 2; // "a/b CODE": one slash, one space
  const half = Math.max(1, room >> 1);
  const limit = p.creditLimit === undefined ? '∞' : fitValue(p.creditLimit, asset, half);
  const threshold = p.settleThreshold === undefined ? '-' : fitValue(p.settleThreshold, asset, Math.max(1, room - limit.length));
  return `${limit}/${threshold} ${asset.code}`;
}

/** state, id, relation, balance bar, balance (with its asset: `12.500000 XRP`), limit / threshold (in the asset too), settlement. */
export function peerSegments(p: Readonly<PeerState>, width: number): Segment[] {
  const c = peerColumns(width);
  const conn = connection(p);
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
    col(limitsText(p, c.limits, c.wide), c.limits, { dim: true }),
    SPACE,
    col(settle.text, c.settlement, { color: settle.color }),
  ];
}
