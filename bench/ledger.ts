/**
 * `npm run bench:ledger`: committed transfers per second through reserve → commit → durable callback,
 * from many concurrent callers (each waits for its own acknowledgement before the next transfer), with
 * `sync: false` and `sync: true`; p50/p99 latency from reserve to acknowledgement; bytes on disk per
 * million packets (journal inside the retention window, and after folding into checkpoints); and the
 * latency of one commit at a time from a single caller with each `sync` setting (the bare fsync cost
 * that group commit spreads over a batch).
 *
 * Options: --callers N (default 256), --count N (sync false, default 1000000), --sync-seconds S
 * (default 5), --peers N (default 16), --recent-ids N (replay memory, default the ledger's),
 * --in-flight K (batches written at once, default the ledger's 3; 1 = one at a time), --json,
 * --replayable (entries whose ids may repeat, like settlement's: a `j` record each and a replay check;
 * by default the entries are fresh, as the packet path commits them: inline in the batch's page).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Level } from 'level';
import { Ledger, entries, storeLocation } from '../src/ledger/index.js';

const { values: args } = parseArgs({
  options: {
    callers: { type: 'string', default: '256' },
    count: { type: 'string', default: '1000000' },
    'sync-seconds': { type: 'string', default: '5' },
    peers: { type: 'string', default: '16' },
    'recent-ids': { type: 'string' },
    'in-flight': { type: 'string' },
    json: { type: 'boolean', default: false },
    replayable: { type: 'boolean', default: false },
  },
});
/** The packet path's ids are minted by the process (fresh); --replayable measures the other kind. */
const FRESH = !args.replayable;
const CALLERS = Number(args.callers);
const PEERS = Number(args.peers);
/** Replay memory size; set it below --count to measure the mode where every batch looks its ids up on disk. */
const RECENT_IDS = args['recent-ids'] === undefined ? undefined : Number(args['recent-ids']);
/** Batches written at once (the ledger's maxBatchesInFlight; default the ledger's, 3). */
const IN_FLIGHT = args['in-flight'] === undefined ? undefined : Number(args['in-flight']);

