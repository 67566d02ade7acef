/**
 * Where a durable write's tail comes from, in one process, one write at a time: each mode writes a
 * batch-sized record (`--bytes`, default 1500: a 10-packet journal page) and waits for it to be durable;
 * the modes are rotated every `--slice` writes (default 25) for `--seconds` (default 20), so the shared
 * disk's noise falls on every mode alike and the ratios between them are the result, not the figures.
 *
 *   level-sync      LevelDB (classic-level, the ledger's options) chained batch, one put, sync: true
 *   level-nosync    the same, sync: false (LevelDB + threadpool round trip, no fdatasync)
 *   append-fdsync   fs.write appending to a growing file, then fs.fdatasync (what LevelDB's log does)
 *   prealloc-fdsync fs.write into a file written and fsynced beforehand, then fs.fdatasync
 *   prealloc-dsync  one fs.write on an O_DSYNC fd into such a file (one threadpool round trip)
 *   journal+level   the design issue 17 names as the alternative: prealloc-dsync of the record and a
 *                   level-nosync write of it issued together, durable when both are done
 *   tp-noop         one fs.fstat (a threadpool round trip, no disk): the machine's scheduling noise alone
 *
 * All on the libuv threadpool, as the ledger's writes are. Prints n, p50/p90/p99/p99.9/max in ms per mode,
 * over all rounds and over the quietest `--quiet-fraction` of rounds (default 0.2; a round is one slice of
 * every mode back to back, ranked by its medians relative to each mode's own: the same rounds for all).
 *
 *   node --import tsx bench/sync-tail.ts [--seconds 20] [--slice 25] [--bytes 1500] [--modes a,b] [--dir /tmp]
 */
import { closeSync, fdatasync, fstat, fsyncSync, mkdtempSync, openSync, constants, rmSync, write, writeSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Level } from 'level';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '20' },
    slice: { type: 'string', default: '25' },
    bytes: { type: 'string', default: '1500' },
    modes: { type: 'string', default: 'level-sync,level-nosync,append-fdsync,prealloc-fdsync,prealloc-dsync,journal+level,tp-noop' },
    dir: { type: 'string', default: tmpdir() },
    'write-buffer-mb': { type: 'string', default: '16' },
    'quiet-fraction': { type: 'string', default: '0.2' },
  },
});
const seconds = Number(values.seconds);
const slice = Number(values.slice);
const bytes = Number(values.bytes);
const modes = values.modes.split(',');
const PREALLOC = 64 << 20;

type Step = (i: number) => Promise<void>;

const writeP = (fd: number, buf: Buffer, pos: number | null): Promise<void> =>
  new Promise((res, rej) => write(fd, buf, 0, buf.length, pos, (err) => (err ? rej(err) : res())));
const fdatasyncP = (fd: number): Promise<void> => new Promise((res, rej) => fdatasync(fd, (err) => (err ? rej(err) : res())));

function prewritten(path: string, flags: number): number {
  const fd = openSync(path, flags | constants.O_RDWR | constants.O_CREAT);
  const zero = Buffer.alloc(1 << 20);
  for (let off = 0; off < PREALLOC; off += zero.length) writeSync(fd, zero, 0, zero.length, off);
  fsyncSync(fd);
  return fd;
}

