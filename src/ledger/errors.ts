/**
 * Ledger errors. A LedgerError is an AppError with a catalogue code (src/errors/catalogue-ledger.ts
 * and catalogue.ts), so the CLI and the admin API report it by its code, without translation.
 */
import { AppError, catalogue } from '../errors/index.js';

/** The ledger's error codes and what each means (every one is a catalogue code, docs/errors.md). */
export const ledgerErrorCodes = {
  LEDGER_IN_USE: 'another process holds the store (LevelDB LOCK)',
  LEDGER_OPEN_FAILED: 'the store cannot be opened or created (permissions, not a directory, not an agent-runtime store)',
  LEDGER_CLOSED: 'the ledger was used after close()',
  LEDGER_INVALID_OPTIONS: 'Ledger.open() was given invalid options',
  LEDGER_INVALID_ENTRY: 'a journal entry or limit is malformed (bad id, account, amount or field)',
  LEDGER_UNBALANCED_ENTRY: "a journal entry's postings do not sum to zero",
  LEDGER_WRITE_FAILED: 'LevelDB refused a batch; nothing of it was booked',
  LEDGER_NOT_EMPTY: 'importSnapshot() was called on a ledger that already holds data',
  LEDGER_SNAPSHOT_INVALID: 'a snapshot is malformed or does not balance',
  LEDGER_DB_UNAVAILABLE: 'the PostgreSQL server of ledger.postgres.url cannot be reached or refused the connection',
  LEDGER_SCHEMA_MISMATCH: 'the PostgreSQL ledger schema is older (run ledger migrate) or newer than this build',
  LEDGER_CORRUPT: 'the store is damaged (a bad log record or table block, a journal page failing its checksum, an acknowledged batch missing): it was copied aside and not opened',
  LEDGER_FORMAT_NEWER: 'the store was written in a newer format than this build reads',
} as const;

/** A ledger error code. */
export type LedgerErrorCode = keyof typeof ledgerErrorCodes;

/** Base class of every error the ledger throws or passes to a callback. */
export class LedgerError extends AppError {
  override readonly name: string = 'LedgerError';
  override readonly code: LedgerErrorCode;

  /**
   * @param suggestion what to do; defaults to the catalogue's
   * @param options.details the facts behind the message (kept for logs and `--json`)
   */
  constructor(
    code: LedgerErrorCode,
    message: string,
    suggestion?: string,
    options: { cause?: unknown; details?: Record<string, string | number | bigint | boolean | undefined> } = {},
  ) {
    const entry = catalogue[code];
    const hint = suggestion ?? entry.suggestion;
    super(code, message, {
      exitCode: entry.exitCode,
      ...(hint === undefined ? {} : { suggestion: hint }),
      ...('httpStatus' in entry ? { httpStatus: entry.httpStatus, httpError: entry.httpError } : {}),
      details: options.details ?? {},
      cause: options.cause,
    });
    this.code = code;
  }
}

/** Another process (usually a running node) holds the store's LevelDB lock. */
export class LedgerInUseError extends LedgerError {
  override readonly name: string = 'LedgerInUseError';

  constructor(
    readonly dataDir: string,
    cause?: unknown,
  ) {
    super('LEDGER_IN_USE', `The ledger in ${dataDir} is held by another process`, undefined, { cause, details: { dataDir } });
  }
}

/** The store cannot be opened or created. */
export class LedgerOpenError extends LedgerError {
  override readonly name: string = 'LedgerOpenError';

  constructor(
    readonly dataDir: string,
    reason: string,
    suggestion = 'Check the data directory exists and is writable by this user, or choose another with dataDir.',
    cause?: unknown,
  ) {
    super('LEDGER_OPEN_FAILED', `Cannot open the ledger in ${dataDir}: ${reason}`, suggestion, { cause, details: { dataDir, reason } });
  }
}

/** The store's format version is newer than this build reads (written by a newer agent-runtime). */
export class LedgerFormatNewerError extends LedgerError {
  override readonly name: string = 'LedgerFormatNewerError';

  constructor(
    readonly dataDir: string,
    readonly version: number,
    readonly supported: number,
  ) {
    super(
      'LEDGER_FORMAT_NEWER',
      `The ledger in ${dataDir} is in store format ${version}; this build of agent-runtime reads formats up to ${supported}`,
      'Upgrade agent-runtime (npm install -g agent-runtime@latest) to the version that wrote this store, or point dataDir elsewhere. Nothing in the store was changed.',
      { details: { dataDir, version, supported } },
    );
  }
}

/** What to do about a damaged store (LEDGER_CORRUPT's hint). */
export function corruptHint(copiedTo?: string): string {
  return `${copiedTo ? `The damaged files were copied to ${copiedTo}. ` : ''}Rebuild from what is intact with \`agent-runtime ledger salvage --data-dir <dataDir> --out <empty dir>\` (it adds the newest snapshot of ledger.snapshot and reports the gap per peer), or restore an export with \`agent-runtime ledger import\`; reconcile the gaps with your peers before pointing dataDir at the rebuilt store, and never delete the copy before.`;
}

/** The store is damaged; nothing was opened, the files were copied aside first (when they could be). */
export class LedgerCorruptError extends LedgerError {
  override name = 'LedgerCorruptError';

  constructor(
    readonly dataDir: string,
    readonly file: string,
    readonly offset: number | undefined,
    reason: string,
    readonly copiedTo?: string,
    cause?: unknown,
  ) {
    super(
      'LEDGER_CORRUPT',
      `The ledger in ${dataDir} is damaged: ${file}${offset === undefined ? '' : ` at offset ${offset}`}: ${reason}`,
      corruptHint(copiedTo),
      { cause, details: { dataDir, file, offset, reason, copiedTo } },
    );
  }
}
