/**
 * The PostgreSQL ledger's schema and its migrations. The node runs `migrate` at open (and
 * `agent-runtime ledger migrate` runs it on demand): each step runs once, in order, in one
 * transaction with the version row, under an advisory lock so two processes never migrate at once.
 *
 * Tables (amounts are numeric(40,0): signed, wider than the 128 bits LevelDB stores):
 * - `ledger_journal`: one row per entry, `id` unique (a replay is a conflict and books nothing);
 *   postings as two parallel arrays, `ts` in ms (folding reads it).
 * - `ledger_deltas`: one row per written batch with each touched account's change. Batches never
 *   update a balance row: several transactions in flight would queue on the row lock of every hot
 *   account (`fees`, a busy peer) and lose group commit's parallelism. A background statement adds
 *   the committed deltas into `ledger_balances` and deletes them, in one atomic statement.
 * - `ledger_balances`: base balances (stored balance = base + Σ deltas); `asset` names the account's
 *   asset when known (the assets issue's column; the sum per asset is zero).
 * - `ledger_checkpoints`: sums of folded (deleted) journal entries.
 * - `cluster_instances` (cluster.enabled, src/cluster): one row per instance with its heartbeat and the
 *   backend pid of the session that holds its link locks (pg_locks names who holds what).
 * - `cluster_runtime`: the one row of runtime peer and route changes every instance applies.
 * - `cluster_shared` (rates, policies), `cluster_approvals`, `cluster_receipts`: the cluster's shared
 *   runtime state besides peers and routes (src/cluster/shared-state.ts).
 * - `settlement_*` (migration 5, settlement-schema.ts): a cluster's settlement lanes and their state.
 * - `cluster_budget_*` (migration 6, budget-schema.ts): spend budgets held across instances.
 */
import type pg from 'pg';
import { BUDGET_MIGRATION } from './budget-schema.js';
import { SETTLEMENT_MIGRATION } from './settlement-schema.js';

/** Ordered migrations; append only (a step's index + 1 is the schema version it produces). */
export const MIGRATIONS: readonly { name: string; sql: string }[] = [
  {
    name: 'initial ledger tables',
    sql: `
      CREATE TABLE ledger_journal (
        id text PRIMARY KEY,
        kind text NOT NULL,
        ts bigint NOT NULL,
        accounts text[] NOT NULL,
        amounts numeric(40,0)[] NOT NULL,
        condition bytea,
        source_peer text,
        request_id bigint
      );
      CREATE INDEX ledger_journal_ts ON ledger_journal (ts);
      CREATE TABLE ledger_deltas (
        seq bigserial PRIMARY KEY,
        accounts text[] NOT NULL,
        amounts numeric(40,0)[] NOT NULL
      );
      CREATE TABLE ledger_balances (
        account text PRIMARY KEY,
        balance numeric(40,0) NOT NULL,
        asset text
      );
      CREATE TABLE ledger_checkpoints (
        account text PRIMARY KEY,
        amount numeric(40,0) NOT NULL
      );`,
  },
  {
    name: 'cluster instance registry',
    sql: `
      CREATE TABLE cluster_instances (
        id text PRIMARY KEY,
        backend_pid int NOT NULL,
        started_at timestamptz NOT NULL DEFAULT now(),
        heartbeat_at timestamptz NOT NULL DEFAULT now(),
        info jsonb NOT NULL DEFAULT '{}'
      );`,
  },
  {
    name: 'cluster runtime state',
    sql: `
      CREATE TABLE cluster_runtime (
        id int PRIMARY KEY CHECK (id = 1),
        state jsonb NOT NULL,
        version bigint NOT NULL
      );`,
  },
  {
    name: 'cluster shared state',
    sql: `
      CREATE TABLE cluster_shared (
        kind text PRIMARY KEY,
        value jsonb NOT NULL,
        version bigint NOT NULL
      );
      CREATE TABLE cluster_approvals (
        id text PRIMARY KEY,
        instance text NOT NULL,
        view jsonb NOT NULL,
        decision jsonb,
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE cluster_receipts (
        seq bigserial PRIMARY KEY,
        instance text NOT NULL,
        record jsonb NOT NULL
      );`,
  },
  SETTLEMENT_MIGRATION,
  BUDGET_MIGRATION,
];

/** The schema version this build writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Arbitrary constant keys of the advisory locks (migration; the books' owner: one node takes it
 * exclusively, cluster instances each take it shared, so a lone node and a cluster never mix).
 */
export const MIGRATE_LOCK = 0x4c_45_44_47; // "LEDG"
export const OWNER_LOCK = 0x4c_45_44_4f; // "LEDO"

/** What `migrate` did. */
export interface MigrateResult {
  /** Schema version found (0: empty database). */
  from: number;
  /** Schema version now. */
  to: number;
  /** Names of the steps applied now. */
  applied: string[];
}

/** Error of a database written by a newer build. */
export class SchemaTooNewError extends Error {
  constructor(readonly found: number) {
    super(`the ledger schema in this database is version ${found}, newer than this build's ${SCHEMA_VERSION}`);
  }
}

/** Reads the schema version (0 when the database has no ledger yet). */
export async function schemaVersion(client: pg.ClientBase): Promise<number> {
  const t = await client.query<{ ok: boolean }>(`SELECT to_regclass('ledger_schema') IS NOT NULL AS ok`);
  if (!t.rows[0].ok) return 0;
  const r = await client.query<{ v: number | null }>('SELECT max(version) AS v FROM ledger_schema');
  return r.rows[0].v ?? 0;
}

/** Brings the schema to SCHEMA_VERSION. Throws SchemaTooNewError for a newer database. */
export async function migrate(client: pg.ClientBase): Promise<MigrateResult> {
  await client.query('SELECT pg_advisory_lock($1)', [MIGRATE_LOCK]);
  try {
    await client.query('CREATE TABLE IF NOT EXISTS ledger_schema (version int PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
    const from = await schemaVersion(client);
    if (from > SCHEMA_VERSION) throw new SchemaTooNewError(from);
    const applied: string[] = [];
    for (let v = from + 1; v <= SCHEMA_VERSION; v++) {
      const step = MIGRATIONS[v - 1];
      await client.query('BEGIN');
      try {
        await client.query(step.sql);
        await client.query('INSERT INTO ledger_schema (version, name) VALUES ($1, $2)', [v, step.name]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
      applied.push(step.name);
    }
    return { from, to: SCHEMA_VERSION, applied };
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATE_LOCK]).catch(() => undefined);
  }
}
