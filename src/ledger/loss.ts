/**
 * What a packet that was paid downstream but never booked costs, as a journal entry.
 *
 * A packet entry's first posting is its upstream leg (the payer, `entries.*` and the pipeline build
 * them so). When its batch fails, the pipeline rejects upstream: the payer paid nothing, the next hop
 * (or the local agent) was paid. The loss entry books exactly that: every leg except the upstream
 * one and the fee, balanced against `fees` (the node's own account: a loss moves it up, a fee down).
 *
 * If the failed batch reached the disk after all (a write reported as failed whose record survived,
 * e.g. a failed fsync), the original entry is booked and the loss entry books the difference, so the
 * books end the same either way.
 */
import { accounts, isSpendMemo, type JournalEntry, type Posting } from './types.js';

/** Id of the loss entry of packet `id` (a repeat books nothing: replaying the side journal twice is harmless). */
export const lossId = (id: string): string => `loss:${id}`;

function add(into: Map<string, bigint>, postings: readonly Posting[], sign: bigint): void {
  for (const p of postings) into.set(p.account, (into.get(p.account) ?? 0n) + sign * p.amount);
}

/**
 * The entry that books the loss of packet entry `e`; `landed`: `e` itself is in the store. Undefined
 * when nothing is left to book.
 */
export function lossEntry(e: JournalEntry, landed: boolean): JournalEntry | undefined {
  // Spend memo legs (types.ts accounts.spend) move no money and count a payment nobody paid for: left
  // out, so a landed entry's memo is booked back.
  const downstream = e.postings.filter((p) => !isSpendMemo(p.account)).slice(1).filter((p) => p.account !== accounts.fees);
  let sum = 0n;
  for (const p of downstream) sum += p.amount;
  const wanted: Posting[] = [...downstream, { account: accounts.fees, amount: -sum }];
  const net = new Map<string, bigint>();
  add(net, wanted, 1n);
  if (landed) add(net, e.postings, -1n);
  const postings: Posting[] = [];
  for (const [account, amount] of net) if (amount !== 0n) postings.push({ account, amount });
  if (postings.length === 0) return undefined;
  return { id: lossId(e.id), kind: 'loss', postings, ...(e.ts !== undefined ? { ts: e.ts } : {}) };
}
