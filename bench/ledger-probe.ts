/**
 * Measures the ledger inside a running node (issue 17's durable tail), loaded with node's --import
 * into the bench's agent-runtime target (after tsx, which loads this file):
 *
 *   npm run build && LEDGER_PROBE_OUT=/tmp/probe.jsonl npm run bench -- --targets a --concurrency 10 --rounds 1 \
 *     --node-arg=--import=$PWD/node_modules/tsx/dist/loader.mjs --node-arg=--import=$PWD/bench/ledger-probe.ts
 *
 * (tsx by path: the target runs in a temp folder, where a bare `--import=tsx` does not resolve.)
 *
 * It wraps, in the built dist/ (what the shipped `start` runs), Ledger.prototype.commit (per entry:
 * commit to callback, and how many batch writes completed in between) and the LevelDB chained batch's
 * write (main-thread call to completion, by sync flag: the threadpool job, fdatasync included, plus the
 * wait for the main thread to take the completion), samples the event loop's delay with a 1 ms timer,
 * and LevelDB's level-0 file count and compaction stats every ~100 ms. At exit it appends one JSON line
 * of percentiles (ms) to $LEDGER_PROBE_OUT. Bench only: nothing in src/ knows of it.
 *
 * LEDGER_PROBE_JOURNAL=1 simulates the own-journal design's latency (src/ledger/README.md, "Where the
 * rest of the C=10 tail comes from"): each synced batch is written unsynced to LevelDB and, together,
 * 2 KB go with O_DSYNC into a preallocated 64 MB file in the temp folder; the batch completes when both
 * have. NOT durable (the journal holds no real record and nothing replays it): a latency experiment.
 */
import { appendFileSync, closeSync, constants, fsyncSync, mkdtempSync, openSync, rmSync, write as fsWrite, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { AbstractChainedBatch } from 'abstract-level';
import type { Ledger as LedgerClass } from '../src/ledger/ledger.js';
import type { Db } from '../src/ledger/store.js';

type Commit = LedgerClass['commit'];
type BatchWrite = (this: AbstractChainedBatch<Db, Buffer, Buffer> & { db: Db }, options?: { sync?: boolean }) => Promise<void>;

const out = process.env.LEDGER_PROBE_OUT;
const { Ledger } = (await import(new URL('../dist/ledger/ledger.js', import.meta.url).href)) as { Ledger: typeof LedgerClass };

const waits: number[] = [];
const waitWrites = new Map<number, number>();
const writes = { sync: [] as number[], nosync: [] as number[] };
const lags: number[] = [];
let completed = 0;
/** The LevelDB handles written to (LevelDB's own counters are read from them). */
const dbs = new Set<Db>();
let l0Max = 0;
let stats = '';

// eslint-disable-next-line @typescript-eslint/unbound-method -- called with .call(this) below
const commit = Ledger.prototype.commit;
Ledger.prototype.commit = function probedCommit(this: LedgerClass, entry, reservation, cb, ctx) {
  const t0 = performance.now();
  const at = completed;
  commit.call(
    this,
    entry,
    reservation,
    (err, c) => {
      waits.push(performance.now() - t0);
      const w = completed - at;
      waitWrites.set(w, (waitWrites.get(w) ?? 0) + 1);
      cb(err, c);
    },
    ctx,
  );
} satisfies Commit;

/** The simulated journal (LEDGER_PROBE_JOURNAL=1): a preallocated file written in place with O_DSYNC. */
const JOURNAL_BYTES = 64 << 20;
const RECORD = Buffer.alloc(2048, 0x5a);
const journal = process.env.LEDGER_PROBE_JOURNAL === '1' ? openJournal() : undefined;
let journalSlot = 0;

function openJournal(): { fd: number; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-probe-journal-'));
  const fd = openSync(join(dir, 'journal'), constants.O_RDWR | constants.O_CREAT | constants.O_DSYNC);
  const zero = Buffer.alloc(1 << 20);
  for (let off = 0; off < JOURNAL_BYTES; off += zero.length) writeSync(fd, zero, 0, zero.length, off);
  fsyncSync(fd);
  return { fd, dir };
}

function journalWrite(fd: number): Promise<void> {
  const pos = (journalSlot++ % (JOURNAL_BYTES / RECORD.length)) * RECORD.length;
  return new Promise((res, rej) => fsWrite(fd, RECORD, 0, RECORD.length, pos, (err) => (err ? rej(err) : res())));
}

const proto = AbstractChainedBatch.prototype as unknown as { write: BatchWrite };
const write = proto.write;
proto.write = function probedWrite(options) {
  const t0 = performance.now();
  const into = options?.sync === true ? writes.sync : writes.nosync;
  dbs.add(this.db);
  const p =
    journal !== undefined && options?.sync === true
      ? Promise.all([write.call(this, { ...options, sync: false }), journalWrite(journal.fd)]).then(() => undefined)
      : write.call(this, options);
  const done = (): void => {
    completed++;
    into.push(performance.now() - t0);
  };
  // Registered before the ledger's own .then (made after this returns): `completed` counts this write for its callers.
  p.then(done, done);
  return p;
};

let last = performance.now();
let ticks = 0;
const tick = setInterval(() => {
  const now = performance.now();
  lags.push(Math.max(0, now - last - 1));
  last = now;
  // Every ~100 ms: level-0 files (LevelDB slows each write by 1 ms from 8, stops at 12) and its compaction stats.
  if (++ticks % 100 !== 0) return;
  for (const db of dbs) {
    try {
      if (db.status !== 'open') continue;
      // classic-level's own method; `level`'s types leave it out
      const prop = (name: string): string => (db as unknown as { getProperty(p: string): string }).getProperty(name);
      l0Max = Math.max(l0Max, Number(prop('leveldb.num-files-at-level0')));
      if (db.location.endsWith('ledger')) stats = prop('leveldb.stats');
    } catch {
      // closing
    }
  }
}, 1);
tick.unref();

function pct(a: number[]): Record<string, number> {
  if (a.length === 0) return { n: 0 };
  const s = Float64Array.from(a).sort();
  const q = (p: number): number => Number(s[Math.min(s.length - 1, Math.floor(p * s.length))].toFixed(3));
  return { n: s.length, p50: q(0.5), p90: q(0.9), p99: q(0.99), p999: q(0.999), max: Number(s[s.length - 1].toFixed(3)) };
}

process.on('exit', () => {
  const line = {
    pid: process.pid,
    threadpool: process.env.UV_THREADPOOL_SIZE ?? '4 (default)',
    commitToCallback: pct(waits),
    entryWaitInWrites: Object.fromEntries([...waitWrites].sort(([a], [b]) => a - b)),
    syncedWrite: pct(writes.sync),
    unsyncedWrite: pct(writes.nosync),
    eventLoopLag1msTimer: pct(lags),
    simulatedJournal: journal !== undefined,
    level0FilesMax: l0Max,
    ledgerCompactionStats: stats,
  };
  if (out) appendFileSync(out, JSON.stringify(line) + '\n');
  if (journal !== undefined) {
    closeSync(journal.fd);
    rmSync(journal.dir, { recursive: true, force: true });
  }
});
