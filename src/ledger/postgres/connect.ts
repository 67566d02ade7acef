/**
 * Connections to the PostgreSQL ledger: pool options from `ledger.postgres` (URL and TLS), with
 * `synchronous_commit` forced on for every session (a Fulfill waits for a commit that is on the
 * server's disk), and errors that never show the URL's password.
 *
 * `pg` is imported dynamically: a node on the LevelDB backend never loads it.
 */
import type pg from 'pg';
import { LedgerError } from '../errors.js';

/** TLS to the server. `enabled: false` (default) uses what the URL says (`sslmode=...`), else none. */
export interface PostgresTls {
  enabled?: boolean;
  /** PEM of the CA that signed the server's certificate (the default: the system's CAs). */
  ca?: string;
  /** Refuse a server whose certificate does not verify (default true). */
  rejectUnauthorized?: boolean;
}

/** Where the ledger's database is. */
export interface PostgresTarget {
  /** postgres://user:password@host:port/database (a secret: shown redacted). */
  url: string;
  tls?: PostgresTls;
}

/** The URL with its password (and user) masked, for messages. */
export function redactPostgresUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    for (const k of [...u.searchParams.keys()]) if (/password|key|secret|token/i.test(k)) u.searchParams.set(k, '***');
    return u.toString().replace(/%2A%2A%2A/g, '***');
  } catch {
    return 'postgres://***';
  }
}

/** The `pg` module, loaded on first use. */
export async function loadPg(): Promise<typeof pg> {
  const m = await import('pg');
  return m.default;
}

/** Pool (or client) options for a target. */
export function connectionConfig(t: PostgresTarget, extra: pg.PoolConfig = {}): pg.PoolConfig {
  const config: pg.PoolConfig = {
    connectionString: t.url,
    // Durable commits whatever the server's or role's default says.
    options: '-c synchronous_commit=on',
    connectionTimeoutMillis: 10_000,
    ...extra,
  };
  if (t.tls?.enabled === true) config.ssl = { rejectUnauthorized: t.tls.rejectUnauthorized !== false, ...(t.tls.ca !== undefined ? { ca: t.tls.ca } : {}) };
  return config;
}

/** A connection failure as LEDGER_DB_UNAVAILABLE, with the password masked everywhere. */
export function unavailable(t: PostgresTarget, err: unknown): LedgerError {
  const shown = redactPostgresUrl(t.url);
  let reason = err instanceof Error ? err.message : String(err);
  try {
    const pw = new URL(t.url).password;
    if (pw.length > 0) reason = reason.split(pw).join('***').split(decodeURIComponent(pw)).join('***');
  } catch {
    // not a URL: nothing more to hide than the URL itself
  }
  reason = reason.split(t.url).join(shown);
  return new LedgerError('LEDGER_DB_UNAVAILABLE', `Cannot use the PostgreSQL ledger at ${shown}: ${reason}`, undefined, { cause: err, details: { url: shown, reason } });
}
