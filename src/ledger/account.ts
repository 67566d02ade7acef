/**
 * In-memory state of one account: its durable balance, and for peer accounts the reservations,
 * limits and the not-yet-durable increases the credit limit must already count.
 */
import { PREFIX_BALANCE, prefixedKey } from './codec.js';
import type { AccountId } from './types.js';

const PEER_PREFIX = 'peer:';

/** What every backend keeps of an account (the group-commit lane and the shared ledger calls use these). */
export interface LaneAccount {
  readonly id: AccountId;
  /** Balance as stored (durable). */
  balance: bigint;
  /** Has a stored balance (loaded or written). Accounts only reserved on or limited are not listed. */
  booked: boolean;
  /** The peer id for `peer:<id>` accounts, else undefined. */
  readonly peerId: string | undefined;
  /** Positive postings committed but not yet durable: counted against the credit limit at once. */
  pendingUp: bigint;
  reserved: bigint;
  creditLimit: bigint | undefined;
  settleThreshold: bigint | undefined;
}

/**
 * One account as the LevelDB ledger tracks it; `balance` is base + the deltas of every written batch.
 * Mutable on purpose: the hot path updates it in place.
 */
export interface Account extends LaneAccount {
  /** Its balance key, built once. */
  readonly key: Buffer;
  /** Its `b` record (the base the delta records are added to); changed only by consolidation, import, open. */
  base: bigint;
  /** Scratch while a batch is built (synchronously): its change and the batch's mark. */
  delta: bigint;
  mark: number;
}

/** A fresh account with a zero balance (the id must already be validated). */
export function newAccount(id: AccountId): Account {
  return {
    id,
    key: prefixedKey(PREFIX_BALANCE, id),
    balance: 0n,
    base: 0n,
    booked: false,
    peerId: id.startsWith(PEER_PREFIX) ? id.slice(PEER_PREFIX.length) : undefined,
    pendingUp: 0n,
    reserved: 0n,
    creditLimit: undefined,
    settleThreshold: undefined,
    delta: 0n,
    mark: 0,
  };
}

/** Adds (sign 1) or removes (sign -1) an entry's not-yet-durable increases on peer accounts. */
export function trackPendingUp(accts: readonly LaneAccount[], amounts: readonly { amount: bigint }[], sign: 1 | -1): void {
  for (let i = 0; i < accts.length; i++) {
    const a = accts[i];
    const amount = amounts[i].amount;
    if (a.peerId === undefined || amount <= 0n) continue;
    if (sign === 1) a.pendingUp += amount;
    else a.pendingUp -= amount;
  }
}
