/**
 * Approvals on disk, `<dataDir>/agents/approvals.json`: every pending approval with what it needs to
 * be sent after a restart (destination, amount, condition, data, lifetime), and the last decided ones
 * so `GET /admin/approvals/:id` still tells how a payment ended.
 *
 * Written synchronously and fsynced (temporary file, fsync, rename, directory fsync) before the caller
 * hears: a send answered `{ pending: true }` is on disk, and an approval is recorded as approved before
 * its payment starts, so a crash can never send it twice. Approvals come at a person's pace, so a
 * whole-file write per change costs nothing that matters.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { makeDirectory } from '../make-directory.js';
import type { ApprovalView } from './approvals.js';

/** What a pending approval sends once approved (bytes as base64, amount as a decimal string). */
export interface StoredRequest {
  destination: string;
  amount: string;
  condition: string;
  data: string;
  /** The packet's lifetime (ms), counted from the approval. */
  ttlMs: number;
  receipt?: boolean;
}

export interface StoredApproval {
  view: ApprovalView;
  /** Set while the approval is pending. */
  request?: StoredRequest;
}

const FILE = 'approvals.json';

export class ApprovalStore {
  private readonly dir: string;

  constructor(
    dataDir: string,
    private readonly logger: Logger,
  ) {
    this.dir = join(dataDir, 'agents');
  }

  get file(): string {
    return join(this.dir, FILE);
  }

  /** The stored approvals; none when the file is missing, an unreadable file is logged and set aside. */
  load(): StoredApproval[] {
    let raw: string;
    try {
      raw = readFileSync(this.file, 'utf8');
    } catch {
      return [];
    }
    try {
      const v = JSON.parse(raw) as { approvals?: unknown };
      return Array.isArray(v.approvals) ? (v.approvals as unknown[]).filter(isStored) : [];
    } catch (err) {
      const aside = `${this.file}.unreadable-${Date.now()}`;
      renameSync(this.file, aside);
      this.logger.error({ err, file: this.file, movedTo: aside }, 'unreadable approvals file set aside; its approvals are not restored');
      return [];
    }
  }

  /** Replaces the file with `approvals`, durably; throws when it cannot. */
  save(approvals: readonly StoredApproval[]): void {
    makeDirectory(this.dir);
    const tmp = `${this.file}.${process.pid}.tmp`;
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, JSON.stringify({ version: 1, approvals }));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.file);
    const dirFd = openSync(this.dir, 'r');
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  }
}

function isStored(v: unknown): v is StoredApproval {
  const view = (v as StoredApproval | null)?.view;
  return typeof view?.id === 'string' && typeof view.amount === 'string' && /^\d+$/.test(view.amount) && typeof view.status === 'string';
}
