/**
 * The PostgreSQL ledger backend against a real private server (test/helpers/postgres.ts): schema and
 * migrations, group commit, durability before the callback, replays, limits, the owner lock, folding,
 * snapshots (including a LevelDB ledger's books moved into PostgreSQL). Fail-stop: postgres-fail-stop.test.ts.
 */
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { accounts, entries, type JournalEntry } from '../../src/ledger/index.js';
import { migrateDatabase, PostgresLedger, SCHEMA_VERSION, type PostgresLedgerOptions } from '../../src/ledger/postgres/index.js';
import { havePostgres, TestPostgres } from '../helpers/postgres.js';
import { openLedger, tempDir } from './helpers.js';

const commit = (l: PostgresLedger, e: JournalEntry) => new Promise<Error | undefined>((resolve) => l.commit(e, undefined, (err) => resolve(err)));

describe.skipIf(!havePostgres())('PostgreSQL ledger', () => {
  let server: TestPostgres;
  let dbCount = 0;
  const open: PostgresLedger[] = [];

  beforeAll(async () => {
    server = await TestPostgres.start();
  });
  afterAll(async () => {
    await server?.stop();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((l) => l.close().catch(() => undefined)));
  });

  /** A fresh empty database on the server; its URL. */
  async function freshDb(): Promise<string> {
    const name = `t${++dbCount}_${process.pid}`;
    const c = new pg.Client(server.connection('postgres'));
    await c.connect();
    await c.query(`CREATE DATABASE ${name}`);
    await c.end();
    return `postgres://agent@127.0.0.1:${server.port}/${name}`;
  }

  async function openPg(o: Partial<PostgresLedgerOptions> & { url: string }): Promise<PostgresLedger> {
    const l = await PostgresLedger.open({ dataDir: tempDir(), ...o });
    open.push(l);
    return l;
  }

  async function rows(url: string, sql: string): Promise<Record<string, unknown>[]> {
    const c = new pg.Client(url);
    await c.connect();
    try {
      return (await c.query(sql)).rows as Record<string, unknown>[];
    } finally {
      await c.end();
    }
  }

  it('migrate creates the schema once and says what it did (--json shape)', async () => {
    const url = await freshDb();
    expect(await migrateDatabase({ url })).toEqual({ from: 0, to: SCHEMA_VERSION, applied: ['initial ledger tables', 'cluster instance registry', 'cluster runtime state', 'cluster shared state', 'cluster settlement lanes', 'cluster spend budgets'] });
    expect(await migrateDatabase({ url })).toEqual({ from: SCHEMA_VERSION, to: SCHEMA_VERSION, applied: [] });
    expect(await rows(url, 'SELECT version FROM ledger_schema')).toEqual([{ version: 1 }, { version: 2 }, { version: 3 }, { version: 4 }, { version: 5 }, { version: 6 }]);
  });

  it('refuses a database without the schema when told not to migrate', async () => {
    const url = await freshDb();
    await expect(openPg({ url, migrate: false })).rejects.toMatchObject({ code: 'LEDGER_SCHEMA_MISMATCH' });
  });

  it('groups the commits of one turn into one statement, calls back only once they are committed', async () => {
    const url = await freshDb();
    const l = await openPg({ url });
    const writes: { entries: number }[] = [];
    l.writeHook = (w) => writes.push(w);
    const done = Array.from({ length: 1000 }, (_, i) => commit(l, { ...entries.forward(`p${i}`, 'alice', 'bob', 100n, 99n, { condition: Buffer.alloc(32, 7), requestId: i }), fresh: true }));
    expect((await Promise.all(done)).every((e) => e === undefined)).toBe(true);
    expect(writes).toEqual([{ seq: 1, entries: 1000, sync: true }]);
    // every acknowledged entry is in the database, read by another session
    expect(await rows(url, 'SELECT count(*)::int AS n FROM ledger_journal')).toEqual([{ n: 1000 }]);
    expect(l.balance(accounts.peer('alice'))).toBe(100_000n);
    expect(l.balance(accounts.peer('bob'))).toBe(-99_000n);
    expect(l.balance(accounts.fees)).toBe(-1_000n);
    const e = await l.getEntry('p7');
    expect(e).toMatchObject({ id: 'p7', kind: 'packet', sourcePeer: 'alice', requestId: 7 });
    expect(e!.condition!.equals(Buffer.alloc(32, 7))).toBe(true);
    const v = await l.verify();
    expect(v).toEqual({ ok: true, mismatches: [], sum: '0' });
  });

  it('keeps several batches in flight and books every commit once, in any completion order', async () => {
    const url = await freshDb();
    const l = await openPg({ url, maxBatchesInFlight: 4 });
    const all: Promise<Error | undefined>[] = [];
    for (let turn = 0; turn < 40; turn++) {
      for (let i = 0; i < 25; i++) all.push(commit(l, { ...entries.forward(`t${turn}-${i}`, 'alice', 'bob', 10n, 10n), fresh: true }));
      await new Promise((r) => setImmediate(r));
    }
    expect((await Promise.all(all)).every((e) => e === undefined)).toBe(true);
    expect(l.balance(accounts.peer('alice'))).toBe(10_000n);
    await l.close();
    const again = await openPg({ url });
    expect(again.balances()).toEqual(new Map([[accounts.peer('alice'), 10_000n], [accounts.peer('bob'), -10_000n]]));
    expect((await again.verify()).ok).toBe(true);
  });

  it('never books a replayed id twice: same turn, after it is durable, and after a restart', async () => {
    const url = await freshDb();
    const l = await openPg({ url });
    const claim = entries.claimReceived('claim-in:alice:500', 'alice', 500n);
    const [a, b] = await Promise.all([commit(l, claim), commit(l, claim)]);
    expect([a, b]).toEqual([undefined, undefined]);
    expect(await commit(l, claim)).toBeUndefined();
    expect(l.balance(accounts.peer('alice'))).toBe(-500n);
    await l.close();
    const again = await openPg({ url });
    expect(await commit(again, claim)).toBeUndefined();
    expect(again.balance(accounts.peer('alice'))).toBe(-500n);
    expect(await rows(url, 'SELECT count(*)::int AS n FROM ledger_journal')).toEqual([{ n: 1 }]);
  });

  it('holds credit limits against reserved and committed-but-unwritten amounts', async () => {
    const l = await openPg({ url: await freshDb() });
    l.setLimits('alice', { creditLimit: 1000n });
    expect(l.reserve('alice', 600n)).toBe(true);
    expect(l.reserve('alice', 500n)).toBe(false);
    const p = commit(l, entries.forward('x1', 'alice', 'bob', 600n, 600n), );
    l.commit(entries.forward('x2', 'alice', 'bob', 0n, 0n), { peerId: 'alice', amount: 600n }, () => undefined);
    // 600 is now pending (not yet durable) and still counts
    expect(l.reserve('alice', 500n)).toBe(false);
    expect(await p).toBeUndefined();
    expect(l.reserve('alice', 400n)).toBe(true);
    expect(l.reserve('alice', 1n)).toBe(false);
  });

  it('one node process owns the books: a second open of the same database is LEDGER_IN_USE', async () => {
    const url = await freshDb();
    await openPg({ url });
    await expect(openPg({ url })).rejects.toMatchObject({ code: 'LEDGER_IN_USE' });
  });

  it('folds old entries into checkpoints; balances and verify unchanged', async () => {
    const url = await freshDb();
    const l = await openPg({ url });
    for (let i = 0; i < 30; i++) expect(await commit(l, entries.localDelivery(`d${i}`, 'alice', 5n))).toBeUndefined();
    expect(await l.foldNow(Date.now() + 1)).toBe(30);
    expect(await rows(url, 'SELECT count(*)::int AS n FROM ledger_journal')).toEqual([{ n: 0 }]);
    expect(await l.verify()).toEqual({ ok: true, mismatches: [], sum: '0' });
    const snap = await l.exportSnapshot();
    expect(snap.checkpoints).toEqual({ agent: '-150', 'peer:alice': '150' });
    expect(snap.balances).toEqual({ agent: '-150', 'peer:alice': '150' });
  });

  it('moves a LevelDB ledger\'s books into PostgreSQL (export, import, verify) and refuses a second import', async () => {
    const level = await openLedger();
    for (let i = 0; i < 50; i++) await level.commitAsync(entries.forward(`lv${i}`, 'alice', 'bob', 100n, 98n, { condition: Buffer.alloc(32, i) }));
    await level.commitAsync(entries.claimReceived('claim-in:alice:700', 'alice', 700n));
    const snap = await level.exportSnapshot();
    const url = await freshDb();
    const l = await openPg({ url });
    await l.importSnapshot(snap);
    expect(l.balances()).toEqual(level.balances());
    expect(await l.verify()).toEqual({ ok: true, mismatches: [], sum: '0' });
    const back = await l.exportSnapshot();
    expect({ ...back, exportedAt: '' }).toEqual({ ...snap, exportedAt: '' });
    // a replay of an imported id books nothing
    expect(await commit(l, entries.claimReceived('claim-in:alice:700', 'alice', 700n))).toBeUndefined();
    expect(l.balance(accounts.peer('alice'))).toBe(level.balance(accounts.peer('alice')));
    await expect(l.importSnapshot(snap)).rejects.toMatchObject({ code: 'LEDGER_NOT_EMPTY' });
  });

  it('a bad URL is LEDGER_DB_UNAVAILABLE and never shows the password', async () => {
    const err = await openPg({ url: `postgres://agent:hunter2secret@127.0.0.1:1/nope` }).then(
      () => new Error('opened') as Error & { code: string },
      (e: unknown) => e as Error & { code: string },
    );
    expect(err).toMatchObject({ code: 'LEDGER_DB_UNAVAILABLE' });
    expect(err.message).not.toContain('hunter2secret');
    expect(err.message).toContain('***');
  });
});
