/**
 * Verified snapshots on disk (`ledger.snapshot.{intervalMs, keep}`): every interval the ledger's
 * export (one consistent read) is checked as an import would check it (every entry balanced,
 * balances = checkpoints + journal, sum zero), written to `<dataDir>/ledger-snapshots/` through a temp
 * file, fdatasync and rename, and the oldest beyond `keep` are deleted. `ledger salvage` starts from
 * the newest one that still checks. Off the packet path: an unref'd timer, one snapshot at a time.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { planImport } from './snapshot.js';
import type { LedgerSnapshot } from './types.js';

/** Folder of the scheduled snapshots. */
export const snapshotFolder = (dataDir: string): string => join(dataDir, 'ledger-snapshots');

const NAME = /^snapshot-(\d{8}T\d{9}Z)\.json$/;

/** Snapshot files of `dataDir`, newest first. */
export function listSnapshots(dataDir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(snapshotFolder(dataDir));
  } catch {
    return [];
  }
  return names
    .filter((n) => NAME.test(n))
    .sort()
    .reverse()
    .map((n) => join(snapshotFolder(dataDir), n));
}

/** The newest snapshot that parses and checks, with its file; undefined when none does. */
export function newestGoodSnapshot(dataDir: string): { file: string; snapshot: LedgerSnapshot } | undefined {
  for (const file of listSnapshots(dataDir)) {
    try {
      const snapshot = JSON.parse(readFileSync(file, 'utf8')) as LedgerSnapshot;
      planImport(snapshot);
      return { file, snapshot };
    } catch {
      // damaged or partial: try the next older one
    }
  }
  return undefined;
}

/** Checks `snapshot` as an import would (throws LEDGER_SNAPSHOT_INVALID), writes it durably, prunes to `keep`; returns the file. */
export function writeSnapshotFile(dataDir: string, snapshot: LedgerSnapshot, keep: number): string {
  planImport(snapshot);
  const dir = snapshotFolder(dataDir);
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('.', '');
  const file = join(dir, `snapshot-${stamp}.json`);
  const tmp = `${file}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, JSON.stringify(snapshot));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  const dfd = openSync(dir, 'r');
  try {
    fsyncSync(dfd);
  } finally {
    closeSync(dfd);
  }
  for (const old of listSnapshots(dataDir).slice(Math.max(1, keep))) rmSync(old, { force: true });
  return file;
}

/** What the schedule reports. */
export interface SnapshotScheduleHooks {
  written?: (info: { file: string; entries: number; accounts: number }) => void;
  failed?: (err: unknown) => void;
}

/** Runs `take` every `intervalMs` (never two at once); `stop` waits for the one in progress. */
export class SnapshotSchedule {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly intervalMs: number,
    private readonly take: () => Promise<void>,
  ) {}

  start(): void {
    if (this.intervalMs <= 0) return;
    this.timer = setInterval(() => {
      this.running ??= this.take().finally(() => {
        this.running = undefined;
      });
    }, this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }
}