interface RunResult {
  sync: boolean;
  callers: number;
  transfers: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Process CPU time (all threads, LevelDB's included) per acknowledged transfer. */
  cpuMicrosPerTransfer: number;
  bytesOnDisk: number;
}

function dirBytes(dir: string): number {
  let total = 0;
  for (const name of readdirSync(dir)) {
    const st = statSync(join(dir, name));
    total += st.isDirectory() ? dirBytes(join(dir, name)) : st.size;
  }
  return total;
}

const conditions = Array.from({ length: 64 }, () => randomBytes(32));

/** Runs callers until `limit` transfers are acknowledged or `seconds` have passed. */
async function run(dataDir: string, sync: boolean, limit: number, seconds: number): Promise<RunResult> {
  const ledger = await Ledger.open({ dataDir, sync, compactIntervalMs: 0, recentIdCapacity: RECENT_IDS, maxBatchesInFlight: IN_FLIGHT });
  for (let p = 0; p < PEERS; p++) ledger.setLimits(`peer${p}`, { creditLimit: 1n << 62n, settleThreshold: 1n << 62n });
  const prefix = `${Date.now().toString(36)}-`;
  const latencies = new Float64Array(limit);
  let started = 0;
  let acked = 0;
  let rejected = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  await new Promise<void>((resolve, reject) => {
    let callersLeft = CALLERS;
    const next = (caller: number): void => {
      if (started >= limit || performance.now() > deadline) {
        if (--callersLeft === 0) resolve();
        return;
      }
      const n = started++;
      const from = `peer${(caller + n) % PEERS}`;
      const to = `peer${(caller + n + 1) % PEERS}`;
      const amount = 1000n + BigInt(n % 997);
      const t = performance.now();
      if (!ledger.reserve(from, amount)) {
        rejected++;
        setImmediate(next, caller);
        return;
      }
      const entry = entries.forward(prefix + n.toString(36), from, to, amount, amount - amount / 1000n, {
        condition: conditions[n & 63],
        requestId: n >>> 0,
      });
      if (FRESH) entry.fresh = true;
      ledger.commit(entry, { peerId: from, amount }, (err) => {
        if (err) {
          reject(err);
          return;
        }
        latencies[acked++] = performance.now() - t;
        next(caller);
      });
    };
    for (let c = 0; c < CALLERS; c++) next(c);
  });
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  if (rejected > 0) throw new Error(`${rejected} reserves were refused: the bench limits are too low`);
  await ledger.close();
  const sorted = latencies.subarray(0, acked).sort();
  return {
    sync,
    callers: CALLERS,
    transfers: acked,
    seconds: Number(elapsed.toFixed(2)),
    perSecond: Math.round(acked / elapsed),
    p50Ms: Number(sorted[Math.floor(acked * 0.5)].toFixed(3)),
    p99Ms: Number(sorted[Math.floor(acked * 0.99)].toFixed(3)),
    cpuMicrosPerTransfer: Number(((cpu.user + cpu.system) / acked).toFixed(2)),
    bytesOnDisk: dirBytes(storeLocation(dataDir)),
  };
}

/** Mean latency (µs) of `n` commits made one after the other by a single caller: what one fsync costs. */
async function sequential(dataDir: string, sync: boolean, n: number): Promise<number> {
  const ledger = await Ledger.open({ dataDir, sync, compactIntervalMs: 0 });
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await ledger.commitAsync(entries.localDelivery(`seq-${i}`, 'peer0', 1n));
  const us = ((performance.now() - t0) / n) * 1000;
  await ledger.close();
  return Math.round(us);
}

/** Folds the whole journal into checkpoints, compacts LevelDB, and returns the store's size. */
async function foldedBytes(dataDir: string): Promise<{ folded: number; bytes: number }> {
  const ledger = await Ledger.open({ dataDir, journalRetentionMs: 0, compactIntervalMs: 0 });
  const folded = await ledger.foldNow();
  const check = await ledger.verify();
  if (!check.ok) throw new Error(`verify failed after folding: ${JSON.stringify(check)}`);
  await ledger.close();
  const db = new Level<Buffer, Buffer>(storeLocation(dataDir), { keyEncoding: 'buffer', valueEncoding: 'buffer' });
  await db.open();
  // classic-level has compactRange; the `level` typings do not declare it.
  await (db as unknown as { compactRange(start: Buffer, end: Buffer): Promise<void> }).compactRange(Buffer.from([0]), Buffer.from([0xff]));
  await db.close();
  return { folded, bytes: dirBytes(storeLocation(dataDir)) };
}

const fmt = (n: number) => n.toLocaleString('en-US');
const root = mkdtempSync(join(tmpdir(), 'ledger-bench-'));
try {
  const loadBefore = loadavg()[0];
  const fast = await run(join(root, 'fast'), false, Number(args.count), 3600);
  const verified = await (async () => {
    const l = await Ledger.open({ dataDir: join(root, 'fast'), compactIntervalMs: 0 });
    const v = await l.verify();
    await l.close();
    return v;
  })();
  const folded = await foldedBytes(join(root, 'fast'));
  const durable = await run(join(root, 'sync'), true, 10_000_000, Number(args['sync-seconds']));
  const oneCaller = { syncFalseMicros: await sequential(join(root, 'seq-fast'), false, 2000), syncTrueMicros: await sequential(join(root, 'seq-sync'), true, 2000) };
  const perMillion = (bytes: number, n: number) => Math.round((bytes / n) * 1_000_000);
  const report = {
    node: process.version,
    cpus: cpus().length,
    loadAverage1m: { before: Number(loadBefore.toFixed(2)), after: Number(loadavg()[0].toFixed(2)) },
    results: [fast, durable],
    oneCallerCommitLatency: oneCaller,
    verifyAfterRun: { ok: verified.ok, sum: verified.sum },
    bytesPerMillionPackets: {
      journalRetained: perMillion(fast.bytesOnDisk, fast.transfers),
      afterFoldAndCompaction: folded.bytes,
      foldedEntries: folded.folded,
    },
  };
  if (args.json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    process.stdout.write(`entries: ${FRESH ? 'fresh ids (as the packet path commits them)' : 'replayable ids (--replayable)'}\n`);
    for (const r of report.results) {
      process.stdout.write(
        `sync=${String(r.sync).padEnd(5)} callers=${r.callers} transfers=${fmt(r.transfers)} in ${r.seconds} s: ` +
          `${fmt(r.perSecond)} committed transfers/s, latency p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, ${r.cpuMicrosPerTransfer} µs CPU/transfer\n`,
      );
    }
    process.stdout.write(
      `one caller, one commit at a time: ${oneCaller.syncFalseMicros} µs per commit with sync=false, ${oneCaller.syncTrueMicros} µs with sync=true (one fsync per batch)\n`,
    );
    process.stdout.write(`verify after the run: ok=${verified.ok} sum=${verified.sum}\n`);
    process.stdout.write(`machine: ${report.cpus} CPUs, 1-min load average ${report.loadAverage1m.before} before, ${report.loadAverage1m.after} after (other processes share these CPUs)\n`);
    process.stdout.write(
      `bytes on disk per million packets: ${fmt(report.bytesPerMillionPackets.journalRetained)} with the journal retained; ` +
        `${fmt(folded.bytes)} bytes in total after folding ${fmt(folded.folded)} entries into checkpoints and compacting\n`,
    );
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
