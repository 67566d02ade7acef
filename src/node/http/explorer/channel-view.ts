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
  /** ms since the epoch of the last event */
  updatedAt: number;
}

/** Transactions kept per channel (the newest). */
const MAX_TX_PER_CHANNEL = 50;

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
        if (e.txHash) this.addTx(c, { event: e.type, txHash: e.txHash, ts: e.ts, ...(e.deposit === undefined ? {} : { amount: e.deposit }) });
        break;
      }
      case 'settlement:claim-sent':
        this.touch(e.channelId, e.peerId, e.chain, e.ts).lastClaimSent = { amount: e.amount, cumulative: e.cumulative, ts: e.ts };
        break;
      case 'settlement:claim-received':
        this.touch(e.channelId, e.peerId, e.chain, e.ts).lastClaimReceived = { amount: e.amount, cumulative: e.cumulative, ts: e.ts };
        break;
      case 'settlement:redeemed': {
        const c = this.touch(e.channelId, e.peerId, e.chain, e.ts);
        c.redeemed = (safeBig(c.redeemed) + safeBig(e.amount)).toString();
        if (e.txHash) this.addTx(c, { event: e.type, txHash: e.txHash, ts: e.ts, amount: e.amount });
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
      c = { channelId, peerId, chain, state: 'unknown', redeemed: '0', transactions: [], updatedAt: ts };
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
