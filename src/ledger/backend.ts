/**
 * The ledger's backend interface: what the node's packet path, settlement and tools need from a
 * book of record. `Ledger` (LevelDB, embedded) implements it; a PostgreSQL backend (the cluster
 * issue) implements the same, so the node never knows which one it runs on.
 *
 * Rules every backend keeps (DESIGN.md "The ledger", "Second wave"):
 * - `reserve` is synchronous and in memory (the packet path cannot wait for a database round trip);
 *   a clustered backend holds per-peer reservation budgets leased from the database.
 * - `commit` calls back only after the entry is durable (group commit: one write per batch); a
 *   failed write makes the backend fail-stop (`fault` set, `reserve` refuses) until it recovers.
 * - Every entry sums to zero per asset: accounts carry one asset each; in this build the asset of
 *   `peer:`, `agent`, `fees`, `onchain` and channel accounts is known to the node (the peer's
 *   configured asset, else the node's) and `exchange:`/`fees:` accounts name theirs (assets.ts).
 *   A PostgreSQL backend stores the asset as a column of its accounts table.
 * - Ids that may repeat (claims, redemptions) are booked once; packet ids marked `fresh` skip that check.
 */
import type { AccountId, JournalEntry, LedgerSnapshot, PeerLimits, Reservation, VerifyResult } from './types.js';
import type { LedgerFault } from './write-lane.js';
import type { LedgerAsset } from './assets.js';

/** Called once a commit is durable (err undefined) or refused; `ctx` is what was passed to commit. */
export type CommitCallback = (err: Error | undefined, ctx?: unknown) => void;

/** A book of record the node can run on. */
export interface LedgerBackend {
  /** Sets a peer's credit limit and settle threshold (asset units of that peer). */
  setLimits(peerId: string, limits: PeerLimits): void;
  /** Holds `amount` against the peer's credit limit; false = over the limit (T04) or failed-stop. */
  reserve(peerId: string, amount: bigint): boolean;
  /** Returns a reservation of a rejected or expired packet. */
  release(peerId: string, amount: bigint): void;
  /** Books an entry atomically with releasing its reservation; `cb` after the write is durable. */
  commit(entry: JournalEntry, reservation: Reservation | undefined, cb: CommitCallback, ctx?: unknown): void;
  /** `commit` as a promise (settlement and tools; the packet path uses the callback form). */
  commitAsync(entry: JournalEntry, reservation?: Reservation): Promise<void>;
  /** A journal entry by id while it is in the journal (a tool's lookup, never per packet). */
  getEntry(id: string): Promise<JournalEntry | undefined>;
  /** Resolves when every commit made so far is durable (or has failed). */
  flush(): Promise<void>;
  /** Durable balance of an account (positive: it owes us). */
  balance(account: AccountId): bigint;
  /** Every booked account's durable balance. */
  balances(): Map<AccountId, bigint>;
  /** What is reserved on a peer now. */
  reserved(peerId: string): bigint;
  /** Recomputes every balance from checkpoints + journal. */
  verify(): Promise<VerifyResult>;
  exportSnapshot(): Promise<LedgerSnapshot>;
  importSnapshot(snapshot: LedgerSnapshot): Promise<void>;
  /** The write failure the backend stopped on, or undefined while it takes money. */
  readonly fault: LedgerFault | undefined;
  /** Fired after each durable batch with the touched accounts' balances. */
  onBalanceChanged?: (changes: ReadonlyMap<AccountId, bigint>) => void;
  /** Fired when what we owe a peer reaches its settle threshold. */
  onSettlementRequired?: (peerId: string, owed: bigint, threshold: bigint) => void;
  /** Fired when the first write fails (the backend stops taking money until it recovers). */
  onFault?: (fault: LedgerFault) => void;
  /** Fired when the backend took the losses of its fault and takes money again. */
  onRecovered?: (info: { lossesBooked: number; downMs: number }) => void;
  /** The node's data directory (LevelDB: the store's home; PostgreSQL: where the side journal lives). */
  readonly dataDir: string;
  /** Each account's recorded asset (optional: a backend without asset records gives every account the node's). */
  accountAssets?(): Promise<Map<AccountId, LedgerAsset>>;
  /** Records accounts' assets durably (start, peer added or changed); never on the packet path. */
  recordAssets?(assets: Iterable<[AccountId, LedgerAsset]>): Promise<void>;
  /** Waits for every batch in flight, then releases the store. */
  close(): Promise<void>;
}
