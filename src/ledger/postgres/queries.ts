/**
 * The PostgreSQL ledger's statements besides the batch write (batch.ts). Each write is one statement
 * (its own transaction: committed, with synchronous_commit on, before the server answers).
 */
import type pg from 'pg';
import { parseAssetKey } from '../asset-records.js';
import { assetKey, type LedgerAsset } from '../assets.js';
import { buildSnapshot, type ImportPlan } from '../snapshot.js';
import type { AccountId, EntryKind, JournalEntry, LedgerSnapshot, VerifyResult } from '../types.js';

/** An entry as the batch statement's JSON input. */
interface Row {
  i: string;
  k: string;
  t: number;
  a: string[];
  m: string[];
  c?: string;
  s?: string;
  r?: number;
}

/** JSON of entries for the import's journal statement (the packet path's batch is batch.ts). */
export function rowsJson(items: readonly { entry: JournalEntry; ts: number }[]): string {
  const rows: Row[] = new Array<Row>(items.length);
  for (let n = 0; n < items.length; n++) {
    const { entry: e, ts } = items[n];
    const a = new Array<string>(e.postings.length);
    const m = new Array<string>(e.postings.length);
    for (let j = 0; j < e.postings.length; j++) {
      a[j] = e.postings[j].account;
      m[j] = e.postings[j].amount.toString();
    }
    const r: Row = { i: e.id, k: e.kind, t: ts, a, m };
    if (e.condition !== undefined) r.c = e.condition.toString('hex');
    if (e.sourcePeer !== undefined) r.s = e.sourcePeer;
    if (e.requestId !== undefined) r.r = e.requestId;
    rows[n] = r;
  }
  return JSON.stringify(rows);
}

const JOURNAL_FROM_JSON = `
  SELECT e->>'i', e->>'k', (e->>'t')::bigint,
    ARRAY(SELECT x FROM jsonb_array_elements_text(e->'a') WITH ORDINALITY AS t(x, n) ORDER BY n),
    ARRAY(SELECT x::numeric FROM jsonb_array_elements_text(e->'m') WITH ORDINALITY AS t(x, n) ORDER BY n),
    decode(e->>'c', 'hex'), e->>'s', (e->>'r')::bigint
  FROM jsonb_array_elements($1::jsonb) AS e`;

/** Adds every committed delta row into the base balances and deletes it, atomically. */
export const CONSOLIDATE = `
  WITH d AS (DELETE FROM ledger_deltas RETURNING accounts, amounts),
  s AS (SELECT p.account, sum(p.amount) AS amount FROM d, unnest(d.accounts, d.amounts) AS p(account, amount) GROUP BY p.account)
  INSERT INTO ledger_balances (account, balance) SELECT account, amount FROM s ORDER BY account
  ON CONFLICT (account) DO UPDATE SET balance = ledger_balances.balance + EXCLUDED.balance`;

/** Folds up to $2 entries booked before $1 (ms) into checkpoints; answers how many. */
export const FOLD = `
  WITH f AS (
    DELETE FROM ledger_journal WHERE id IN (SELECT id FROM ledger_journal WHERE ts < $1 ORDER BY ts LIMIT $2)
    RETURNING accounts, amounts
  ), s AS (
    SELECT p.account, sum(p.amount) AS amount FROM f, unnest(f.accounts, f.amounts) AS p(account, amount) GROUP BY p.account
  ), up AS (
    INSERT INTO ledger_checkpoints (account, amount) SELECT account, amount FROM s ORDER BY account
    ON CONFLICT (account) DO UPDATE SET amount = ledger_checkpoints.amount + EXCLUDED.amount RETURNING 1
  )
  SELECT count(*)::int AS n FROM f`;

const STORED = `
  SELECT account, sum(amount)::text AS amount FROM (
    SELECT account, balance AS amount FROM ledger_balances
    UNION ALL SELECT p.account, p.amount FROM ledger_deltas, unnest(accounts, amounts) AS p(account, amount)
  ) b GROUP BY account`;

