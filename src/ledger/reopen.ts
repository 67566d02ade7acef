/**
 * Opening the store, at start or again after a failed write: open LevelDB, work out what the side
 * journal's packets cost (did each failed batch reach the disk after all?), then load the state.
 */
import { lossEntry } from './loss.js';
import type { SideJournal } from './side-journal.js';
import { PageChecksumError } from './codec.js';
import { LedgerCorruptError, LedgerError } from './errors.js';
import { copyAside } from './integrity/check-store.js';
import { loadState, mapOpenError, openStore, storeLocation, type Db, type LoadedState, type WarningSink } from './store.js';
import type { JournalEntry } from './types.js';

/** An opened store, its state and the loss entries still to book. */
export interface OpenedStore {
  db: Db;
  state: LoadedState;
  losses: JournalEntry[];
  /** The batch ACKED names (0: none). */
  acked: number;
}

/** Opens `<dataDir>/ledger`; the side journal is read before the state is loaded (loading consolidates delta records). */
export async function openWithLosses(dataDir: string, capacity: number, side: SideJournal, warn?: WarningSink): Promise<OpenedStore> {
  const { db, acked } = await openStore(dataDir, warn);
  try {
    const losses: JournalEntry[] = [];
    for (const r of side.read()) {
      // The page of the failed batch exists: the write was reported failed but reached the disk.
      const landed = r.page !== '' && (await db.get(Buffer.from(r.page, 'hex'))) !== undefined;
      const loss = lossEntry(r.entry, landed);
      if (loss !== undefined) losses.push(loss);
    }
    const state = await loadState(db, capacity, acked);
    return { db, state, losses, acked };
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
