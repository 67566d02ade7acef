/**
 * The ledger's durable write path alone, in one process: `--callers` (default 10) concurrent callers
 * commit fresh packet entries (forward alice -> bob) through a `sync: true` Ledger in a temp folder for
 * `--seconds` (default 5); prints batches/s, packets/s, packets per batch, synced writes per batch (the
 * writeHook's sync flag: one fdatasync per LevelDB batch; ACKED is a pwrite without fsync) and the
 * CRC-32C throughput of the page checksum, and each entry's wait in synced writes: how many batch writes
 * completed between its commit and its callback (1: its own; 2: the one in progress when it was
 * committed, then its own; more would mean something else on the path) and its commit-to-callback time
 * (p50/p90/p99/p99.9, ms). No network, no node. UV_THREADPOOL_SIZE is printed (A/B it from the shell).
 *
 *   node --import tsx bench/store-write.ts [--callers 10] [--seconds 5] [--stagger 0] [--in-flight N]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Ledger, entries } from '../src/ledger/index.js';
import { crc32c } from '../src/ledger/integrity/crc32c.js';

const { values } = parseArgs({ options: { callers: { type: 'string', default: '10' }, seconds: { type: 'string', default: '5' }, stagger: { type: 'string', default: '0' }, 'in-flight': { type: 'string' } } });
const callers = Number(values.callers);
/** Caller c waits c % stagger event-loop turns before each commit (arrivals spread over turns, as a node's Fulfills are). */
const stagger = Number(values.stagger);
const inFlight = values['in-flight'] === undefined ? undefined : Number(values['in-flight']);
const seconds = Number(values.seconds);

function crcMBps(): number {
  const buf = Buffer.alloc(10_000, 7);
  let x = 0;
  const t0 = process.hrtime.bigint();
  const rounds = 5_000;
  for (let i = 0; i < rounds; i++) x ^= crc32c(buf);
  const ns = Number(process.hrtime.bigint() - t0);
  if (x === 0.5) console.log(x); // keeps the loop
  return (buf.length * rounds) / 1e6 / (ns / 1e9);
}

function percentiles(a: number[]): Record<string, number> {
  const s = Float64Array.from(a).sort();
  const q = (p: number) => Number((s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0).toFixed(3));
  return { p50: q(0.5), p90: q(0.9), p99: q(0.99), p999: q(0.999) };
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'store-write-'));
  const ledger = await Ledger.open({ dataDir, sync: true, compactIntervalMs: 0, ...(inFlight !== undefined ? { maxBatchesInFlight: inFlight } : {}) });
  let batches = 0;
  let synced = 0;
  let completed = 0;
  const waits = new Map<number, number>();
  /** Each entry's commit-to-callback time (ms). */
  const latencies: number[] = [];
  ledger.writeHook = (w) => {
    batches++;
    if (w.sync) synced++;
  };
  ledger.writtenHook = () => {
    completed++;
  };
  let n = 0;
  let done = 0;
  const deadline = Date.now() + seconds * 1000;
  const started = process.hrtime.bigint();
  await new Promise<void>((resolve) => {
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
      const id = `b-${n++}`;
      const at = completed;
      const t0 = performance.now();
      ledger.commit({ ...entries.forward(id, 'alice', 'bob', 10n, 9n), fresh: true }, undefined, (err) => {
        if (err) throw err;
        done++;
        latencies.push(performance.now() - t0);
        const w = completed - at;
        waits.set(w, (waits.get(w) ?? 0) + 1);
        later(c, stagger > 0 ? c % stagger : 0);
      });
    };
    for (let c = 0; c < callers; c++) later(c, stagger > 0 ? c % stagger : 0);
  });
  const secs = Number(process.hrtime.bigint() - started) / 1e9;
  await ledger.close();
  rmSync(dataDir, { recursive: true, force: true });
  const out = {
    callers,
    stagger,
    maxBatchesInFlight: inFlight ?? 'default',
    seconds: Number(secs.toFixed(2)),
    batchesPerSec: Math.round(batches / secs),
    packetsPerSec: Math.round(done / secs),
    packetsPerBatch: Number((done / Math.max(1, batches)).toFixed(2)),
    syncedWritesPerBatch: Number((synced / Math.max(1, batches)).toFixed(2)),
    /** entries by how many batch writes completed between their commit and their callback */
    entryWaitInWrites: Object.fromEntries([...waits].sort(([a], [b]) => a - b)),
    /** commit to callback, ms */
    latency: percentiles(latencies),
    threadpool: process.env.UV_THREADPOOL_SIZE ?? '4 (default)',
    crc32cMBps: Math.round(crcMBps()),
    loadavg: loadavg().map((l) => Number(l.toFixed(1))),
  };
  console.log(JSON.stringify(out));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
