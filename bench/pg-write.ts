/**
 * The PostgreSQL ledger's durable write path alone (issue 23): a private PostgreSQL (test/helpers/postgres.ts:
 * fsync on, synchronous_commit on), `--callers` (default 100) concurrent callers each committing fresh
 * forward entries (sender -> receiver with a fee leg, a condition, source peer and request id: what the
 * node books per packet) for `--seconds` (default 5) per variant. Prints, per variant: packets/s,
 * batches/s, packets per batch, this process's CPU µs per packet and the server's (every postgres
 * process, from /proc), and the mean wait of a commit. No network, no node.
 *
 *   node --import tsx bench/pg-write.ts [--callers 100] [--seconds 5] [--in-flight 4,8] [--variants ledger,arrays,json] [--rounds 2] [--stagger 0]
 *
 * Variants: `ledger` is the shipped PostgresLedger (batch.ts through its group-commit lane); `arrays`
 * and `json` run the same group commit here (the commits of one turn form a group, up to --in-flight
 * groups at once on a pool) with the shipped statement and with the JSON statement it replaced, for an
 * A/B of the statement alone. Every variant and in-flight level runs interleaved, `--rounds` times, on
 * one server, so a loaded machine hits them alike: compare the ratios of one invocation.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { entries, type JournalEntry } from '../src/ledger/index.js';
import { BATCH, batchParams } from '../src/ledger/postgres/batch.js';
import { PostgresLedger } from '../src/ledger/postgres/index.js';
import { rowsJson } from '../src/ledger/postgres/queries.js';
import { TestPostgres } from '../test/helpers/postgres.js';

const { values } = parseArgs({
  options: {
    callers: { type: 'string', default: '100' },
    seconds: { type: 'string', default: '5' },
    'in-flight': { type: 'string', default: '4' },
    variants: { type: 'string', default: 'ledger,arrays,json' },
    rounds: { type: 'string', default: '1' },
    stagger: { type: 'string', default: '0' },
  },
});
const callers = Number(values.callers);
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
/** Caller c waits c % stagger event-loop turns before each commit (arrivals spread over turns, as a node's Fulfills are). */
const stagger = Number(values.stagger);
const inFlights = values['in-flight'].split(',').map(Number);
const variants = values.variants.split(',') as Variant[];

type Variant = 'ledger' | 'arrays' | 'json';

/** The statement the arrays form replaced (until issue 23's throughput work): entries as one JSON document. */
const JSON_BATCH = {
  name: 'ledger_batch_json',
  text: `
    WITH ins AS (
      INSERT INTO ledger_journal (id, kind, ts, accounts, amounts, condition, source_peer, request_id)
      SELECT e->>'i', e->>'k', (e->>'t')::bigint,
        ARRAY(SELECT x FROM jsonb_array_elements_text(e->'a') WITH ORDINALITY AS t(x, n) ORDER BY n),
        ARRAY(SELECT x::numeric FROM jsonb_array_elements_text(e->'m') WITH ORDINALITY AS t(x, n) ORDER BY n),
        decode(e->>'c', 'hex'), e->>'s', (e->>'r')::bigint
      FROM jsonb_array_elements($1::jsonb) AS e
      ON CONFLICT (id) DO NOTHING
      RETURNING id, accounts, amounts
    ), d AS (
      SELECT p.account, sum(p.amount) AS amount FROM ins, unnest(ins.accounts, ins.amounts) AS p(account, amount) GROUP BY p.account
    ), dr AS (
      INSERT INTO ledger_deltas (accounts, amounts) SELECT array_agg(account), array_agg(amount) FROM d HAVING count(*) > 0 RETURNING seq
    )
    SELECT id FROM ins`,
};

const TICKS_PER_SEC = 100;

/** CPU ms of every process of the server (the postmaster and its children). */
function serverCpuMs(postmaster: number): number {
  let ticks = 0;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // f[1] is the ppid; utime and stime are fields 14 and 15 of stat (11 and 12 here)
      if (Number(name) === postmaster || Number(f[1]) === postmaster) ticks += Number(f[11]) + Number(f[12]);
    } catch {
      // the process ended meanwhile
    }
  }
  return (ticks * 1000) / TICKS_PER_SEC;
}

interface Result {
  variant: Variant;
  inFlight: number;
  packetsPerSec: number;
  batchesPerSec: number;
  packetsPerBatch: number;
  clientCpuUsPerPkt: number;
  serverCpuUsPerPkt: number;
  meanCommitMs: number;
}

type Committer = { commit(e: JournalEntry, cb: (err?: Error) => void): void; close(): Promise<void> };

