/**
 * The cluster's shared runtime state besides peers and routes (those are in runtime-store.ts), in
 * PostgreSQL (schema migration 4):
 * - `cluster_shared`: one row per kind (`rates`: the static rates set at runtime; `policies`: the
 *   policies set at runtime) with a version; written and NOTIFYed on SHARED_CHANNEL in one
 *   transaction, so every instance hears of a change only once it is committed;
 * - `cluster_approvals`: every instance's approvals (the owner writes their views; another instance
 *   asked to decide one writes `decision` and NOTIFYs, the owner decides and writes the view back);
 * - `cluster_receipts`: every instance's receipt records (appended; listed from here by all).
 *
 * NOTIFY payloads are `<instanceId> <kind>[ <id>]`.
 */
import type pg from 'pg';
import { connectionConfig, loadPg, unavailable, type PostgresTarget } from '../ledger/postgres/connect.js';
import { inTransaction } from '../ledger/postgres/queries.js';
import { migrate } from '../ledger/postgres/schema.js';

/** The NOTIFY channel of shared-state changes. */
export const SHARED_CHANNEL = 'agent_runtime_cluster_shared';

/** What `cluster_shared` keeps. */
export type SharedKind = 'rates' | 'policies';

/** An approval row: its owner's view, and a decision asked for at another instance. */
export interface SharedApproval {
  instance: string;
  view: Record<string, unknown> & { id: string; status: string };
  decision?: { approve: boolean; by: string };
}

export class SharedState {
  private constructor(
    private readonly pool: pg.Pool,
    readonly instanceId: string,
  ) {}

  /** Opens a small pool (creating or migrating the schema). */
  static async open(target: PostgresTarget, instanceId: string): Promise<SharedState> {
    const pgm = await loadPg();
    const pool = new pgm.Pool(connectionConfig(target, { max: 3 }));
    pool.on('error', () => undefined);
    let c: pg.PoolClient;
    try {
      c = await pool.connect();
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw unavailable(target, err);
    }
    try {
      await migrate(c);
    } finally {
      c.release();
    }
    return new SharedState(pool, instanceId);
  }

  /** Writes `value` as the cluster's `kind` and announces it, in one transaction; answers the version. */
  async publish(kind: SharedKind, value: unknown): Promise<number> {
    return this.tx(async (c) => {
      const r = await c.query<{ version: string }>(
        `INSERT INTO cluster_shared (kind, value, version) VALUES ($1, $2::jsonb, 1)
         ON CONFLICT (kind) DO UPDATE SET value = EXCLUDED.value, version = cluster_shared.version + 1 RETURNING version::text AS version`,
        [kind, JSON.stringify(value)],
      );
      await this.notify(c, kind);
      return Number(r.rows[0].version);
    });
  }

  /** The cluster's `kind`, or undefined when no instance set it. */
  async read(kind: SharedKind): Promise<{ value: unknown; version: number } | undefined> {
    const r = await this.pool.query<{ value: unknown; version: string }>('SELECT value, version::text AS version FROM cluster_shared WHERE kind = $1', [kind]);
    const row = r.rows[0];
    return row === undefined ? undefined : { value: row.value, version: Number(row.version) };
  }

  /** Writes this instance's approval views (a decision asked for stays). */
  async putApprovals(views: readonly Record<string, unknown>[]): Promise<void> {
    if (views.length === 0) return;
    await this.pool.query(
      `INSERT INTO cluster_approvals (id, instance, view)
       SELECT v->>'id', $1, v FROM jsonb_array_elements($2::jsonb) AS v
       ON CONFLICT (id) DO UPDATE SET instance = EXCLUDED.instance, view = EXCLUDED.view, updated_at = now()`,
      [this.instanceId, JSON.stringify(views)],
    );
  }

  async approvals(): Promise<SharedApproval[]> {
    const r = await this.pool.query<SharedApproval>('SELECT instance, view, decision FROM cluster_approvals ORDER BY view->>\'createdAt\', id');
    return r.rows.map(clean);
  }

  async approval(id: string): Promise<SharedApproval | undefined> {
    const r = await this.pool.query<SharedApproval>('SELECT instance, view, decision FROM cluster_approvals WHERE id = $1', [id]);
    return r.rows[0] === undefined ? undefined : clean(r.rows[0]);
  }

  /**
   * Asks the owner of a pending approval to decide it (the decision row, then NOTIFY in one
   * transaction). Answers the row as it was when asked (undefined: no such approval); the decision is
   * written only when the row is pending and nobody asked before.
   */
  async requestDecision(id: string, approve: boolean, by: string): Promise<{ row: SharedApproval; asked: boolean } | undefined> {
    return this.tx(async (c) => {
      const r = await c.query<SharedApproval>('SELECT instance, view, decision FROM cluster_approvals WHERE id = $1 FOR UPDATE', [id]);
      if (r.rows[0] === undefined) return undefined;
      const row = clean(r.rows[0]);
      if (row.view.status !== 'pending' || row.decision !== undefined) return { row, asked: false };
      await c.query('UPDATE cluster_approvals SET decision = $2::jsonb WHERE id = $1', [id, JSON.stringify({ approve, by })]);
      await this.notify(c, `approval ${id}`);
      return { row, asked: true };
    });
  }

  /** Decisions asked of this instance's approvals that are still pending. */
  async decisionsAsked(): Promise<{ id: string; approve: boolean; by: string }[]> {
    const r = await this.pool.query<{ id: string; decision: { approve: boolean; by: string } }>(
      `SELECT id, decision FROM cluster_approvals WHERE instance = $1 AND decision IS NOT NULL AND view->>'status' = 'pending'`,
      [this.instanceId],
    );
    return r.rows.map((x) => ({ id: x.id, approve: x.decision.approve === true, by: String(x.decision.by) }));
  }

  /** Appends one receipt record of this instance. */
  async addReceipt(record: unknown): Promise<void> {
    await this.pool.query('INSERT INTO cluster_receipts (instance, record) VALUES ($1, $2::jsonb)', [this.instanceId, JSON.stringify(record)]);
  }

  /** The newest `limit` receipt records of the whole cluster, newest first. */
  async receipts(limit: number): Promise<unknown[]> {
    const r = await this.pool.query<{ record: unknown }>('SELECT record FROM cluster_receipts ORDER BY seq DESC LIMIT $1', [limit]);
    return r.rows.map((x) => x.record);
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => undefined);
  }

  private async notify(c: pg.PoolClient, what: string): Promise<void> {
    await c.query('SELECT pg_notify($1, $2)', [SHARED_CHANNEL, `${this.instanceId} ${what}`]);
  }

  private tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, fn);
  }
}

function clean(r: SharedApproval): SharedApproval {
  return { instance: r.instance, view: r.view, ...(r.decision === null || r.decision === undefined ? {} : { decision: r.decision }) };
}
