/**
 * The ledger's public types: accounts, postings, journal entries, limits, options and the snapshot.
 * Money is `bigint` in the node's asset units (its assetScale) in memory and a decimal string in JSON.
 */

/**
 * A ledger account: `peer:<id>`, `agent`, `fees`, `onchain`, `channelIn:<id>` or `channelOut:<id>`.
 * A positive balance means the account owes us.
 */
export type AccountId = string;

/**
 * Per-prefix caches of account ids, so the packet path reuses one string per account (no new string
 * to allocate and hash per packet). Bounded: past 10,000 ids per prefix, ids are built fresh.
 */
const CACHE_LIMIT = 10_000;
function cachedId(cache: Map<string, AccountId>, prefix: string, id: string): AccountId {
  let account = cache.get(id);
  if (account === undefined) {
    account = prefix + id;
    if (cache.size < CACHE_LIMIT) cache.set(id, account);
  }
  return account;
}
const peerIds = new Map<string, AccountId>();
const channelInIds = new Map<string, AccountId>();
const channelOutIds = new Map<string, AccountId>();
const spendIds = new Map<string, AccountId>();

/** Builders for account ids; use these rather than concatenating strings by hand. */
export const accounts = {
  /** A peer's account: what the peer owes us (negative: what we owe it). */
  peer: (id: string): AccountId => cachedId(peerIds, 'peer:', id),
  /** The local agent (packets it sends and packets delivered to it). */
  agent: 'agent' as AccountId,
  /** Fees this node kept when forwarding (grows negative: the fees are ours). */
  fees: 'fees' as AccountId,
  /** Value that moved on-chain (redeemed claims). */
  onchain: 'onchain' as AccountId,
  /** Payment-channel claims the peer sent us and we have not redeemed yet. */
  channelIn: (id: string): AccountId => cachedId(channelInIds, 'channelIn:', id),
  /** Payment-channel claims we sent the peer that it has not redeemed yet. */
  channelOut: (id: string): AccountId => cachedId(channelOutIds, 'channelOut:', id),
  /**
   * Memo accounts of spend policies (src/agents): a payment a policy counts adds its amount to
   * `spend:agent` (the local agent; no peer id given) or `spend:peer:<id>`, balanced by `spend`, in the
   * payment's own entry. They move no money: each one's balance is what that payer ever spent under a
   * policy, as durable as the payment, so budget windows survive a kill -9 (src/agents/policies.ts).
   */
  spend: (peerId?: string): AccountId => (peerId === undefined ? 'spend:agent' : cachedId(spendIds, 'spend:peer:', peerId)),
  /** The balancing side of every spend memo posting. */
  spendTotal: 'spend' as AccountId,
} as const;

/** True for the spend memo accounts (`spend`, `spend:agent`, `spend:peer:<id>`), which move no money. */
export function isSpendMemo(account: AccountId): boolean {
  return account.startsWith('spend') && (account.length === 5 || account.charCodeAt(5) === 58 /* : */);
}

/** One leg of a journal entry. `amount` is signed, in asset units; the legs of an entry sum to zero. */
export interface Posting {
  account: AccountId;
  amount: bigint;
}

/** What a journal entry records. */
export type EntryKind = 'packet' | 'claim-received' | 'claim-sent' | 'redeem-in' | 'redeem-out' | 'import' | 'loss';

/** Every entry kind, in the order of their one-byte code on disk (append only). */
export const entryKinds: readonly EntryKind[] = ['packet', 'claim-received', 'claim-sent', 'redeem-in', 'redeem-out', 'import', 'loss'];

/** A balanced set of postings booked atomically under one id. */
export interface JournalEntry {
  /** The packet id the node assigned at ingress (never derived from the condition or data), or a claim id. */
  id: string;
  postings: Posting[];
  kind: EntryKind;
  /** The packet's execution condition (32 bytes for ILP packets). */
  condition?: Buffer;
  /** The peer the Prepare came from (omit for the local agent). */
  sourcePeer?: string;
  /** The BTP request id of the Prepare on the source link (unsigned 32-bit). */
  requestId?: number;
  /** Booking time in ms since the epoch; the ledger sets it when absent. Folding uses it. */
  ts?: number;
  /**
   * The id was freshly minted by this process and can never have been booked before (the node's
   * packet ids: boot prefix + counter). Such an entry skips the replay lookup and the recent-id memory;
   * only a commit of the same id while it is still unwritten is deduplicated. Never set it on ids that
   * may repeat (claims, redemptions, anything received from outside), and never re-commit a fresh id
   * without it: it is not remembered.
   */
  fresh?: true;
}

