/**
 * Payment channels as the explorer shows them, folded from channel and settlement events: state,
 * deposit, the latest claim each way, and every transaction hash seen. Kept apart from the event
 * ring so a channel opened hours ago still shows after its events have been pruned; bounded by
 * `maxChannels` (the least recently active channel is dropped first).
 */
import type { NodeEvent } from '../../events.js';

export interface ChannelTx {
  /** the event that carried it: channel:opened, settlement:redeemed, … */
  event: string;
  txHash: string;
  /** ms since the epoch */
  ts: number;
  amount?: string;
}

export interface ChannelClaim {
  /** the claim's increase (node asset units) */
  amount: string;
  /** the cumulative amount the claim signs for */
  cumulative: string;
  ts: number;
}

/** One of our transactions on the channel (a settlement:operation), in its latest state. */
export interface ChannelOperation {
  operationId: string;
  /** open, deposit, withdraw, redeem, close, settle */
  operation: string;
  /** pending, final, failed, reorged */
  state: string;
  txHash?: string;
  confirmations: number;
  required: number;
  amount?: string;
  reason?: string;
  ts: number;
}

export interface ChannelInfo {
  channelId: string;
  peerId: string;
  chain: string;
  /** opened, funded, closing, settled; or 'unknown' when only claims were seen */
  state: string;
  deposit?: string;
  lastClaimSent?: ChannelClaim;
  lastClaimReceived?: ChannelClaim;
  /** sum redeemed on-chain (node asset units) */
  redeemed: string;
  transactions: ChannelTx[];
  /** our transactions on it, newest first (at most 10), each in its latest state */
  operations: ChannelOperation[];
  /** how many of them are not final yet (pending or reorged) */
  pendingOperations: number;
  /** ms since the epoch of the last event */
  updatedAt: number;
  /** our outgoing channel: deposit − our latest claim (node asset units), once both are known */
  remaining?: string;
  /** remaining is below 10% of the deposit (see nearEmpty) */
  nearEmpty: boolean;
}

/**
 * A channel nearly out of deposit: what it still covers beyond our latest claim is below 10% of its
 * deposit. The explorer and the TUI see events only, not a peer's `autoDeposit.below`, so they use this
 * one rule for every channel (with autoDeposit the node tops it up and reports each outcome anyway).
 */
export function nearEmpty(deposit: bigint, claimed: bigint): boolean {
  return deposit > 0n && (deposit - claimed) * 10n < deposit;
}

function updateRemaining(c: ChannelInfo): void {
  if (c.deposit === undefined || c.lastClaimSent === undefined) return;
  const deposit = safeBig(c.deposit);
  const claimed = safeBig(c.lastClaimSent.cumulative);
  c.remaining = (deposit > claimed ? deposit - claimed : 0n).toString();
  c.nearEmpty = nearEmpty(deposit, claimed);
}

/** Transactions kept per channel (the newest). */
const MAX_TX_PER_CHANNEL = 50;
/** Operations kept per channel (the newest). */
const MAX_OPERATIONS_PER_CHANNEL = 10;

export class ChannelView {
  private readonly channels = new Map<string, ChannelInfo>();

  constructor(private readonly maxChannels = 1000) {}

  /** Folds one event in (ignores events that are not about channels). */
  apply(e: NodeEvent): void {
    switch (e.type) {
      case 'channel:opened':
      case 'channel:funded':
      case 'channel:closing':
      case 'channel:settled': {
        const c = this.touch(e.channelId, e.peerId, e.chain, e.ts);
        c.state = e.type.slice('channel:'.length);
        if (e.deposit !== undefined) c.deposit = e.deposit;
        updateRemaining(c);
        if (e.txHash) this.addTx(c, { event: e.type, txHash: e.txHash, ts: e.ts, ...(e.deposit === undefined ? {} : { amount: e.deposit }) });
        break;
      }
      case 'settlement:claim-sent': {
        const c = this.touch(e.channelId, e.peerId, e.chain, e.ts);
        c.lastClaimSent = { amount: e.amount, cumulative: e.cumulative, ts: e.ts };
        updateRemaining(c);
        break;
      }
      case 'settlement:claim-received':
        this.touch(e.channelId, e.peerId, e.chain, e.ts).lastClaimReceived = { amount: e.amount, cumulative: e.cumulative, ts: e.ts };
        break;
      case 'settlement:redeemed': {
        const c = this.touch(e.channelId, e.peerId, e.chain, e.ts);
        c.redeemed = (safeBig(c.redeemed) + safeBig(e.amount)).toString();
        if (e.txHash) this.addTx(c, { event: e.type, txHash: e.txHash, ts: e.ts, amount: e.amount });
        break;
      }
      case 'settlement:operation': {
        if (e.channelId === '') break; // an open before its channel id is known: its final event names it
        const c = this.touch(e.channelId, e.peerId, e.chain, e.ts);
        const op: ChannelOperation = {
          operationId: e.operationId,
          operation: e.operation,
          state: e.state,
          confirmations: e.confirmations,
          required: e.required,
          ts: e.ts,
          ...(e.txHash === undefined ? {} : { txHash: e.txHash }),
          ...(e.amount === undefined ? {} : { amount: e.amount }),
          ...(e.reason === undefined ? {} : { reason: e.reason }),
        };
        c.operations = [op, ...c.operations.filter((o) => o.operationId !== e.operationId)].slice(0, MAX_OPERATIONS_PER_CHANNEL);
        c.pendingOperations = c.operations.filter((o) => o.state === 'pending' || o.state === 'reorged').length;
        break;
      }
      default:
        break;
    }
  }

  /** Every channel, the most recently active first. */
  list(): ChannelInfo[] {
    return [...this.channels.values()].reverse();
  }

  private touch(channelId: string, peerId: string, chain: string, ts: number): ChannelInfo {
    let c = this.channels.get(channelId);
    if (c === undefined) {
      c = { channelId, peerId, chain, state: 'unknown', redeemed: '0', transactions: [], operations: [], pendingOperations: 0, updatedAt: ts, nearEmpty: false };
      if (this.channels.size >= this.maxChannels) {
        const oldest = this.channels.keys().next().value;
        if (oldest !== undefined) this.channels.delete(oldest);
      }
    } else {
      // Re-insert so Map order is least recently active first.
      this.channels.delete(channelId);
    }
    c.updatedAt = ts;
    this.channels.set(channelId, c);
    return c;
  }

  private addTx(c: ChannelInfo, tx: ChannelTx): void {
    c.transactions.push(tx);
    if (c.transactions.length > MAX_TX_PER_CHANNEL) c.transactions.shift();
  }
}

function safeBig(s: string): bigint {
  try {
    return BigInt(s);
  } catch {
    return 0n;
  }
}
