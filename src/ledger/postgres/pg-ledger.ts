/**
 * The ledger on PostgreSQL (`ledger.backend: postgres`): the same guarantees as the LevelDB ledger
 * (see ../README.md and ./README.md), with the book of record in a database.
 *
 * - `reserve` is in memory and synchronous, against balances loaded at open and kept current by this
 *   process's own commits: one node process owns the books, enforced by a session advisory lock held
 *   on a dedicated connection for the ledger's lifetime (a second node on the same database gets
 *   LEDGER_IN_USE). Losing that connection is a fault like a failed write.
 * - `commit`: group commit (pg-lane.ts), callbacks after the durable COMMIT.
 * - Replays: the journal's primary key; a repeated id books nothing. Folded ids are forgotten (as LevelDB).
 * - Fail-stop: a failed statement faults the ledger; every `probeIntervalMs` once no batch is in
 *   flight, it reconnects, retakes the lock, reloads the balances, books the side journal's losses
 *   (the difference only, for a packet whose COMMIT landed although the client saw an error) and clears the fault.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type pg from 'pg';
import type { LedgerBackend } from '../backend.js';
import { LedgerError } from '../errors.js';
import { type Callback, safely } from '../group.js';
import { closedError } from '../group-lane.js';
import { lossEntry } from '../loss.js';
import { SideJournal } from '../side-journal.js';
import { planImport } from '../snapshot.js';
import type { AccountId, JournalEntry, LedgerSnapshot, Reservation, VerifyResult } from '../types.js';
import { connectionConfig, loadPg, unavailable, redactPostgresUrl, type PostgresTarget } from './connect.js';
import { PgLane } from './pg-lane.js';
import { CONSOLIDATE, FOLD, existingIds, findEntry, importDb, isEmpty, readAssets, snapshotDb, storedBalances, verifyDb, writeAssets } from './queries.js';
import { sumByRecordedAsset } from '../asset-records.js';
import type { LedgerAsset } from '../assets.js';
import { applyStored } from './refresh.js';
import { migrate, OWNER_LOCK, SCHEMA_VERSION, schemaVersion, type MigrateResult } from './schema.js';

/** Options of `PostgresLedger.open`. */
export interface PostgresLedgerOptions extends PostgresTarget {
  /** The node's data directory: the side journal (`ledger-side-pg.journal`) lives there. */
  dataDir: string;
  /** Batch statements running at once (default 4). */
  maxBatchesInFlight?: number;
  /** Entries older than this (ms) are folded into checkpoints (default 900000). */
  journalRetentionMs?: number;
  /** How often (ms) folding runs (default 5000). */
  compactIntervalMs?: number;
  /** After a fault, how often (ms) the database is tried again (default 1000). */
  probeIntervalMs?: number;
  /** Create or upgrade the schema at open (default true); false: a schema not at this build's version is an error. */
  migrate?: boolean;
  /**
   * One instance of a cluster (cluster.enabled): the owner lock is taken shared (instances coexist, a
   * lone node is refused, and the other way round), and every `refreshMs` the balances other instances
   * booked are read back (see refreshBalances).
   */
  shared?: { refreshMs: number };
  onWarning?: (message: string, details: Record<string, unknown>) => void;
}

const DEFAULTS = { inFlight: 4, retentionMs: 900_000, compactMs: 5_000, probeMs: 1_000 };
const CONSOLIDATE_MS = 1_000;
const FOLD_CHUNK = 2_000;

/** Path of the PostgreSQL backend's side journal (apart from the LevelDB one). */
export const pgSideJournalPath = (dataDir: string): string => join(dataDir, 'ledger-side-pg.journal');

