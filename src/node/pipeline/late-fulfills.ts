/**
 * The durable record of late fulfills: a next hop fulfilled a packet we could no longer pass
 * upstream (it came after we stopped waiting, or the packet's source was gone), so the next hop
 * believes it was paid and our books say it was not. Nothing is booked for them (the source never got
 * the Fulfill, so it never paid us); each one is appended to `<dataDir>/late-fulfills.jsonl` and
 * fdatasync'd, and the totals per next hop are shown in `balances`, `/metrics` and the dashboard so
 * the operator can reconcile with that peer. They are rare: writes are grouped, one sync per batch.
 */
import { readFileSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { LateFulfillTotals } from '../http/security-stats.js';

/** Why a fulfill could not be passed upstream. */
export type LateReason = 'expired' | 'source-gone';

/** One late fulfill, as stored (one JSON object per line). */
export interface LateFulfillRecord {
  /** ISO time we got the fulfill */
  at: string;
  packetId: string;
  /** the next hop that fulfilled */
  peer: string;
  /** what we had forwarded to it, in its asset's units (decimal string) */
  amount: string;
  /** the packet's source (a peer id, or 'local') */
  from: string;
  destination: string;
  reason: LateReason;
}


export class LateFulfillLog {
  private readonly byPeer = new Map<string, LateFulfillTotals>();
  private queued: string[] = [];
  private writing: Promise<void> | undefined;
  private handle: FileHandle | undefined;

  private constructor(
    /** The file the records are appended to. */
    readonly file: string,
    private readonly logger: Logger,
  ) {}

  /**
   * Reads the totals of `file` (absent: none). A last line cut short by a crash is skipped with a
   * warning; its packet was never booked either way.
   */
  static open(file: string, logger: Logger): LateFulfillLog {
    const log = new LateFulfillLog(file, logger);
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      try {
        const r = JSON.parse(line) as LateFulfillRecord;
        log.add(r.peer, BigInt(r.amount));
      } catch {
        logger.warn({ file, line: line.slice(0, 200) }, 'unreadable line in the late-fulfill record; skipped');
      }
    }
    return log;
  }

  /** Late fulfills per next hop (read by balances, /metrics and health). */
  totals(): ReadonlyMap<string, LateFulfillTotals> {
    return this.byPeer;
  }

  /** Counts a late fulfill at once and writes it durably in the background (flush() waits for it). */
  record(r: LateFulfillRecord): void {
    this.add(r.peer, BigInt(r.amount));
    this.queued.push(`${JSON.stringify(r)}\n`);
    this.writing ??= this.write();
  }

  /** Resolves once every record so far is on disk. */
  async flush(): Promise<void> {
    while (this.writing !== undefined) await this.writing;
  }

  /** Flushes and closes the file. */
  async close(): Promise<void> {
    await this.flush();
    const h = this.handle;
    this.handle = undefined;
    await h?.close();
  }

  private add(peer: string, amount: bigint): void {
    const t = this.byPeer.get(peer);
    if (t === undefined) this.byPeer.set(peer, { count: 1, amount });
    else {
      t.count++;
      t.amount += amount;
    }
  }

  /** Writes what is queued, one append and one fdatasync per batch, until nothing is left. */
  private async write(): Promise<void> {
    try {
      while (this.queued.length > 0) {
        const batch = this.queued.join('');
        this.queued = [];
        try {
          this.handle ??= await open(this.file, 'a', 0o600);
          await this.handle.appendFile(batch, 'utf8');
          await this.handle.datasync();
        } catch (err) {
          // The totals in memory still count them; the log line keeps the records themselves.
          this.logger.error({ file: this.file, err: (err as Error).message, records: batch.trimEnd().split('\n') }, 'could not write the late-fulfill record');
        }
      }
    } finally {
      this.writing = undefined;
    }
  }
}