const CHECKPOINTS = 'SELECT account, amount::text AS amount FROM ledger_checkpoints';

const RECOMPUTED = `
  SELECT account, sum(amount)::text AS amount FROM (
    SELECT account, amount FROM ledger_checkpoints
    UNION ALL SELECT p.account, p.amount FROM ledger_journal, unnest(accounts, amounts) AS p(account, amount)
  ) r GROUP BY account`;

type AmountRow = { account: string; amount: string };
const toMap = (rows: AmountRow[]): Map<AccountId, bigint> => new Map(rows.map((r) => [r.account, BigInt(r.amount)]));

/** Each account's recorded asset (the `asset` column of ledger_balances). */
export async function readAssets(db: pg.ClientBase | pg.Pool): Promise<Map<AccountId, LedgerAsset>> {
  const r = await db.query<{ account: string; asset: string }>('SELECT account, asset FROM ledger_balances WHERE asset IS NOT NULL ORDER BY account');
  const out = new Map<AccountId, LedgerAsset>();
  for (const row of r.rows) {
    const a = parseAssetKey(row.asset);
    if (a !== undefined) out.set(row.account, a);
  }
  return out;
}

/** Records accounts' assets (a row with balance 0 for an account not booked yet). */
export async function writeAssets(db: pg.ClientBase | pg.Pool, assets: Iterable<[AccountId, LedgerAsset]>): Promise<void> {
  const list = [...assets].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (list.length === 0) return;
  await db.query(
    `INSERT INTO ledger_balances (account, balance, asset) SELECT a, 0, k FROM unnest($1::text[], $2::text[]) AS t(a, k)
     ON CONFLICT (account) DO UPDATE SET asset = EXCLUDED.asset`,
    [list.map(([a]) => a), list.map(([, k]) => assetKey(k))],
  );
}

/** Stored balances (base + deltas), by account. */
export async function storedBalances(db: pg.ClientBase | pg.Pool): Promise<Map<AccountId, bigint>> {
  return toMap((await db.query<AmountRow>(STORED)).rows);
}

/**
 * Runs `fn` in one transaction on a client of `pool` opened by `begin`: committed when `fn` returns,
 * rolled back (and `fn`'s error rethrown) when it throws; the client goes back to the pool either way.
 */
export async function inTransaction<T>(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>, begin = 'BEGIN'): Promise<T> {
  const c = await pool.connect();
  try {
    await c.query(begin);
    const out = await fn(c);
    await c.query('COMMIT');
    return out;
  } catch (err) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    c.release();
  }
}

