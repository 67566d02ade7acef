/**
 * Which book of record the node runs on (`ledger.backend`): the embedded LevelDB ledger under
 * dataDir (the default), or PostgreSQL at `ledger.postgres.url`. The PostgreSQL backend (and `pg`)
 * is loaded only when configured, so a LevelDB node loads and does exactly what it did before.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { NodeConfig } from '../config/index.js';
import { Ledger, LedgerError, type LedgerBackend } from '../ledger/index.js';
import type { PostgresLedgerOptions } from '../ledger/postgres/index.js';

type Warn = (message: string, details: Record<string, unknown>) => void;

/** The PostgreSQL options of a config (the CA file read now); the config must name postgres. */
export function postgresOptions(c: NodeConfig, onWarning?: Warn): PostgresLedgerOptions {
  const p = c.ledger.postgres;
  if (p.url === undefined) throw new LedgerError('LEDGER_INVALID_OPTIONS', 'ledger.backend is postgres but ledger.postgres.url is not set', 'Set AGENT_RUNTIME_LEDGER_POSTGRES_URL (or ledger.postgres.url).');
  let ca: string | undefined;
  if (p.tls.ca !== undefined) {
    try {
      ca = readFileSync(resolve(p.tls.ca), 'utf8');
    } catch (err) {
      throw new LedgerError('LEDGER_INVALID_OPTIONS', `cannot read ledger.postgres.tls.ca ${resolve(p.tls.ca)}: ${(err as Error).message}`, 'Point ledger.postgres.tls.ca at a readable PEM file.');
    }
  }
  return {
    url: p.url,
    tls: { enabled: p.tls.enabled, rejectUnauthorized: p.tls.rejectUnauthorized, ...(ca !== undefined ? { ca } : {}) },
    dataDir: c.dataDir,
    maxBatchesInFlight: p.maxBatchesInFlight,
    journalRetentionMs: c.ledger.journalRetentionMs,
    // a cluster instance shares the books with the others (src/cluster)
    ...(c.cluster.enabled ? { shared: { refreshMs: c.cluster.balanceRefreshMs } } : {}),
    ...(onWarning ? { onWarning } : {}),
  };
}

/** Opens the configured backend. */
export async function openLedgerBackend(c: NodeConfig, onWarning: Warn): Promise<LedgerBackend> {
  if (c.ledger.backend === 'postgres') {
    const { PostgresLedger } = await import('../ledger/postgres/index.js');
    return PostgresLedger.open(postgresOptions(c, onWarning));
  }
  const { sync, journalRetentionMs, snapshot } = c.ledger;
  return Ledger.open({ dataDir: c.dataDir, sync, journalRetentionMs, onWarning, snapshot });
}