/** Connects a client, runs `fn`, ends it. Connection failures become LEDGER_DB_UNAVAILABLE. */
export async function withClient<T>(t: PostgresTarget, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const pgm = await loadPg();
  const c = new pgm.Client(connectionConfig(t));
  c.on('error', () => undefined);
  try {
    await c.connect();
  } catch (err) {
    await c.end().catch(() => undefined);
    throw unavailable(t, err);
  }
  try {
    return await fn(c);
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** `agent-runtime ledger migrate`: creates or upgrades the schema. */
export function migrateDatabase(t: PostgresTarget): Promise<MigrateResult> {
  return withClient(t, (c) => migrate(c));
}

export class PostgresLedger extends PgLane implements LedgerBackend {
  private owner: pg.Client | undefined;
  private consolidateTimer: NodeJS.Timeout | undefined;
  private foldTimer: NodeJS.Timeout | undefined;
  private probeTimer: NodeJS.Timeout | undefined;
  private folding: Promise<number> | undefined;
  private probing = false;
  private refreshTimer: NodeJS.Timeout | undefined;
  private refreshing = false;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly opts: PostgresLedgerOptions,
    private readonly pgm: typeof pg,
    pool: pg.Pool,
    side: SideJournal,
  ) {
    super(pool, side, Math.max(1, Math.floor(opts.maxBatchesInFlight ?? DEFAULTS.inFlight)));
  }

  /** Connects, takes the owner lock, migrates (unless told not to), loads balances, books losses. */
  static async open(opts: PostgresLedgerOptions): Promise<PostgresLedger> {
    if (typeof opts.url !== 'string' || opts.url === '') throw new LedgerError('LEDGER_INVALID_OPTIONS', 'ledger.postgres.url is required with ledger.backend: postgres', 'Set ledger.postgres.url (or AGENT_RUNTIME_LEDGER_POSTGRES_URL) to postgres://user:password@host:port/database.');
    const pgm = await loadPg();
    const inFlight = Math.max(1, Math.floor(opts.maxBatchesInFlight ?? DEFAULTS.inFlight));
    const pool = new pgm.Pool(connectionConfig(opts, { max: inFlight + 2 }));
    // Idle clients report a server that went away as an 'error' event: the next query sees it too.
    pool.on('error', () => undefined);
    const side = new SideJournal(pgSideJournalPath(opts.dataDir));
    const ledger = new PostgresLedger(opts, pgm, pool, side);
    try {
      mkdirSync(opts.dataDir, { recursive: true });
      side.open();
      await ledger.connectOwner(opts.migrate !== false);
      await ledger.load();
      await ledger.bookLosses();
      await ledger.checkDurability();
    } catch (err) {
      await ledger.shutdown();
      throw err;
    }
    ledger.consolidateTimer = setInterval(() => void ledger.consolidate().catch(() => undefined), CONSOLIDATE_MS);
    ledger.consolidateTimer.unref();
    ledger.foldTimer = setInterval(() => void ledger.foldNow().catch(() => undefined), opts.compactIntervalMs ?? DEFAULTS.compactMs);
    ledger.foldTimer.unref();
    if (opts.shared) {
      ledger.refreshTimer = setInterval(() => void ledger.refreshBalances().catch(() => undefined), opts.shared.refreshMs);
      ledger.refreshTimer.unref();
    }
    return ledger;
  }

  /** The data directory of the side journal. */
  get dataDir(): string {
    return this.opts.dataDir;
  }

  /** The database, its password masked. */
  get where(): string {
    return redactPostgresUrl(this.opts.url);
  }

  commit(entry: JournalEntry, reservation: Reservation | undefined, cb: Callback, ctx?: unknown): void {
    this.admit(entry, reservation);
    this.enqueue(entry, cb, ctx);
  }

  async getEntry(id: string): Promise<JournalEntry | undefined> {
    if (this.closed) throw closedError();
    return findEntry(this.pool, id);
  }

  /** As `Ledger.verify`: with accounts in more than one recorded asset, each asset must sum to zero. */
  async verify(): Promise<VerifyResult> {
    if (this.closed) throw closedError();
    await this.flush();
    const result = await this.db(() => verifyDb(this.pool));
    const recorded = await this.db(() => readAssets(this.pool));
    const fallback = recorded.get('agent');
    if (fallback === undefined) return result;
    const sums = sumByRecordedAsset(this.balances(), recorded, fallback);
    if (sums.size < 2) return result;
    return { ...result, ok: result.ok && [...sums.values()].every((v) => v === 0n), assets: Object.fromEntries([...sums].map(([k, v]) => [k, v.toString()])) };
  }

  async accountAssets(): Promise<Map<AccountId, LedgerAsset>> {
    if (this.closed) throw closedError();
    return this.db(() => readAssets(this.pool));
  }

  async recordAssets(assets: Iterable<[AccountId, LedgerAsset]>): Promise<void> {
    if (this.closed) throw closedError();
    await this.db(() => writeAssets(this.pool, assets));
  }

  async exportSnapshot(): Promise<LedgerSnapshot> {
    if (this.closed) throw closedError();
    await this.flush();
    return this.db(() => snapshotDb(this.pool));
  }

  async importSnapshot(snapshot: LedgerSnapshot): Promise<void> {
    if (this.closed) throw closedError();
    const plan = planImport(snapshot);
    this.laneHeld = true;
    try {
      await this.flush();
      const booked = [...this.accts.values()].some((a) => a.booked);
      if (booked || this.pending.size > 0 || !(await this.db(() => isEmpty(this.pool)))) {
        throw new LedgerError('LEDGER_NOT_EMPTY', `Cannot import: the PostgreSQL ledger at ${this.where} already holds data`, 'Import into an empty database (export it and use another database, or drop its ledger tables, first).');
      }
      await importDb(this.pool, plan).catch((err: unknown) => {
        throw new LedgerError('LEDGER_WRITE_FAILED', `Import failed, nothing was written: ${this.describe(err)}`, 'Check the PostgreSQL server, then retry.', { cause: err });
      });
    } finally {
      this.laneHeld = false;
      if (!this.group.empty) this.schedule();
    }
    for (const [account, b] of plan.balances) {
      const a = this.account(account);
      a.balance = b;
      a.booked = true;
    }
    if (plan.balances.size > 0 && this.onBalanceChanged) safely(() => this.onBalanceChanged!(new Map(plan.balances)));
  }

  /** Folds entries booked before `before` (default now − retention) into checkpoints; resolves with how many. */
  foldNow(before?: number): Promise<number> {
    if (this.closed || this.faultState !== undefined) return Promise.resolve(0);
    const cutoff = before ?? Date.now() - (this.opts.journalRetentionMs ?? DEFAULTS.retentionMs);
    this.folding ??= (async () => {
      let total = 0;
      for (;;) {
        const r = await this.pool.query<{ n: number }>(FOLD, [cutoff, FOLD_CHUNK]);
        total += r.rows[0].n;
        if (r.rows[0].n < FOLD_CHUNK || this.closed) return total;
      }
    })().finally(() => {
      this.folding = undefined;
    });
    return this.folding;
  }

  /** Adds committed delta rows into base balances (background; also at close). */
  async consolidate(): Promise<void> {
    if (this.faultState !== undefined) return;
    await this.pool.query(CONSOLIDATE);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.closed = true;
      await this.flush();
      while (this.folding !== undefined) await this.folding.catch(() => undefined);
      await this.consolidate().catch(() => undefined);
      await this.shutdown();
    })();
    return this.closing;
  }

  // ---- internals ----

  protected freshRepeated(id: string): void {
    this.opts.onWarning?.('an entry marked fresh repeats an id already booked: it was not booked again (a packet id minted twice?)', { id });
  }

  protected override describe(err: unknown): string {
    return unavailable(this.opts, err).details.reason as string;
  }

  private async db<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof LedgerError) throw err;
      throw unavailable(this.opts, err);
    }
  }

  /** Connects the owner session, takes the lock, checks or migrates the schema. */
  private async connectOwner(doMigrate: boolean): Promise<void> {
    const c = new this.pgm.Client(connectionConfig(this.opts));
    c.on('error', (err) => {
      if (this.owner === c && !this.closed) this.enterFault(err);
    });
    try {
      await c.connect();
    } catch (err) {
      await c.end().catch(() => undefined);
      throw unavailable(this.opts, err);
    }
    try {
      const lock = this.opts.shared ? 'pg_try_advisory_lock_shared' : 'pg_try_advisory_lock';
      const got = await c.query<{ ok: boolean }>(`SELECT ${lock}($1) AS ok`, [OWNER_LOCK]);
      const holder = this.opts.shared ? 'a node process outside a cluster' : 'another node process (or cluster instances)';
      if (!got.rows[0].ok) throw new LedgerError('LEDGER_IN_USE', `The PostgreSQL ledger at ${this.where} is held by ${holder}`, 'Stop the other node (or point this one at another database), or run the command against the running node with --url.', { details: { dataDir: this.where } });
      const found = doMigrate ? (await migrate(c)).to : await schemaVersion(c);
      if (found !== SCHEMA_VERSION) throw new LedgerError('LEDGER_SCHEMA_MISMATCH', `The PostgreSQL ledger schema is version ${found}, this build needs ${SCHEMA_VERSION}`, undefined, { details: { found, wanted: SCHEMA_VERSION } });
    } catch (err) {
      await c.end().catch(() => undefined);
      throw err instanceof LedgerError ? err : unavailable(this.opts, err);
    }
    c.on('end', () => {
      if (this.owner === c && !this.closed) this.enterFault(new Error('the connection holding the ledger lock was closed'));
    });
    this.owner = c;
  }

  /**
   * Cluster: reads back the durable balances, which include what other instances booked. The lane is
   * held and this instance's batches drained first, so the one-statement read holds exactly this
   * instance's committed batches and none half: nothing is counted twice or missed. Reservations and
   * pending amounts stay as they are (they are this instance's own).
   */
  async refreshBalances(): Promise<void> {
    if (this.refreshing || this.closed || this.faultState !== undefined || this.probing) return;
    this.refreshing = true;
    this.laneHeld = true;
    let changed: Map<AccountId, bigint> | undefined;
    try {
      while (this.inFlight.length > 0) await new Promise((r) => setTimeout(r, 1));
      changed = applyStored(await storedBalances(this.pool), (id) => this.accts.get(id) ?? this.account(id));
    } finally {
      this.laneHeld = false;
      this.refreshing = false;
      if (!this.group.empty) this.schedule();
    }
    if (changed.size > 0 && this.onBalanceChanged) safely(() => this.onBalanceChanged!(changed));
  }

  /** Consolidates what a previous run left, then loads every balance. */
  private async load(): Promise<void> {
    await this.db(() => this.pool.query(CONSOLIDATE));
    const stored = await this.db(() => storedBalances(this.pool));
    for (const a of this.accts.values()) a.balance = 0n;
    for (const [id, b] of stored) {
      const a = this.account(id);
      a.balance = b;
      a.booked = true;
    }
  }

  /** Books the side journal's packets as losses (the difference, when the packet landed after all). */
  private async bookLosses(): Promise<number> {
    const records = this.side.read();
    if (records.length === 0) return 0;
    const landed = await this.db(() => existingIds(this.pool, records.map((r) => r.entry.id)));
    const losses = records.map((r) => lossEntry(r.entry, landed.has(r.entry.id))).filter((e): e is JournalEntry => e !== undefined);
    await Promise.all(losses.map((e) => this.commitAsync(e)));
    this.side.clear();
    return losses.length;
  }

  /** Warns when the server would acknowledge commits it has not flushed. */
  private async checkDurability(): Promise<void> {
    const r = await this.db(() => this.pool.query<{ fsync: string; sc: string }>("SELECT current_setting('fsync') AS fsync, current_setting('synchronous_commit') AS sc"));
    const { fsync, sc } = r.rows[0];
    if (fsync !== 'on' || sc === 'off' || sc === 'local') this.opts.onWarning?.('the PostgreSQL server does not flush commits durably: a power loss can lose acknowledged packets', { fsync, synchronous_commit: sc });
  }

  protected faulted(): void {
    if (this.probeTimer !== undefined || this.closed) return;
    this.probeTimer = setInterval(() => void this.probe(), this.opts.probeIntervalMs ?? DEFAULTS.probeMs);
    this.probeTimer.unref();
  }

  /** Once no batch is in flight: a new pool and owner session, balances reloaded, losses booked. */
  private async probe(): Promise<void> {
    const fault = this.faultState;
    if (this.probing || this.closed || fault === undefined || this.inFlight.length > 0) return;
    this.probing = true;
    this.laneHeld = true;
    let ok = false;
    try {
      const old = this.owner;
      this.owner = undefined;
      await old?.end().catch(() => undefined);
      await this.pool.end().catch(() => undefined);
      this.pool = new this.pgm.Pool(connectionConfig(this.opts, { max: Math.max(1, Math.floor(this.opts.maxBatchesInFlight ?? DEFAULTS.inFlight)) + 2 }));
      this.pool.on('error', () => undefined);
      await this.connectOwner(false);
      await this.load();
      ok = true;
    } catch {
      // still down: the next tick tries again
    } finally {
      this.laneHeld = false;
      this.probing = false;
      if (!this.group.empty) this.schedule();
    }
    if (!ok || this.closed) return;
    this.faultState = undefined;
    let booked = 0;
    try {
      booked = await this.bookLosses();
    } catch {
      return; // enterFault ran again: keep probing
    }
    if (this.faultState !== undefined) return;
    clearInterval(this.probeTimer);
    this.probeTimer = undefined;
    const info = { lossesBooked: booked, downMs: Date.now() - fault.since };
    if (this.onRecovered) safely(() => this.onRecovered!(info));
  }

  private async shutdown(): Promise<void> {
    this.closed = true;
    for (const t of [this.consolidateTimer, this.foldTimer, this.probeTimer, this.refreshTimer]) if (t) clearInterval(t);
    const owner = this.owner;
    this.owner = undefined;
    await owner?.end().catch(() => undefined);
    await this.pool.end().catch(() => undefined);
    this.side.close();
  }
}