/** Runs `fn` in one read-only REPEATABLE READ transaction (one consistent view of every table). */
export function consistentRead<T>(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  return inTransaction(pool, fn, 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
}

/** Stored balances against checkpoints + journal, in one consistent read. */
export async function verifyDb(pool: pg.Pool): Promise<VerifyResult> {
  return consistentRead(pool, async (c) => {
    const stored = await storedBalances(c);
    const again = toMap((await c.query<AmountRow>(RECOMPUTED)).rows);
    const mismatches: VerifyResult['mismatches'] = [];
    let sum = 0n;
    for (const account of [...new Set([...stored.keys(), ...again.keys()])].sort()) {
      const s = stored.get(account) ?? 0n;
      const r = again.get(account) ?? 0n;
      sum += s;
      if (s !== r) mismatches.push({ account, stored: s.toString(), recomputed: r.toString() });
    }
    return { ok: mismatches.length === 0 && sum === 0n, mismatches, sum: sum.toString() };
  });
}

interface JournalRow {
  id: string;
  kind: string;
  ts: string;
  accounts: string[];
  amounts: string[];
  condition: Buffer | null;
  source_peer: string | null;
  request_id: string | null;
}

function toEntry(r: JournalRow): JournalEntry {
  const e: JournalEntry = { id: r.id, kind: r.kind as EntryKind, ts: Number(r.ts), postings: r.accounts.map((account, i) => ({ account, amount: BigInt(r.amounts[i]) })) };
  if (r.condition !== null) e.condition = r.condition;
  if (r.source_peer !== null) e.sourcePeer = r.source_peer;
  if (r.request_id !== null) e.requestId = Number(r.request_id);
  return e;
}

const JOURNAL_COLUMNS = 'id, kind, ts, accounts, amounts::text[] AS amounts, condition, source_peer, request_id';

/** One journal entry by id (undefined when unknown or folded). */
export async function findEntry(db: pg.Pool, id: string): Promise<JournalEntry | undefined> {
  const r = await db.query<JournalRow>(`SELECT ${JOURNAL_COLUMNS} FROM ledger_journal WHERE id = $1`, [id]);
  return r.rows.length === 0 ? undefined : toEntry(r.rows[0]);
}

/** Which of `ids` are in the journal. */
export async function existingIds(db: pg.Pool | pg.ClientBase, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const r = await db.query<{ id: string }>('SELECT id FROM ledger_journal WHERE id = ANY($1::text[])', [ids]);
  return new Set(r.rows.map((x) => x.id));
}

/** Balances, checkpoints and journal as a snapshot (one consistent read). */
export async function snapshotDb(pool: pg.Pool): Promise<LedgerSnapshot> {
  return consistentRead(pool, async (c) => {
    const balances = await storedBalances(c);
    for (const [k, v] of balances) if (v === 0n) balances.delete(k);
    const checkpoints = toMap((await c.query<AmountRow>(CHECKPOINTS)).rows);
    const journal = (await c.query<JournalRow>(`SELECT ${JOURNAL_COLUMNS} FROM ledger_journal ORDER BY ts, id`)).rows.map(toEntry);
    const assets = [...(await readAssets(c))].map(([k, a]) => [k, assetKey(a)]);
    return { ...buildSnapshot(balances, checkpoints, journal), ...(assets.length > 0 ? { assets: Object.fromEntries(assets) as Record<AccountId, string> } : {}) };
  });
}

/** True when no table holds anything. */
export async function isEmpty(db: pg.Pool | pg.ClientBase): Promise<boolean> {
  const r = await db.query<{ n: boolean }>(`SELECT EXISTS (SELECT 1 FROM ledger_journal) OR EXISTS (SELECT 1 FROM ledger_balances) OR EXISTS (SELECT 1 FROM ledger_deltas) OR EXISTS (SELECT 1 FROM ledger_checkpoints) AS n`);
  return !r.rows[0].n;
}

const IMPORT_CHUNK = 5_000;

/** Writes a checked snapshot into empty tables, in one transaction. */
export function importDb(pool: pg.Pool, plan: ImportPlan): Promise<void> {
  return inTransaction(pool, async (c) => {
    for (let i = 0; i < plan.entries.length; i += IMPORT_CHUNK) {
      const chunk = plan.entries.slice(i, i + IMPORT_CHUNK).map((entry) => ({ entry, ts: entry.ts ?? 0 }));
      await c.query(`INSERT INTO ledger_journal (id, kind, ts, accounts, amounts, condition, source_peer, request_id) ${JOURNAL_FROM_JSON}`, [rowsJson(chunk)]);
    }
    const pairs = (m: Map<AccountId, bigint>) => [[...m.keys()], [...m.values()].map(String)];
    await c.query('INSERT INTO ledger_balances (account, balance) SELECT * FROM unnest($1::text[], $2::numeric[])', pairs(plan.balances));
    await c.query('INSERT INTO ledger_checkpoints (account, amount) SELECT * FROM unnest($1::text[], $2::numeric[])', pairs(plan.checkpoints));
    await writeAssets(c, plan.assets);
  });
}
