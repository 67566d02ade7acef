/**
 * Storage-fault signals of the LevelDB store, for `/metrics` and the node's events: damage found
 * (at open, at a reopen after a failed write, or where a damaged page is read: verify, export,
 * folding), torn log tails dropped at open, the side journal's packets waiting and booked, and
 * reopen attempts while faulted. Plain numbers read when Prometheus scrapes; nothing here runs per
 * packet.
 */
import { LedgerCorruptError, type LedgerError } from './errors.js';

/** Where damage was found, as `ledger:corrupt` events and the corruption counter name it. */
export type CorruptionPhase = 'open' | 'reopen' | 'read';

/** One damage report: the file and byte offset when the check names them. */
export interface CorruptionInfo {
  phase: CorruptionPhase;
  /** The damaged file (the store folder when no single file is named). */
  file: string;
  offset?: number;
  /** What is wrong, without the file and offset. */
  reason: string;
  /** Where the store was copied before anything touched it. */
  copiedTo?: string;
  /** The full message (LEDGER_CORRUPT's). */
  message: string;
}

/** The counters; every one starts at 0 when the ledger opens. */
export interface StoreSignalCounts {
  /** Damage reports, by where they were found (each distinct damage once). */
  corruptions: Record<CorruptionPhase, number>;
  /** The newest damage report. */
  lastCorruption: CorruptionInfo | undefined;
  /** Torn final log records (writes never acknowledged) dropped at open or reopen. */
  tornTails: number;
  /** Packets in the side journal not booked yet (paid downstream, rejected upstream, store failing). */
  sidePending: number;
  /** Side journal packets booked as loss entries (at open or after a reopen). */
  sideReplayed: number;
  /** Times the faulted ledger tried to reopen its store, and how many of those failed. */
  reopenAttempts: number;
  reopenFailures: number;
}

/** The counters and the one place that turns a LEDGER_CORRUPT error into a report. */
export class StoreSignals implements StoreSignalCounts {
  corruptions: Record<CorruptionPhase, number> = { open: 0, reopen: 0, read: 0 };
  lastCorruption: CorruptionInfo | undefined;
  tornTails = 0;
  sidePending = 0;
  sideReplayed = 0;
  reopenAttempts = 0;
  reopenFailures = 0;
  /** Hears each distinct damage once (a background fold retrying on the same page reports it once). */
  onCorrupt?: (info: CorruptionInfo) => void;
  private readonly seen = new Set<string>();

  /** Counts and reports `err` when it is LEDGER_CORRUPT; returns whether it was. */
  corrupt(err: unknown, phase: CorruptionPhase): boolean {
    if ((err as LedgerError | undefined)?.code !== 'LEDGER_CORRUPT') return false;
    const info = corruptionInfo(err as LedgerError, phase);
    if (this.seen.has(info.message)) return true;
    this.seen.add(info.message);
    this.corruptions[phase]++;
    this.lastCorruption = info;
    if (this.onCorrupt) {
      try {
        this.onCorrupt(info);
      } catch {
        // a listener's failure is not the store's
      }
    }
    return true;
  }
}

/** The report of a LEDGER_CORRUPT error (LedgerCorruptError names file and offset; a page error names the batch). */
export function corruptionInfo(err: LedgerError, phase: CorruptionPhase, storeDir = ''): CorruptionInfo {
  if (err instanceof LedgerCorruptError) {
    const reason = (err.details as { reason?: string } | undefined)?.reason ?? err.message;
    return { phase, file: err.file, ...(err.offset !== undefined ? { offset: err.offset } : {}), reason, ...(err.copiedTo !== undefined ? { copiedTo: err.copiedTo } : {}), message: err.message };
  }
  return { phase, file: storeDir, reason: err.message.replace(/^The ledger is damaged: /, ''), message: err.message };
}
