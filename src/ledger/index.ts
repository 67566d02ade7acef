/**
 * The ledger: LevelDB balances, a journal of balanced entries, in-memory reservations, limits and
 * settlement thresholds. See DESIGN.md "The ledger" and `ledger.ts` for the write model.
 */
export { Ledger, type LedgerFault, type WriteHook } from './ledger.js';
export { accounts, entryKinds, isSpendMemo } from './types.js';
export type { CommitCallback, LedgerBackend } from './backend.js';
export type {
  AccountId,
  EntryKind,
  JournalEntry,
  LedgerOptions,
  LedgerSnapshot,
  PeerLimits,
  Posting,
  Reservation,
  SnapshotEntry,
  VerifyResult,
} from './types.js';
export type { Snapshot } from './snapshot.js';
export { LedgerCorruptError, LedgerError, LedgerFormatNewerError, LedgerInUseError, LedgerOpenError, ledgerErrorCodes, type LedgerErrorCode } from './errors.js';
export { entries, type PacketMeta } from './entries.js';
export { storeLocation } from './store.js';
export { assetKey, exchangeAccount, feesAccount, onchainAccount, assetOfAccountId, sumsPerAsset, type LedgerAsset } from './assets.js';
export { parseAssetKey, sumByRecordedAsset } from './asset-records.js';
