/**
 * Runtime peer and route changes of a cluster: kept in PostgreSQL (`cluster_runtime`, one row with
 * the whole state and a version) besides `<dataDir>/runtime.json`, and announced with NOTIFY on
 * RUNTIME_CHANNEL in the same transaction, so every instance hears of a change only once it is
 * committed. Instances LISTEN on their coordinator session (session.ts) and adopt the stored state.
 */
import { withClient } from '../ledger/postgres/pg-ledger.js';
import { migrate } from '../ledger/postgres/schema.js';
import type { PostgresTarget } from '../ledger/postgres/connect.js';
import { RuntimeStore, type RuntimeState } from '../node/runtime-store.js';

/** The NOTIFY channel of runtime changes; the payload is `<instanceId> <version>`. */
export const RUNTIME_CHANNEL = 'agent_runtime_cluster_runtime';

export class ClusterRuntimeStore extends RuntimeStore {
  private fetched: RuntimeState | undefined;
  /** the version this instance last wrote or read */
  version = 0;

  constructor(
    dir: string,
    private readonly target: PostgresTarget,
    private readonly instanceId: () => string,
  ) {
    super(dir);
  }

  /**
   * Reads the cluster's state (creating the schema when the database is new); undefined when no
   * instance has changed anything yet. `load` answers it from then on.
   */
  async fetch(): Promise<RuntimeState | undefined> {
    const row = await withClient(this.target, async (c) => {
      await migrate(c);
      const r = await c.query<{ state: string; version: string }>('SELECT state::text AS state, version::text AS version FROM cluster_runtime WHERE id = 1');
      return r.rows[0];
    });
    if (row === undefined) return undefined;
    this.version = Number(row.version);
    this.fetched = this.parse(row.state);
    return this.fetched;
  }

  /** The cluster's state once fetched (else the local file's, as a lone node). */
  override load(): RuntimeState {
    return this.fetched ?? super.load();
  }

  /** Writes the file, then the cluster's row and its announcement in one transaction. */
  override async save(state: RuntimeState): Promise<void> {
    await super.save(state);
    const json = this.serialise(state);
    const version = await withClient(this.target, async (c) => {
      await c.query('BEGIN');
      try {
        const r = await c.query<{ version: string }>(
          `INSERT INTO cluster_runtime (id, state, version) VALUES (1, $1::jsonb, 1)
           ON CONFLICT (id) DO UPDATE SET state = EXCLUDED.state, version = cluster_runtime.version + 1 RETURNING version::text AS version`,
          [json],
        );
        await c.query('SELECT pg_notify($1, $2)', [RUNTIME_CHANNEL, `${this.instanceId()} ${r.rows[0].version}`]);
        await c.query('COMMIT');
        return Number(r.rows[0].version);
      } catch (err) {
        await c.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
    });
    this.version = version;
    this.fetched = state;
  }
}
