/**
 * How the `ledger` commands reach a ledger. LevelDB lets one process hold a store, so:
 *
 * - no process holds the data directory: open it directly (the command never folds or writes, except
 *   `import`);
 * - a process holds it (LEDGER_IN_USE): ask the node through its admin API (--url, AGENT_RUNTIME_URL,
 *   .env, default), after checking that the node answering there is the one using this directory;
 * - nobody answers there either: fail with LEDGER_IN_USE naming the directory and what to do.
 *
 * The data directory is --data-dir, else dataDir of --config, else (without --url) dataDir of the
 * config `start` would use ($AGENT_RUNTIME_CONFIG, ./config.yaml, the defaults). With only --url, the
 * node at that URL is asked directly.
 */
import { existsSync, realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadConfig, type NodeConfig } from '../config/index.js';
import { appError, isAppError, type AppError } from '../errors/index.js';
import { Ledger, LedgerError, LedgerInUseError, storeLocation, type LedgerBackend } from '../ledger/index.js';
import type { PostgresLedgerOptions } from '../ledger/postgres/index.js';
import { redactPostgresUrl } from '../ledger/postgres/connect.js';
import { postgresOptions } from '../node/ledger-backend.js';
import type { LedgerInfo } from '../node/http/ledger-routes.js';
import type { AdminClient } from './admin-client.js';

/** The flags that name a data directory. */
export interface LedgerDirFlags {
  'data-dir'?: string;
  config?: string;
  url?: string;
}

/** Where a command's ledger is. */
export interface LedgerLocation {
  /** Absolute data directory; undefined when only --url was given. */
  dataDir?: string;
  /** True when the user named it (--data-dir, --config), false when it came from the default config. */
  explicit: boolean;
  /** Set when the config names `ledger.backend: postgres`: the books are in that database. */
  postgres?: PostgresLedgerOptions;
  /** The database, password masked (with `postgres`). */
  database?: string;
}

/** An opened ledger: the store itself, or the node that holds it. */
export type LedgerSource =
  | { via: 'data-dir'; dataDir: string; database?: string; ledger: LedgerBackend }
  | { via: 'admin-api'; url: string; dataDir?: string; client: AdminClient };

/**
 * Opening a store the node configured with a longer retention must not fold the node's journal, so a
 * command's ledger never folds: the timer's longest interval (~24.8 days; a longer one would fire at once).
 */
const NEVER_FOLD_MS = 2 ** 31 - 1;

/** Finds the data directory (see the module comment). Throws CONFIG_NOT_FOUND for a missing --config. */
export function locateLedger(flags: LedgerDirFlags): LedgerLocation {
  if (flags['data-dir'] !== undefined) return { dataDir: resolve(flags['data-dir']), explicit: true };
  if (flags.config !== undefined) {
    if (!existsSync(flags.config)) throw appError('CONFIG_NOT_FOUND', { path: resolve(flags.config) });
    const config = loadConfig(flags.config).config;
    return { dataDir: resolve(config.dataDir), explicit: true, ...backendOf(config) };
  }
  if (flags.url !== undefined) return { explicit: false };
  const config = loadConfig().config;
  return { dataDir: resolve(config.dataDir), explicit: false, ...backendOf(config) };
}

/** The PostgreSQL part of a location when the config puts the books there. */
function backendOf(config: NodeConfig): Pick<LedgerLocation, 'postgres' | 'database'> {
  if (config.ledger.backend !== 'postgres') return {};
  // a command takes the books alone (exclusive lock), even with cluster.enabled: while instances run it
  // gets LEDGER_IN_USE and goes through a node's admin API instead
  const { shared: _shared, ...postgres } = postgresOptions(config);
  return { postgres, database: redactPostgresUrl(postgres.url) };
}

/** True when `<dataDir>/ledger` exists (a node has run there). */
export function hasLedger(dataDir: string): boolean {
  return existsSync(storeLocation(dataDir));
}

/**
 * Opens the store in `dataDir` for a command (creating it when absent; no folding), or with
 * `postgres` the PostgreSQL ledger (its schema created or migrated; the side journal in `dataDir`).
 */
