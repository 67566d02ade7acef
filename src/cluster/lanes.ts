/**
 * Settlement lane leaders (docs/scaling.md, "Settlement lanes"): in a cluster each chain lane (evm,
 * xrpl, aptos, as configured) is run by exactly one instance, the one holding the lane's session
 * advisory lock on its **lane session** (a dedicated connection). The lane's state (channels, best
 * claims, transaction intents, last block read) lives in PostgreSQL (schema migration 5) and every
 * write of it goes through that same session, only while it holds the lock: a leader whose session
 * died can write nothing more (its next write fails), so two instances never write one lane's state.
 *
 * When the leader dies the server frees its lock; another instance takes it at its next check
 * (`cluster.leaseCheckMs`), loads the lane's state and starts the lane, which reconciles the intents
 * left open by hash and nonce (the same recovery as a single node's kill -9 restart).
 */
import type pg from 'pg';
import type { Logger } from 'pino';
import { connectionConfig, loadPg, type PostgresTarget } from '../ledger/postgres/connect.js';
import { migrate } from '../ledger/postgres/schema.js';

/** Advisory lock namespace of the lanes (first key of the two-key form; the second is hashtext(chain)). */
export const LANE_NS = 0x434c_534e; // "CLSN"

/** What the settlement engine does when this instance gains or loses a lane. */
export interface LaneHooks {
  /** This instance took the lane's lock: load its state and run it (a throw gives the lock back). */
  lead(chain: string): Promise<void>;
  /** The lock is gone (session lost) or the instance stops: stop the lane. */
  lose(chain: string): Promise<void>;
}

/** A write or read of a lane's state refused because this instance does not (or no longer) lead it. */
export class LaneLostError extends Error {}

const leadersSql = `
  SELECT s.chain, s.instance FROM settlement_lanes s
  JOIN pg_locks l ON l.pid = s.backend_pid AND l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
    AND l.classid = $1::bigint::oid AND l.objid = (hashtext(s.chain)::bigint & 4294967295)::oid`;

export interface LaneLeadersOptions {
  target: PostgresTarget;
  instanceId: string;
  /** how often the locks of lanes not led here are tried, and the leaders read (ms) */
  checkMs: number;
  logger: Logger;
}

export class LaneLeaders {
  private client: pg.Client | undefined;
  private readonly led = new Set<string>();
  private chains: readonly string[] = [];
  private hooks: LaneHooks | undefined;
  private leaders = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly o: LaneLeadersOptions) {}

  /** Takes part in the election of `chains`: tries their locks now and every checkMs. */
  elect(chains: readonly string[], hooks: LaneHooks): void {
    this.chains = chains;
    this.hooks = hooks;
    this.timer ??= setInterval(() => void this.check(), this.o.checkMs);
    this.timer.unref();
    void this.check();
  }

  /** Whether this instance leads `chain` now. */
  leads(chain: string): boolean {
    return this.led.has(chain);
  }

  /** The instance leading `chain` (as of the last check), undefined when none. */
  leaderOf(chain: string): string | undefined {
    return this.led.has(chain) ? this.o.instanceId : this.leaders.get(chain);
  }

  /** Every elected lane and its leader (null: none now), for /health. */
  view(): Record<string, string | null> {
    return Object.fromEntries(this.chains.map((c) => [c, this.leaderOf(c) ?? null]));
  }

  /**
   * Runs one statement of `chain`'s state on the lane session, only while this instance leads it
   * (`chain` undefined: while it leads any lane). Throws LaneLostError otherwise.
   */
  async query<R>(chain: string | undefined, sql: string, params: unknown[] = []): Promise<R[]> {
    const c = this.client;
    const ok = chain === undefined ? this.led.size > 0 : this.led.has(chain);
    if (c === undefined || !ok) throw new LaneLostError(`this cluster instance does not lead the ${chain ?? 'settlement'} lane (its lock is held elsewhere or its session was lost)`);
    const r = await c.query(sql, params);
    return r.rows as R[];
  }

  /** Waits for a check in progress (tests, and start ordering). */
  async settled(): Promise<void> {
    await this.checking;
  }

  /** Stops the lanes led here, then ends the session (the server frees the locks). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.checking?.catch(() => undefined);
    for (const chain of [...this.led]) await this.drop(chain);
    const c = this.client;
    this.client = undefined;
    await c?.end().catch(() => undefined);
  }

  private check(): Promise<void> {
    if (this.checking !== undefined || this.stopped) return this.checking ?? Promise.resolve();
    this.checking = this.tryLanes()
      .catch((err: unknown) => this.o.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'settlement lane check failed'))
      .finally(() => (this.checking = undefined));
    return this.checking;
  }

  private async tryLanes(): Promise<void> {
    const c = this.client ?? (await this.open());
    for (const chain of this.chains) {
      if (this.led.has(chain) || this.stopped || this.client !== c) continue;
      const got = await c.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok', [LANE_NS, chain]);
      if (!got.rows[0].ok) continue;
      await c.query(
        `INSERT INTO settlement_lanes (chain, instance, backend_pid) VALUES ($1, $2, pg_backend_pid())
         ON CONFLICT (chain) DO UPDATE SET instance = EXCLUDED.instance, backend_pid = EXCLUDED.backend_pid, since = now()`,
        [chain, this.o.instanceId],
      );
      this.led.add(chain);
      this.o.logger.info({ chain, instanceId: this.o.instanceId }, 'leading the settlement lane: loading its state from the database');
      try {
        await this.hooks?.lead(chain);
      } catch (err) {
        this.o.logger.error({ chain, err: err instanceof Error ? err.message : String(err) }, 'could not start the settlement lane: giving its lock back');
        await this.drop(chain);
        await c.query('SELECT pg_advisory_unlock($1, hashtext($2))', [LANE_NS, chain]).catch(() => undefined);
      }
    }
    if (this.client !== c) return;
    const rows = await c.query<{ chain: string; instance: string }>(leadersSql, [LANE_NS]);
    this.leaders = new Map(rows.rows.map((r) => [r.chain, r.instance]));
  }

  private async open(): Promise<pg.Client> {
    const pgm = await loadPg();
    const c = new pgm.Client(connectionConfig(this.o.target));
    c.on('error', (err) => this.lost(c, err.message));
    c.on('end', () => this.lost(c, 'the lane session was closed'));
    await c.connect();
    try {
      await migrate(c);
    } catch (err) {
      await c.end().catch(() => undefined);
      throw err;
    }
    this.client = c;
    return c;
  }

  /** The lane session is gone, and every lock with it: stop every lane led here. */
  private lost(c: pg.Client, reason: string): void {
    if (this.client !== c) return;
    this.client = undefined;
    c.end().catch(() => undefined);
    if (this.stopped) return;
    if (this.led.size > 0) this.o.logger.error({ lanes: [...this.led], reason }, 'settlement lane session lost: stopping the lanes led here');
    for (const chain of [...this.led]) void this.drop(chain);
  }

  private async drop(chain: string): Promise<void> {
    if (!this.led.delete(chain)) return;
    try {
      await this.hooks?.lose(chain);
    } catch (err) {
      this.o.logger.warn({ chain, err: err instanceof Error ? err.message : String(err) }, 'stopping a settlement lane failed');
    }
  }
}
