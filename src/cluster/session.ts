/**
 * One cluster instance's coordinator session: a dedicated PostgreSQL connection that
 * - holds the instance's own advisory lock (two live processes never share an instance id),
 * - keeps its row in `cluster_instances` (heartbeat; the row names this session's backend pid),
 * - holds the link locks (one per peer, see leases.ts): session advisory locks, so the server frees
 *   them the moment the session ends, a SIGKILLed process included, and `pg_locks` says who holds what.
 *
 * Queries on one connection run one at a time, in order (pg queues them).
 */
import type pg from 'pg';
import { appError } from '../errors/index.js';
import { RUNTIME_CHANNEL } from './runtime-store.js';
import { SHARED_CHANNEL } from './shared-state.js';
import { connectionConfig, loadPg, redactPostgresUrl, unavailable, type PostgresTarget } from '../ledger/postgres/connect.js';

/** Advisory lock namespaces (first key of the two-key form): instance ids, and links per peer. */
export const INSTANCE_NS = 0x434c_5349; // "CLSI"
export const LINK_NS = 0x434c_534c; // "CLSL"

/** A row of the registry as seen by this instance. */
export interface Member {
  id: string;
  alive: boolean;
  startedAt: string;
  heartbeatAt: string;
  info: Record<string, unknown>;
}

/** Options of ClusterSession.open. */
export interface SessionOptions {
  target: PostgresTarget;
  instanceId: string;
  /** A heartbeat older than this (ms) is a dead instance. */
  deadAfterMs: number;
  /** Written into the row (ports, pid, host): what other instances need to reach this one. */
  info: Record<string, unknown>;
  /** The connection ended or failed: every link lock is gone with it. */
  onLost(reason: string): void;
  /** A NOTIFY on RUNTIME_CHANNEL (another instance changed peers or routes): its payload. */
  onRuntime?(payload: string): void;
  /** A NOTIFY on SHARED_CHANNEL (rates, policies, approvals: shared-state.ts): its payload. */
  onShared?(payload: string): void;
}

/** Rows dead this long (ms) are deleted by any instance's heartbeat. */
const FORGET_DEAD_MS = 60_000;

const lockHolders = `
  SELECT p AS peer, i.id AS instance
  FROM unnest($1::text[]) AS p
  JOIN pg_locks l ON l.locktype = 'advisory' AND l.granted AND l.classid = $2::bigint::oid AND l.objsubid = 2
    AND l.objid = (hashtext(p)::bigint & 4294967295)::oid
  JOIN cluster_instances i ON i.backend_pid = l.pid`;

export class ClusterSession {
  private lost = false;

  private constructor(
    private readonly c: pg.Client,
    private readonly o: SessionOptions,
  ) {}

  /** Connects, takes the instance id's lock, writes the registry row. */
  static async open(o: SessionOptions): Promise<ClusterSession> {
    const pgm = await loadPg();
    const c = new pgm.Client(connectionConfig(o.target));
    const s = new ClusterSession(c, o);
    c.on('error', (err) => s.fail(err.message));
    c.on('end', () => s.fail('the cluster session was closed'));
    c.on('notification', (m) => {
      if (m.channel === RUNTIME_CHANNEL && !s.lost) o.onRuntime?.(m.payload ?? '');
      if (m.channel === SHARED_CHANNEL && !s.lost) o.onShared?.(m.payload ?? '');
    });
    try {
      await c.connect();
    } catch (err) {
      s.lost = true;
      await c.end().catch(() => undefined);
      throw unavailable(o.target, err);
    }
    try {
      const got = await c.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok', [INSTANCE_NS, o.instanceId]);
      if (!got.rows[0].ok) throw appError('CLUSTER_INSTANCE_IN_USE', { instanceId: o.instanceId, database: redactPostgresUrl(o.target.url) });
      await c.query(
        `INSERT INTO cluster_instances (id, backend_pid, info) VALUES ($1, pg_backend_pid(), $2)
         ON CONFLICT (id) DO UPDATE SET backend_pid = EXCLUDED.backend_pid, started_at = now(), heartbeat_at = now(), info = EXCLUDED.info`,
        [o.instanceId, JSON.stringify(o.info)],
      );
      await c.query(`LISTEN ${RUNTIME_CHANNEL}`);
      await c.query(`LISTEN ${SHARED_CHANNEL}`);
    } catch (err) {
      s.lost = true;
      await c.end().catch(() => undefined);
      throw err;
    }
    return s;
  }

  get isLost(): boolean {
    return this.lost;
  }

  /** Writes the heartbeat, forgets long-dead rows, answers every member. */
  async heartbeat(info: Record<string, unknown>): Promise<Member[]> {
    await this.c.query('UPDATE cluster_instances SET heartbeat_at = now(), info = $2 WHERE id = $1', [this.o.instanceId, JSON.stringify(info)]);
    await this.c.query(`DELETE FROM cluster_instances WHERE id <> $1 AND heartbeat_at < now() - make_interval(secs => $2::double precision / 1000)`, [this.o.instanceId, FORGET_DEAD_MS]);
    const r = await this.c.query<{ id: string; alive: boolean; started_at: Date; heartbeat_at: Date; info: Record<string, unknown> }>(
      `SELECT id, heartbeat_at > now() - make_interval(secs => $1::double precision / 1000) AS alive, started_at, heartbeat_at, info
       FROM cluster_instances ORDER BY id`,
      [this.o.deadAfterMs],
    );
    return r.rows.map((x) => ({ id: x.id, alive: x.alive, startedAt: x.started_at.toISOString(), heartbeatAt: x.heartbeat_at.toISOString(), info: x.info }));
  }

  /** Takes the link lock of a peer if no session holds it (true), else false. Held already by us: true. */
  async tryLink(peerId: string): Promise<boolean> {
    const r = await this.c.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok', [LINK_NS, peerId]);
    return r.rows[0].ok;
  }

  /** Gives a peer's link lock back. */
  async releaseLink(peerId: string): Promise<void> {
    await this.c.query('SELECT pg_advisory_unlock($1, hashtext($2))', [LINK_NS, peerId]);
  }

  /** Which instance holds each of `peerIds`' link locks (peers nobody holds are absent). */
  async linkHolders(peerIds: readonly string[]): Promise<Map<string, string>> {
    if (peerIds.length === 0) return new Map();
    const r = await this.c.query<{ peer: string; instance: string }>(lockHolders, [peerIds, LINK_NS]);
    return new Map(r.rows.map((x) => [x.peer, x.instance]));
  }

  /** Ends the session (the server frees its locks); the row stays and goes stale. */
  async close(): Promise<void> {
    if (this.lost) return;
    this.lost = true;
    await this.c.query('DELETE FROM cluster_instances WHERE id = $1', [this.o.instanceId]).catch(() => undefined);
    await this.c.end().catch(() => undefined);
  }

  private fail(reason: string): void {
    if (this.lost) return;
    this.lost = true;
    this.c.end().catch(() => undefined);
    this.o.onLost(reason);
  }
}