function pct(a: number[]): Record<string, number> {
  const s = [...a].sort((x, y) => x - y);
  const q = (p: number) => Number(s[Math.min(s.length - 1, Math.floor(p * s.length))].toFixed(3));
  return { n: s.length, p50: q(0.5), p90: q(0.9), p99: q(0.99), p999: q(0.999), max: Number(s[s.length - 1].toFixed(3)) };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(values.dir, 'sync-tail-'));
  const payload = Buffer.alloc(bytes, 0x5a);
  const closers: (() => Promise<void> | void)[] = [];
  const steps = new Map<string, Step>();
  for (const m of modes) {
    if (m === 'level-sync' || m === 'level-nosync') {
      const db = new Level<Buffer, Buffer>(join(dir, m), { keyEncoding: 'buffer', valueEncoding: 'buffer', writeBufferSize: Number(values['write-buffer-mb']) << 20 });
      await db.open();
      closers.push(() => db.close());
      const sync = m === 'level-sync';
      const key = Buffer.alloc(8);
      steps.set(m, async (i) => {
        key.writeUIntBE(i, 2, 6);
        const b = db.batch();
        b.put(Buffer.from(key), payload);
        await b.write({ sync });
      });
    } else if (m === 'append-fdsync') {
      const fd = openSync(join(dir, m), 'w');
      closers.push(() => closeSync(fd));
      steps.set(m, async () => {
        await writeP(fd, payload, null);
        await fdatasyncP(fd);
      });
    } else if (m === 'prealloc-fdsync' || m === 'prealloc-dsync') {
      const dsync = m === 'prealloc-dsync';
      const fd = prewritten(join(dir, m), dsync ? constants.O_DSYNC : 0);
      closers.push(() => closeSync(fd));
      const slots = Math.floor(PREALLOC / bytes);
      steps.set(m, async (i) => {
        await writeP(fd, payload, (i % slots) * bytes);
        if (!dsync) await fdatasyncP(fd);
      });
    } else if (m === 'journal+level') {
      const fd = prewritten(join(dir, m), constants.O_DSYNC);
      const db = new Level<Buffer, Buffer>(join(dir, `${m}-db`), { keyEncoding: 'buffer', valueEncoding: 'buffer', writeBufferSize: Number(values['write-buffer-mb']) << 20 });
      await db.open();
      closers.push(() => closeSync(fd), () => db.close());
      const slots = Math.floor(PREALLOC / bytes);
      const key = Buffer.alloc(8);
      steps.set(m, async (i) => {
        key.writeUIntBE(i, 2, 6);
        const b = db.batch();
        b.put(Buffer.from(key), payload);
        await Promise.all([writeP(fd, payload, (i % slots) * bytes), b.write({ sync: false })]);
      });
    } else if (m === 'tp-noop') {
      const fd = openSync(join(dir, m), 'w');
      closers.push(() => closeSync(fd));
      steps.set(m, () => new Promise((res, rej) => fstat(fd, (err) => (err ? rej(err) : res()))));
    } else throw new Error(`unknown mode ${m}`);
  }
  const lat = new Map<string, number[]>(modes.map((m) => [m, []]));
  /** Per round (one slice of every mode, back to back): each mode's latencies. */
  const rounds: Map<string, number[]>[] = [];
  const counts = new Map<string, number>(modes.map((m) => [m, 0]));
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    const round = new Map<string, number[]>();
    rounds.push(round);
    for (const m of modes) {
      const step = steps.get(m)!;
      const out = lat.get(m)!;
      const mine: number[] = [];
      round.set(m, mine);
      for (let k = 0; k < slice; k++) {
        const i = counts.get(m)!;
        counts.set(m, i + 1);
        const t0 = process.hrtime.bigint();
        await step(i);
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        out.push(ms);
        mine.push(ms);
      }
    }
  }
  for (const c of closers) await c();
  rmSync(dir, { recursive: true, force: true });
  const result: Record<string, unknown> = { bytes, slice, seconds, threadpool: process.env.UV_THREADPOOL_SIZE ?? '4 (default)', loadavg: loadavg().map((l) => Number(l.toFixed(1))) };
  for (const m of modes) result[m] = pct(lat.get(m)!);
  // The quietest rounds: ranked by the sum over modes of (the round's median / the mode's overall median),
  // so every mode counts alike; the same rounds are kept for every mode.
  const fraction = Number(values['quiet-fraction']);
  const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
  const overall = new Map(modes.map((m) => [m, med(lat.get(m)!) || 1e-6]));
  const ranked = rounds
    .filter((r) => r.size === modes.length)
    .map((r) => ({ r, score: modes.reduce((sum, m) => sum + med(r.get(m)!) / overall.get(m)!, 0) }))
    .sort((a, b) => a.score - b.score)
    .slice(0, Math.max(1, Math.floor(rounds.length * fraction)));
  const quiet: Record<string, unknown> = { rounds: `${ranked.length} of ${rounds.length}` };
  for (const m of modes) quiet[m] = pct(ranked.flatMap(({ r }) => r.get(m)!));
  result.quietestRounds = quiet;
  console.log(JSON.stringify(result, null, 1));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
