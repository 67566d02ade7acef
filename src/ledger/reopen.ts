/**
 * Opening the store, at start or again after a failed write: open LevelDB, work out what the side
 * journal's packets cost (did each failed batch reach the disk after all?), then load the state.
 */
import { lossEntry } from './loss.js';
import { SideJournal, sideJournalPath } from './side-journal.js';
import { AckFile } from './integrity/ack-file.js';
import { PageChecksumError } from './codec.js';
import { LedgerCorruptError, LedgerError } from './errors.js';
import { copyAside } from './integrity/check-store.js';
import { loadState, mapOpenError, openStore, storeLocation, type Db, type LoadedState, type WarningSink } from './store.js';
import type { JournalEntry, LedgerOptions } from './types.js';

/** An opened store, its state and the loss entries still to book. */
export interface OpenedStore {
  db: Db;
  state: LoadedState;
  losses: JournalEntry[];
  /** The batch ACKED names (0: none). */
  acked: number;
  /** Torn log tails LevelDB dropped (each was warned about). */
  torn: number;
}

/** Opens `<dataDir>/ledger`; the side journal is read before the state is loaded (loading consolidates delta records). */
export async function openWithLosses(dataDir: string, capacity: number, side: SideJournal, warn?: WarningSink): Promise<OpenedStore> {
  const { db, acked, torn } = await openStore(dataDir, warn);
  try {
    const losses: JournalEntry[] = [];
    for (const r of side.read()) {
      // The page of the failed batch exists: the write was reported failed but reached the disk.
      const landed = r.page !== '' && (await db.get(Buffer.from(r.page, 'hex'))) !== undefined;
      const loss = lossEntry(r.entry, landed);
      if (loss !== undefined) losses.push(loss);
    }
    const state = await loadState(db, capacity, acked);
    return { db, state, losses, acked, torn };
  } catch (err) {
    await db.close().catch(() => undefined);
    if (err instanceof PageChecksumError) {
      // a journal page damaged inside LevelDB (its own CRCs intact): refuse it like any damage, copy first
      let copiedTo: string | undefined;
      try {
        copiedTo = copyAside(dataDir, storeLocation(dataDir));
      } catch {
        // no room for a copy: nothing was changed all the same
      }
      throw new LedgerCorruptError(dataDir, storeLocation(dataDir), undefined, err.message.replace(/^The ledger is damaged: /, ''), copiedTo, err);
    }
    // a damaged table block found by LevelDB while loading: LEDGER_CORRUPT, never an internal error
    throw err instanceof LedgerError ? err : mapOpenError(dataDir, err);
  }
}

/**
 * `Ledger.open`'s files: checks the options, opens the store (losses read, not booked yet), the side
 * journal and ACKED. Throws LEDGER_INVALID_OPTIONS, or what the store's open throws.
 */
export async function openLedgerFiles(opts: LedgerOptions, capacity: number): Promise<{ side: SideJournal; ack: AckFile; opened: OpenedStore }> {
  if (typeof opts.dataDir !== 'string' || opts.dataDir === '') {
    throw new LedgerError('LEDGER_INVALID_OPTIONS', 'Ledger.open needs a dataDir', 'Pass the node data directory (config key dataDir).');
  }
  const retention = opts.journalRetentionMs;
  if (retention !== undefined && (!Number.isFinite(retention) || retention < 0)) {
    throw new LedgerError('LEDGER_INVALID_OPTIONS', `journalRetentionMs must be a non-negative number of ms, got ${retention}`, 'Fix ledger.journalRetentionMs in the config.');
  }
  const side = new SideJournal(sideJournalPath(opts.dataDir));
  const opened = await openWithLosses(opts.dataDir, capacity, side, opts.onWarning);
  const ack = new AckFile(storeLocation(opts.dataDir), opened.acked);
  try {
    side.open();
    ack.open();
  } catch (err) {
    side.close();
    await opened.db.close().catch(() => undefined);
    throw mapOpenError(opts.dataDir, err);
  }
  return { side, ack, opened };
}
