/**
 * Cluster instances share the books: each one's balances in memory are read back from the database
 * now and then (PostgresLedger.refreshBalances), since other instances book into the same accounts.
 */
import type { AccountId } from '../types.js';
import type { PgAccount } from './pg-lane.js';

/** Sets every account to its stored balance; answers the accounts whose balance changed, with the new one. */
export function applyStored(stored: ReadonlyMap<AccountId, bigint>, account: (id: AccountId) => PgAccount): Map<AccountId, bigint> {
  const changed = new Map<AccountId, bigint>();
  for (const [id, b] of stored) {
    const a = account(id);
    a.booked = true;
    if (a.balance === b) continue;
    a.balance = b;
    changed.set(id, b);
  }
  return changed;
}
