/**
 * The side journal: packets whose next hop was paid while the store could not book them. When a
 * batch write fails the pipeline rejects upstream, so the node has paid the next hop and been paid by
 * nobody: that loss must reach the books once the store works again. Each such packet entry is
 * appended here (one JSON line, then fdatasync) before its caller hears of the failure, and is booked
 * as a `loss` entry when the store reopens (in-process, or at the next start).
 *
 * The file lives beside the store (`<dataDir>/ledger-side.journal`), opened once at start so an
 * unwritable store folder does not stop it. It is small and touched only on the failure path, so it
 * uses synchronous calls: the record is on disk before the Reject goes upstream.
 */
import { closeSync, fdatasyncSync, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { JournalEntry, Posting } from './types.js';

/** One recorded packet: the entry that failed to book and the key its batch's page would have had. */
export interface SideRecord {
  /** Hex of the journal page key of the failed batch: if that page exists, the batch landed after all. */
  page: string;
  entry: JournalEntry;
}

interface Line {
  page: string;
  id: string;
  ts: number;
  postings: [string, string][];
}

/** Path of the side journal inside a data directory. */
export function sideJournalPath(dataDir: string): string {
  return join(dataDir, 'ledger-side.journal');
}

/** Append-only file of side records, fsynced per append. */
export class SideJournal {
  private fd: number | undefined;

  constructor(readonly path: string) {}

  /** Opens (creating) the file; throws when it cannot (the caller treats that as an open failure). */
  open(): void {
    this.fd ??= openSync(this.path, 'a+', 0o600);
  }

  /** Appends the records and fdatasyncs; throws when the disk refuses. */
  append(records: readonly SideRecord[]): void {
    if (records.length === 0) return;
    this.open();
    const text = records.map((r) => JSON.stringify(toLine(r)) + '\n').join('');
    writeSync(this.fd!, text);
    fdatasyncSync(this.fd!);
  }

  /** Every complete record (a torn last line, cut by a crash mid-append, is skipped). */
  read(): SideRecord[] {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch {
      return [];
    }
    const out: SideRecord[] = [];
    for (const line of text.split('\n')) {
      if (line === '') continue;
      try {
        out.push(fromLine(JSON.parse(line) as Line));
      } catch {
        // a torn tail: the append never returned, so its Reject never went upstream either
      }
    }
    return out;
  }

  /** Empties the file once its records are booked. */
  clear(): void {
    this.open();
    ftruncateSync(this.fd!, 0);
    fdatasyncSync(this.fd!);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

function toLine(r: SideRecord): Line {
  return { page: r.page, id: r.entry.id, ts: r.entry.ts ?? Date.now(), postings: r.entry.postings.map((p) => [p.account, p.amount.toString()]) };
}

function fromLine(l: Line): SideRecord {
  if (typeof l.page !== 'string' || typeof l.id !== 'string' || !Array.isArray(l.postings)) throw new Error('bad side record');
  const postings: Posting[] = l.postings.map(([account, amount]) => ({ account, amount: BigInt(amount) }));
  return { page: l.page, entry: { id: l.id, kind: 'packet', ts: l.ts, postings } };
}
