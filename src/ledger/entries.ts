/**
 * Typed builders for every entry of DESIGN.md's postings table. Each returns a balanced JournalEntry
 * ready for `Ledger.commit`. Amounts are non-negative bigints in asset units.
 *
 * Ids: packet entries use the packet id the node assigned at ingress. Settlement entries need an id
 * that is the same when the same event is seen twice, so a replay books nothing: e.g.
 * `claim-in:<peer>:<cumulative>` for a received claim, `redeem-in:<peer>:<txHash>` for a redemption.
 */
import { accounts, type AccountId, type JournalEntry, type Posting } from './types.js';
import { checkAmount } from './validate.js';

/** Details a packet entry records besides its legs. */
export interface PacketMeta {
  condition?: Buffer;
  /** The peer the Prepare came from; omit for the local agent. */
  sourcePeer?: string;
  requestId?: number;
  ts?: number;
}

/** A packet entry; fields copied one by one (no object spread: this runs once per packet). */
function packet(id: string, postings: Posting[], meta: PacketMeta, sourcePeer: string | undefined): JournalEntry {
  const e: JournalEntry = { id, kind: 'packet', postings };
  const source = meta.sourcePeer ?? sourcePeer;
  if (source !== undefined) e.sourcePeer = source;
  if (meta.condition !== undefined) e.condition = meta.condition;
  if (meta.requestId !== undefined) e.requestId = meta.requestId;
  if (meta.ts !== undefined) e.ts = meta.ts;
  return e;
}

const NO_META: PacketMeta = {};

function pair(id: string, kind: JournalEntry['kind'], debit: string, credit: string, amount: bigint, ts?: number): JournalEntry {
  checkAmount(amount, `${kind} amount`);
  const e: JournalEntry = { id, kind, postings: [{ account: debit, amount }, { account: credit, amount: -amount }] };
  if (ts !== undefined) e.ts = ts;
  return e;
}

/** Builders of balanced entries, one per row of the postings table. */
export const entries = {
  /** Forward P → Q, `amountIn` in, `amountOut` out: P +in, Q −out, fees −(in−out). */
  forward(id: string, from: string, to: string, amountIn: bigint, amountOut: bigint, meta: PacketMeta = NO_META): JournalEntry {
    checkAmount(amountIn, 'amountIn');
    checkAmount(amountOut, 'amountOut');
    if (amountOut > amountIn) throw new RangeError(`forward ${id}: amountOut ${amountOut} exceeds amountIn ${amountIn}`);
    const legs: Posting[] = [
      { account: accounts.peer(from), amount: amountIn },
      { account: accounts.peer(to), amount: -amountOut },
    ];
    if (amountIn !== amountOut) legs.push({ account: accounts.fees, amount: amountOut - amountIn });
    return packet(id, legs, meta, from);
  },

  /** Local delivery from P of a: P +a, agent −a. */
  localDelivery(id: string, from: string, amount: bigint, meta: PacketMeta = NO_META): JournalEntry {
    checkAmount(amount, 'amount');
    return packet(id, [{ account: accounts.peer(from), amount }, { account: accounts.agent, amount: -amount }], meta, from);
  },

  /** Local send to Q of a: agent +a, Q −a. */
  localSend(id: string, to: string, amount: bigint, meta: PacketMeta = NO_META): JournalEntry {
    checkAmount(amount, 'amount');
    return packet(id, [{ account: accounts.agent, amount }, { account: accounts.peer(to), amount: -amount }], meta, undefined);
  },

  /** Claim received from P, cumulative up by c: P −c, channelIn(P) +c. */
  claimReceived(id: string, peerId: string, c: bigint, ts?: number): JournalEntry {
    return pair(id, 'claim-received', accounts.channelIn(peerId), accounts.peer(peerId), c, ts);
  },

  /** Claim sent to Q worth c, booked when Q acknowledges: Q +c, channelOut(Q) −c. */
  claimSent(id: string, peerId: string, c: bigint, ts?: number): JournalEntry {
    return pair(id, 'claim-sent', accounts.peer(peerId), accounts.channelOut(peerId), c, ts);
  },

  /**
   * We redeem c of P's claims on-chain: channelIn(P) −c, onchain +c. `onchain`: the on-chain account of
   * P's asset (assets.ts onchainAccount; default `onchain`, the node's asset).
   */
  redeemIn(id: string, peerId: string, c: bigint, ts?: number, onchain: AccountId = accounts.onchain): JournalEntry {
    return pair(id, 'redeem-in', onchain, accounts.channelIn(peerId), c, ts);
  },

  /** Q redeems c of our claims on-chain: channelOut(Q) +c, onchain −c (`onchain` of Q's asset). */
  redeemOut(id: string, peerId: string, c: bigint, ts?: number, onchain: AccountId = accounts.onchain): JournalEntry {
    return pair(id, 'redeem-out', accounts.channelOut(peerId), onchain, c, ts);
  },
} as const;