/** Group commit over a pool with a given statement (what PgLane does, minus balances and fail-stop). */
function rawLane(pool: pg.Pool, inFlight: number, variant: 'arrays' | 'json', onBatch: () => void): Committer {
  let group: { e: JournalEntry; cb: (err?: Error) => void }[] = [];
  let running = 0;
  let scheduled = false;
  const start = (): void => {
    if (running >= inFlight || group.length === 0) return;
    const g = group;
    group = [];
    running++;
    onBatch();
    const items = g.map((x) => ({ entry: x.e, ts: Date.now() }));
    const q = variant === 'arrays' ? { name: BATCH.name, text: BATCH.text, values: batchParams(items) } : { name: JSON_BATCH.name, text: JSON_BATCH.text, values: [rowsJson(items)] };
    pool.query(q).then(
      () => {
        running--;
        start();
        for (const x of g) x.cb();
      },
      (err: Error) => {
        running--;
        for (const x of g) x.cb(err);
      },
    );
  };
  return {
    commit(e, cb) {
      group.push({ e, cb });
      if (scheduled) return;
      scheduled = true;
      setImmediate(() => {
        scheduled = false;
        start();
      });
    },
    close: () => pool.end(),
  };
}

async function runOnce(db: TestPostgres, variant: Variant, inFlight: number, tag: string): Promise<Result> {
  await resetTables(db);
  const dataDir = mkdtempSync(join(tmpdir(), 'pg-write-'));
  // the ledger variant also creates the schema (the raw ones reuse it)
  const ledger = await PostgresLedger.open({ url: db.url, dataDir, maxBatchesInFlight: inFlight, compactIntervalMs: 3_600_000 });
  let batches = 0;
  let target: Committer;
  if (variant === 'ledger') {
    ledger.writeHook = () => {
      batches++;
    };
    target = { commit: (e, cb) => ledger.commit(e, undefined, (err) => cb(err)), close: () => Promise.resolve() };
  } else {
    target = rawLane(new pg.Pool({ ...db.connection(), max: inFlight + 2, options: '-c synchronous_commit=on' }), inFlight, variant, () => batches++);
  }
  const cond = Buffer.alloc(32, 7);
  let n = 0;
  let done = 0;
  let waitNs = 0n;
  const postmaster = db.pid!;
  const cpu0 = process.cpuUsage();
  const server0 = serverCpuMs(postmaster);
  const started = process.hrtime.bigint();
  const deadline = Date.now() + seconds * 1000;
  await new Promise<void>((resolve, reject) => {
    let running = callers;
    const later = (c: number, turns: number): void => {
      if (turns <= 0) next(c);
      else setImmediate(() => later(c, turns - 1));
    };
    const next = (c: number): void => {
      if (Date.now() >= deadline) {
        if (--running === 0) resolve();
        return;
      }
      const id = `${tag}-${(n++).toString(36)}`;
      const t0 = process.hrtime.bigint();
      target.commit({ ...entries.forward(id, 'sender', 'receiver', 1000n, 999n, { condition: cond, requestId: n }), sourcePeer: 'sender', fresh: true }, (err) => {
        if (err) return reject(err);
        done++;
        waitNs += process.hrtime.bigint() - t0;
        later(c, stagger > 0 ? c % stagger : 0);
      });
    };
    for (let c = 0; c < callers; c++) later(c, stagger > 0 ? c % stagger : 0);
  });
  const secs = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const serverMs = serverCpuMs(postmaster) - server0;
  await target.close();
  await ledger.close();
  rmSync(dataDir, { recursive: true, force: true });
  return {
    variant,
    inFlight,
    packetsPerSec: Math.round(done / secs),
    batchesPerSec: Math.round(batches / secs),
    packetsPerBatch: Number((done / Math.max(1, batches)).toFixed(1)),
    clientCpuUsPerPkt: Number(((cpu.user + cpu.system) / done).toFixed(1)),
    serverCpuUsPerPkt: Number(((serverMs * 1000) / done).toFixed(1)),
    meanCommitMs: Number((Number(waitNs / BigInt(Math.max(1, done))) / 1e6).toFixed(2)),
  };
}

/** Empties the ledger tables between runs (each run starts from the same empty books). */
async function resetTables(db: TestPostgres): Promise<void> {
  const c = new pg.Client(db.connection());
  await c.connect();
  try {
    const t = await c.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'ledger_journal'");
    if (t.rows[0].n > 0) await c.query('TRUNCATE ledger_journal, ledger_deltas, ledger_balances, ledger_checkpoints');
    await c.query('CHECKPOINT');
  } finally {
    await c.end();
  }
}

async function main(): Promise<void> {
  const db = await TestPostgres.start('agent_runtime_pg_write');
  const results: (Result & { round: number })[] = [];
  const runs = variants.flatMap((v) => inFlights.map((k) => [v, k] as const));
  try {
    for (let r = 1; r <= rounds; r++) {
      const order = r % 2 === 1 ? runs : [...runs].reverse();
      for (const [v, k] of order) {
        const res = await runOnce(db, v, k, `r${r}${v}${k}`);
        results.push({ round: r, ...res });
        console.error(JSON.stringify({ round: r, ...res }));
      }
    }
  } finally {
    await db.stop();
  }
  console.log(JSON.stringify({ callers, seconds, rounds, stagger, loadavg: loadavg().map((l) => Number(l.toFixed(1))), results }, null, 1));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
