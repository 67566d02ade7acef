import type { ActivityRecord, ChannelState, SettlementTotals } from '../../store/dashboard-store.js';
import { clock, compact } from '../../format.js';
import { SPACE, col, type Color, type Segment } from '../line/segments.js';

/** `0x1234…cdef` */
export function shortHash(h: string, keep = 6): string {
  return h.length <= keep + 5 ? h : `${h.slice(0, keep)}…${h.slice(-4)}`;
}

/** An on-chain transaction's state as a channel event reports it. */
const CHANNEL_TX_STATUS: Record<string, string> = { opened: 'confirmed', funded: 'confirmed', closing: 'pending', settled: 'settled' };

const OPERATION_COLOR: Record<string, Color | undefined> = { pending: 'yellow', reorged: 'red', failed: 'red', final: 'green' };

/** What one settlement or channel event says, in columns: kind, amount, detail (and a colour). */
export function describeActivity(e: ActivityRecord): { kind: string; amount: string; detail: string; color?: Color } {
  switch (e.type) {
    case 'settlement:required':
      return { kind: 'settle due', amount: e.owed, detail: `threshold ${compact(e.threshold)}`, color: 'yellow' };
    case 'settlement:claim-sent':
      return { kind: 'claim sent', amount: e.amount, detail: `cum ${compact(e.cumulative)} · ch ${shortHash(e.channelId)}` };
    case 'settlement:claim-received':
      return { kind: 'claim recv', amount: e.amount, detail: `cum ${compact(e.cumulative)} · ch ${shortHash(e.channelId)}` };
    case 'settlement:redeemed':
      return { kind: 'redeemed', amount: e.amount, detail: `tx ${shortHash(e.txHash)} confirmed`, color: 'green' };
    case 'settlement:failed':
      return { kind: 'failed', amount: '', detail: e.reason, color: 'red' };
    case 'settlement:auto-deposit':
      return {
        kind: 'auto deposit',
        amount: e.amount,
        detail: e.outcome === 'deposited' ? `deposit now ${compact(e.deposit ?? '0')} · ch ${shortHash(e.channelId)}` : `${e.outcome}: ${e.reason ?? ''}`,
        color: e.outcome === 'deposited' ? 'green' : 'red',
      };
    case 'settlement:operation': {
      // The state first, then the transaction: at 80 columns the channel id is what gets cut.
      const state = e.state === 'pending' ? `pending ${e.confirmations}/${e.required}` : e.state === 'failed' ? `failed: ${e.reason ?? ''}` : e.state;
      const tx = e.txHash ? ` · tx ${shortHash(e.txHash)}` : '';
      const ch = e.channelId ? ` · ch ${shortHash(e.channelId)}` : '';
      return { kind: e.operation, amount: e.amount ?? '', detail: `${state}${tx}${ch}`, color: OPERATION_COLOR[e.state] };
    }
    default: {
      const state = e.type.slice('channel:'.length);
      // The transaction and its state first: at 80 columns the channel id is what gets cut.
      const tx = e.txHash ? `tx ${shortHash(e.txHash)} ${CHANNEL_TX_STATUS[state]} · ` : '';
      return { kind: `channel ${state}`, amount: e.deposit ?? '', detail: `${tx}ch ${shortHash(e.channelId)}`, color: state === 'closing' ? 'yellow' : undefined };
    }
  }
}

/** time, kind, peer, chain, amount, detail. */
export function activitySegments(e: ActivityRecord, width: number): Segment[] {
  const d = describeActivity(e);
  const peer = width >= 100 ? 14 : 9;
  return [
    col(clock(e.ts), 8, { dim: true }),
    SPACE,
    col(d.kind, 14, { color: d.color }),
    SPACE,
    col(e.peerId, peer),
    SPACE,
    col('chain' in e ? e.chain : '', 5, { dim: true }),
    SPACE,
    col(d.amount ? compact(d.amount) : '', 8, { align: 'right' }),
    SPACE,
    { text: d.detail, color: d.color === 'red' ? 'red' : undefined },
  ];
}

/**
 * `claims sent 3 (4.5k) · received 2 (3.0k) · redeemed 1 · failed 0 · channels 2 open · tx pending 1
 * (deposit 1/3)`. Counts are since the dashboard started; channels only once one has been seen (the
 * node's snapshot has none); our transactions waiting for confirmations, else how many became final.
 */
export function settlementSummary(t: Readonly<SettlementTotals>, channels: readonly Readonly<ChannelState>[]): Segment[] {
  const open = channels.filter((c) => c.state !== 'settled').length;
  return [
    { text: `claims sent ${t.claimsSent} (${compact(t.claimsSentAmount)}) · received ${t.claimsReceived} (${compact(t.claimsReceivedAmount)}) · redeemed ${t.redeemed} · ` },
    { text: `failed ${t.failed}`, color: t.failed > 0 ? 'red' : undefined },
    { text: channels.length > 0 ? ` · channels ${open} open` : '' },
    { text: lowChannels(channels), color: 'red' },
    t.operationsPending > 0
      ? { text: ` · tx pending ${t.operationsPending}${t.pendingOperation === undefined ? '' : ` (${t.pendingOperation})`}`, color: 'yellow' }
      : { text: t.operationsFinal > 0 ? ` · tx final ${t.operationsFinal}` : '' },
  ];
}

/**
 * ` · LOW bob evm 50 of 1000 left` for each open channel our latest claim leaves under 10% of its
 * deposit (the explorer's `nearEmpty` rule: events carry no `autoDeposit.below`, so one rule for all).
 */
export function lowChannels(channels: readonly Readonly<ChannelState>[]): string {
  let out = '';
  for (const c of channels) {
    if (c.state === 'settled' || c.state === 'closing' || !/^\d+$/.test(c.deposit ?? '') || !/^\d+$/.test(c.claimed ?? '')) continue;
    const deposit = BigInt(c.deposit ?? 0);
    const left = deposit - BigInt(c.claimed ?? 0);
    if (deposit > 0n && left * 10n < deposit) out += ` · LOW ${c.peerId} ${c.chain} ${compact(left > 0n ? left : 0n)} of ${compact(deposit)} left`;
  }
  return out;
}
