/**
 * Spend budgets across a cluster's instances (docs/scaling.md, "Budgets"). A policy budget (#22:
 * reserve, then commit on Fulfill or release otherwise) is checked by the instance taking the payment
 * against its own memory; in a cluster a second check runs here, in PostgreSQL (schema migration 6),
 * against every instance's payments:
 *
 * - reserve: in one transaction under a lock per subject, the holds of instances seen dead (heartbeat
 *   older than deadAfterMs) are dropped, then spent (per window, from `cluster_budget_spend`) + held
 *   (every live instance's `cluster_budget_holds`) + the amount must fit every budget; the hold row is
 *   written in the same transaction. Two payments at two instances can never both take the last room;
 * - commit: the hold becomes a spend row (one statement); release: the hold row is deleted.
 *
 * A dead instance's holds are released by the next reserve of the subject anywhere.
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { Window } from '../config/schema-agents.js';
import { connectionConfig, loadPg, unavailable, type PostgresTarget } from '../ledger/postgres/connect.js';
import { migrate } from '../ledger/postgres/schema.js';
import { WINDOW_MS } from '../agents/spend-history.js';

/** Advisory lock namespace of budget subjects (transaction locks). */
export const BUDGET_NS = 0x434c_5342; // "CLSB"

/** A budget as the policy has it (amount in the payer's asset units). */
export interface ClusterBudget {
  amount: bigint;
  per: Window;
}

/** A held payment: commit it on Fulfill, release it otherwise (each at most once). */
export interface BudgetHold {
  commit(): Promise<void>;
  release(): Promise<void>;
}

/** The tightest budget refused the payment: what it has left cluster-wide. */
export interface BudgetRefusal {
  budget: ClusterBudget;
  remaining: bigint;
}

export class ClusterBudgets {
  private constructor(
    private readonly pool: pg.Pool,
    private readonly instanceId: string,
    private readonly deadAfterMs: number,
  ) {}

  static async open(target: PostgresTarget, instanceId: string, deadAfterMs: number): Promise<ClusterBudgets> {
    const pgm = await loadPg();
    const pool = new pgm.Pool(connectionConfig(target, { max: 4 }));
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
      // A fresh start holds nothing (its payments in flight died with the last run).
      await c.query('DELETE FROM cluster_budget_holds WHERE instance = $1', [instanceId]);
    } finally {
      c.release();
    }
    return new ClusterBudgets(pool, instanceId, deadAfterMs);
  }

  /** Holds `amount` for `subject` when every budget has room cluster-wide; else the refusal. */
  async reserve(subject: string, amount: bigint, budgets: readonly ClusterBudget[], now = Date.now()): Promise<BudgetHold | BudgetRefusal> {
    const id = randomUUID();
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      await c.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [BUDGET_NS, subject]);
      // One statement: drop dead instances' holds (the sum below still sees them: subtract them) and
      // read what is held and what each window has spent.
      const r = await c.query<{ held: string; minute: string; hour: string; day: string; month: string }>(
        `WITH dead AS (
           DELETE FROM cluster_budget_holds WHERE subject = $1 AND instance <> $2 AND instance NOT IN (
             SELECT id FROM cluster_instances WHERE heartbeat_at > now() - make_interval(secs => $3::double precision / 1000))
           RETURNING amount)
         SELECT ((SELECT coalesce(sum(amount), 0) FROM cluster_budget_holds WHERE subject = $1) - (SELECT coalesce(sum(amount), 0) FROM dead))::text AS held,
           coalesce(sum(amount) FILTER (WHERE ts > $4), 0)::text AS minute, coalesce(sum(amount) FILTER (WHERE ts > $5), 0)::text AS hour,
           coalesce(sum(amount) FILTER (WHERE ts > $6), 0)::text AS day, coalesce(sum(amount) FILTER (WHERE ts > $7), 0)::text AS month
         FROM cluster_budget_spend WHERE subject = $1 AND ts > $7`,
        [subject, this.instanceId, this.deadAfterMs, now - WINDOW_MS.minute, now - WINDOW_MS.hour, now - WINDOW_MS.day, now - WINDOW_MS.month],
      );
      const row = r.rows[0];
      const held = BigInt(row.held);
      let refusal: BudgetRefusal | undefined;
      for (const b of budgets) {
        const used = BigInt(row[b.per]) + held;
        if (used + amount > b.amount) {
          const remaining = b.amount > used ? b.amount - used : 0n;
          if (refusal === undefined || remaining < refusal.remaining) refusal = { budget: b, remaining };
        }
      }
      if (refusal === undefined) {
        await c.query('INSERT INTO cluster_budget_holds (id, subject, instance, amount) VALUES ($1, $2, $3, $4)', [id, subject, this.instanceId, amount.toString()]);
        // what no window can count any more (now and then: it is only space)
        if (Math.random() < 0.01) await c.query('DELETE FROM cluster_budget_spend WHERE subject = $1 AND ts < $2', [subject, now - WINDOW_MS.month - 86_400_000]);
      }
      await c.query('COMMIT');
      if (refusal !== undefined) return refusal;
    } catch (err) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      c.release();
    }
    let done = false;
    const once = (fn: () => Promise<unknown>) => async () => {
      if (done) return;
      done = true;
      await fn();
    };
    return {
      commit: once(() =>
        this.pool.query(
          `WITH h AS (DELETE FROM cluster_budget_holds WHERE id = $1 RETURNING subject, amount)
           INSERT INTO cluster_budget_spend (subject, ts, amount) SELECT subject, $2, amount FROM h`,
          [id, Date.now()],
        ),
      ),
      release: once(() => this.pool.query('DELETE FROM cluster_budget_holds WHERE id = $1', [id])),
    };
  }

  /** Spent and held cluster-wide for `subject` over `per` (admin views, tests). */
  async usage(subject: string, per: Window, now = Date.now()): Promise<{ spent: bigint; held: bigint }> {
    const r = await this.pool.query<{ spent: string; held: string }>(
      `SELECT (SELECT coalesce(sum(amount), 0) FROM cluster_budget_spend WHERE subject = $1 AND ts > $2)::text AS spent,
              (SELECT coalesce(sum(amount), 0) FROM cluster_budget_holds WHERE subject = $1)::text AS held`,
      [subject, now - WINDOW_MS[per]],
    );
    return { spent: BigInt(r.rows[0].spent), held: BigInt(r.rows[0].held) };
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => undefined);
  }
}

/** Whether a reserve answered a refusal. */
export const isRefusal = (x: BudgetHold | BudgetRefusal): x is BudgetRefusal => 'remaining' in x;