export async function openLedger(dataDir: string, postgres?: PostgresLedgerOptions): Promise<LedgerBackend> {
  try {
    if (postgres !== undefined) {
      const { PostgresLedger } = await import('../ledger/postgres/index.js');
      return await PostgresLedger.open({ ...postgres, dataDir, compactIntervalMs: NEVER_FOLD_MS });
    }
    return await Ledger.open({ dataDir, compactIntervalMs: NEVER_FOLD_MS });
  } catch (e) {
    throw ledgerAppError(e, postgres === undefined ? dataDir : redactPostgresUrl(postgres.url));
  }
}

/**
 * Opens the ledger at `location` for reading: directly when free, else through the node holding it.
 * @param client the admin client of the parsed --url / --api-key (built only when needed)
 */
export async function connectLedger(location: LedgerLocation, client: () => AdminClient): Promise<LedgerSource> {
  const { dataDir } = location;
  if (dataDir === undefined) {
    const c = client();
    return { via: 'admin-api', url: c.baseUrl, client: c };
  }
  if (location.postgres === undefined && !hasLedger(dataDir)) {
    if (location.explicit) throw appError('LEDGER_NOT_FOUND', { dataDir });
    // No ledger where the default config points: maybe a node runs elsewhere at the default URL.
    const c = client();
    await c.get<LedgerInfo>('/admin/ledger').catch((e: unknown) => {
      throw unreachable(e) ? appError('LEDGER_NOT_FOUND', { dataDir, suggestion: `No node answers at ${c.baseUrl} either: pass --data-dir <dir> of a node, or --url of a running node's admin API.` }) : e;
    });
    return { via: 'admin-api', url: c.baseUrl, client: c };
  }
  try {
    const ledger = await openLedger(dataDir, location.postgres);
    return { via: 'data-dir', dataDir, ...(location.database !== undefined ? { database: location.database } : {}), ledger };
  } catch (e) {
    if ((e as AppError).code !== 'LEDGER_IN_USE') throw e;
  }
  const c = client();
  let info: LedgerInfo;
  try {
    info = await c.get<LedgerInfo>('/admin/ledger');
  } catch (e) {
    if (!unreachable(e)) throw e;
    throw appError('LEDGER_IN_USE', {
      dataDir,
      suggestion: `${(e as Error).message}. Pass --url (and --api-key) of the node running with this data directory, or stop the process that holds it and retry.`,
    }, e);
  }
  if (!sameDir(info.dataDir, dataDir)) {
    throw appError('LEDGER_IN_USE', {
      dataDir,
      suggestion: `The node at ${c.baseUrl} uses ${info.dataDir}, not this directory: pass --url of the node running with ${dataDir}, or stop it and retry.`,
    });
  }
  return { via: 'admin-api', url: c.baseUrl, dataDir, client: c };
}

/** Closes what connectLedger opened. */
export async function closeLedger(source: LedgerSource): Promise<void> {
  if (source.via === 'data-dir') await source.ledger.close();
}

/** A ledger error with the details only the CLI knows (the data directory, the snapshot file) filled in. */
export function ledgerAppError(e: unknown, dataDir: string, file?: string): unknown {
  if (e instanceof LedgerInUseError) return appError('LEDGER_IN_USE', { dataDir }, e);
  if (!(e instanceof LedgerError)) return e;
  switch (e.code) {
    case 'LEDGER_OPEN_FAILED':
      return appError('LEDGER_OPEN_FAILED', { dataDir, reason: typeof e.details.reason === 'string' ? e.details.reason : e.message, message: e.message, suggestion: e.suggestion }, e);
    case 'LEDGER_NOT_EMPTY':
      return appError('LEDGER_NOT_EMPTY', { dataDir, message: e.message }, e);
    case 'LEDGER_SNAPSHOT_INVALID':
      return appError('LEDGER_SNAPSHOT_INVALID', { file: file ?? '', reason: e.message.replace(/^Invalid ledger snapshot: /, '') }, e);
    default:
      return e;
  }
}

/** Errors meaning "no agent-runtime admin API with ledger routes answers at --url". */
function unreachable(e: unknown): boolean {
  return isAppError(e) && ['NODE_UNREACHABLE', 'TIMEOUT', 'UNEXPECTED_RESPONSE', 'NOT_FOUND'].includes(e.code);
}

function sameDir(a: string, b: string): boolean {
  const real = (p: string) => {
    try {
      return realpathSync.native(p);
    } catch {
      return resolve(p);
    }
  };
  return real(a) === real(b);
}
