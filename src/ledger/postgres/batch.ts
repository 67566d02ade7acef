/**
 * The PostgreSQL ledger's batch write: one group of commits as one prepared statement (its own
 * transaction, so one round trip and one durable COMMIT per group, synchronous_commit on).
 *
 * The entries go as parallel arrays, one per column (`unnest`), and every posting of the group in two
 * flat arrays each entry slices by offset; the server parses array literals, never JSON, and answers
 * one row: how many ids were new and, only when some were not (replays), which ones. The new entries'
 * summed changes go into one `ledger_deltas` row (schema.ts says why batches never update a balance row).
 *
 * Measured with bench/pg-write.ts against the JSON form this replaced (bench/README.md).
 */
import type { JournalEntry } from '../types.js';

/** An element of a text[] literal: quoted, with `"` and `\` escaped (ids and accounts rarely have either). */
function quote(s: string): string {
  return /["\\]/.test(s) ? `"${s.replace(/[\\"]/g, '\\$&')}"` : `"${s}"`;
}

/** The prepared statement: $1 ids, $2 kinds, $3 ts (ms), $4 offsets, $5 posting counts, $6 conditions, $7 source peers, $8 request ids, $9 accounts, $10 amounts. */
export const BATCH = {
  name: 'ledger_batch_arrays',
  text: `
    WITH e AS (
      SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::int[], $5::int[], $6::bytea[], $7::text[], $8::bigint[])
        AS e(id, kind, ts, o, n, condition, source_peer, request_id)
    ), ins AS (
      INSERT INTO ledger_journal (id, kind, ts, accounts, amounts, condition, source_peer, request_id)
      SELECT id, kind, ts, ($9::text[])[o + 1 : o + n], ($10::numeric[])[o + 1 : o + n], condition, source_peer, request_id FROM e
      ON CONFLICT (id) DO NOTHING
      RETURNING id, accounts, amounts
    ), d AS (
      SELECT p.account, sum(p.amount) AS amount FROM ins, unnest(ins.accounts, ins.amounts) AS p(account, amount) GROUP BY p.account
    ), dr AS (
      INSERT INTO ledger_deltas (accounts, amounts) SELECT array_agg(account), array_agg(amount) FROM d HAVING count(*) > 0 RETURNING seq
    ), c AS (
      SELECT count(*)::int AS n FROM ins
    )
    SELECT c.n, CASE WHEN c.n < cardinality($1::text[]) THEN (SELECT array_agg(id) FROM ins) END AS ids FROM c`,
};

/** The statement's answer: `n` entries were new; `ids` lists them only when some were not. */
export interface BatchResult {
  n: number;
  ids: string[] | null;
}

/** The ten parameters of BATCH for `items` (array literals built here: one string per parameter). */
export function batchParams(items: readonly { entry: JournalEntry; ts: number }[]): string[] {
  const ids: string[] = new Array<string>(items.length);
  const kinds: string[] = new Array<string>(items.length);
  const ts: string[] = new Array<string>(items.length);
  const offs: string[] = new Array<string>(items.length);
  const counts: string[] = new Array<string>(items.length);
  const conds: string[] = new Array<string>(items.length);
  const srcs: string[] = new Array<string>(items.length);
  const reqs: string[] = new Array<string>(items.length);
  const accts: string[] = [];
  const amounts: string[] = [];
  for (let n = 0; n < items.length; n++) {
    const { entry: e, ts: t } = items[n];
    ids[n] = quote(e.id);
    kinds[n] = quote(e.kind);
    ts[n] = String(t);
    offs[n] = String(accts.length);
    counts[n] = String(e.postings.length);
    for (const p of e.postings) {
      accts.push(quote(p.account));
      amounts.push(p.amount.toString());
    }
    conds[n] = e.condition === undefined ? 'NULL' : `"\\\\x${e.condition.toString('hex')}"`;
    srcs[n] = e.sourcePeer === undefined ? 'NULL' : quote(e.sourcePeer);
    reqs[n] = e.requestId === undefined ? 'NULL' : String(e.requestId);
  }
  const lit = (a: string[]) => `{${a.join(',')}}`;
  return [lit(ids), lit(kinds), lit(ts), lit(offs), lit(counts), lit(conds), lit(srcs), lit(reqs), lit(accts), lit(amounts)];
}