/** Per-peer limits, in asset units. */
export interface PeerLimits {
  /** How far the peer may owe us (balance + reserved + amount <= creditLimit). Non-negative; undefined = unlimited. */
  creditLimit?: bigint;
  /** Positive; `onSettlementRequired` fires when -balance >= settleThreshold. Undefined = never. */
  settleThreshold?: bigint;
}

/** A reservation taken with `reserve()` and handed to `commit()` to be released atomically with the booking. */
export interface Reservation {
  peerId: string;
  amount: bigint;
}

/** Options of `Ledger.open`. */
export interface LedgerOptions {
  /** The node's data directory; the store lives in `<dataDir>/ledger`. */
  dataDir: string;
  /** Write every batch with `{sync: true}` (fdatasync before the callback): survives power loss. Default false here; the node's config default is true. */
  sync?: boolean;
  /** Journal entries older than this (ms) are folded into per-account checkpoints. Default 900000 (15 min). */
  journalRetentionMs?: number;
  /** How often (ms) the background fold runs. Default 5000. */
  compactIntervalMs?: number;
  /**
   * How many booked entry ids replay detection keeps in memory (as 16-byte fingerprints, so at most
   * 32 MB by default). Default 2,000,000. When more entries than this are inside the retention window
   * (or after a restart with more), new ids are also looked up on disk with their batch: still exact,
   * one extra read per batch.
   */
  recentIdCapacity?: number;
  /**
   * How many batches may be written at once (default 3, with `sync: true` 1: LevelDB syncs one write
   * at a time, a second batch would only queue behind it). Batches carry balance deltas, not absolute
   * balances, so LevelDB may apply them in any order. 1 writes one batch at a time; at most 16 (the
   * batches ACKED names, integrity/ack-file.ts), a higher value is taken as 16.
   */
  maxBatchesInFlight?: number;
  /** After a failed write, how often (ms) the ledger tries to reopen the store. Default 1000. */
  probeIntervalMs?: number;
  /** Warnings a person should see (a torn log tail dropped at open); the node logs them. */
  onWarning?: (message: string, details: Record<string, unknown>) => void;
  /**
   * Verified snapshots to `<dataDir>/ledger-snapshots/` every `intervalMs` (0: off, the default),
   * keeping the newest `keep` (default 3). See snapshot-files.ts.
   */
  snapshot?: { intervalMs: number; keep?: number };
}

/** Result of `Ledger.verify()`. Amounts are decimal strings. */
export interface VerifyResult {
  /** True when every stored balance equals its recomputation and the balances sum to zero. */
  ok: boolean;
  mismatches: { account: AccountId; stored: string; recomputed: string }[];
  /** Sum of the stored balances (must be "0"). */
  sum: string;
  /** Per-asset sums (`USD@9` → "0") when the accounts are in more than one asset: each must be "0". */
  assets?: Record<string, string>;
}

/** A journal entry in a snapshot: amounts as decimal strings, the condition as hex. */
export interface SnapshotEntry {
  id: string;
  kind: EntryKind;
  ts: number;
  postings: { account: AccountId; amount: string }[];
  condition?: string;
  sourcePeer?: string;
  requestId?: number;
}

/**
 * The JSON backup of a ledger: stored balances, the checkpoints older entries were folded into, and
 * the journal still inside the retention window. balances = checkpoints + sum of the journal, per account.
 */
export interface LedgerSnapshot {
  format: 'agent-runtime-ledger';
  version: 1;
  /** ISO 8601 time of the export. */
  exportedAt: string;
  balances: Record<AccountId, string>;
  checkpoints: Record<AccountId, string>;
  journal: SnapshotEntry[];
  /** Each account's asset as `<code>@<scale>`, when the store records them (absent: the node's asset). */
  assets?: Record<AccountId, string>;
}
