/**
 * BTP/ILP fuzzer against a real node (issue 11).
 *
 *   npm run fuzz                         1,000,000 frames
 *   npm run fuzz -- --frames 200000      fewer
 *   npm run fuzz -- --help
 *
 * Starts a node in its own process (`bin/run.js start` when dist/ is built, else the library wrapper
 * bench/one-hop/agent-runtime-target.ts under tsx) with three children: `fuzzer`, `sender` and
 * `receiver`. Over the fuzzer's authenticated socket it sends a mix of random bytes, valid MESSAGE
 * frames with mutated Prepares inside, mutated and truncated frames, other BTP types and the odd
 * oversized frame. The node closes that socket (1008 after 100 unreadable frames in 10 s, 1009 for an
 * oversized one); the fuzzer reconnects and goes on. Meanwhile `sender` pays `receiver` through the
 * node, 10 packets in flight. Passes when, at the end: the node process is alive and logged no
 * uncaught exception and no unexpected error on the packet path; the honest payments all succeeded
 * and a last batch still does; the node's RSS is within 50 MB of what it was at the start.
 * Exit code 0 on pass, 1 on failure.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { RawData, WebSocket } from 'ws';
import { CorkedWriter, Fulfiller, Sender, connectBtp } from './one-hop/loadgen.js';
import { ROOT, TSX_IMPORT, freePorts, installCleanup, procStatusKb, spawnLogged, stopChild, waitForPort, type Spawned } from './one-hop/procs.js';
import type { BtpEndpoint } from './one-hop/types.js';
import { BENCH_CONDITION, buildPrepareFrame, findIlp, lengthPrefixSize, writeIlpTimestamp } from './one-hop/wire.js';

/** The node under test, in its own process. */
export interface FuzzTarget {
  proc: Spawned;
  url: string;
  fuzzer: BtpEndpoint;
  sender: BtpEndpoint;
  receiver: BtpEndpoint;
  /** what was started (for the report) */
  command: string;
  dir: string;
  stop(): Promise<void>;
}

const TOKENS = { fuzzer: 'fuzz-fuzzer-secret', sender: 'fuzz-sender-secret', receiver: 'fuzz-receiver-secret' };

/**
 * Starts the node: the built CLI unless `library` is set or dist/ is missing. `fuzzerRateLimit` is
 * the `fuzzer` peer's rateLimit (none by default).
 */
export async function startFuzzTarget(
  opts: { library?: boolean; dir?: string; fuzzerRateLimit?: { packetsPerSecond: number; burst?: number }; nodeArgs?: string[] } = {},
): Promise<FuzzTarget> {
  installCleanup();
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'ar-fuzz-'));
  mkdirSync(dir, { recursive: true });
  const [btpPort, healthPort, adminPort] = await freePorts(3);
  const config = join(dir, 'fuzz.yaml');
  const peer = (id: string) => [`  - id: ${id}`, '    relation: child', '    creditLimit: "1000000000000000000"'];
  writeFileSync(
    config,
    [
      'nodeId: fuzz',
      'ilpAddress: g.bench',
      `dataDir: ${JSON.stringify(join(dir, 'data'))}`,
      `btpServerPort: ${btpPort}`,
      `healthCheckPort: ${healthPort}`,
      'adminApi:',
      `  port: ${adminPort}`,
      'logLevel: info',
      'peers:',
      ...peer('fuzzer'),
      ...(opts.fuzzerRateLimit
        ? ['    rateLimit:', `      packetsPerSecond: ${opts.fuzzerRateLimit.packetsPerSecond}`, ...(opts.fuzzerRateLimit.burst ? [`      burst: ${opts.fuzzerRateLimit.burst}`] : [])]
        : []),
      ...peer('sender'),
      ...peer('receiver'),
      '',
    ].join('\n'),
  );
  const shipped = !opts.library && existsSync(join(ROOT, 'dist', 'commands', 'start.js'));
  const args = shipped
    ? [...(opts.nodeArgs ?? []), join(ROOT, 'bin', 'run.js'), 'start', '--config', config, '--json']
    : [...(opts.nodeArgs ?? []), '--import', TSX_IMPORT, join(ROOT, 'bench', 'one-hop', 'agent-runtime-target.ts'), config];
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AGENT_RUNTIME_') && !k.startsWith('BTP_PEER_') && k !== 'NODE_OPTIONS') env[k] = v;
  Object.assign(env, { BTP_PEER_FUZZER_SECRET: TOKENS.fuzzer, BTP_PEER_SENDER_SECRET: TOKENS.sender, BTP_PEER_RECEIVER_SECRET: TOKENS.receiver });
  const proc = spawnLogged(process.execPath, args, join(dir, 'node.log'), { cwd: dir, env });
  await waitForPort(btpPort, 30_000, proc.exited);
  const url = `ws://127.0.0.1:${btpPort}`;
  return {
    proc,
    url,
    dir,
    command: shipped ? 'node bin/run.js start --config fuzz.yaml --json' : 'node --import tsx bench/one-hop/agent-runtime-target.ts fuzz.yaml',
    fuzzer: { url, username: 'fuzzer', token: TOKENS.fuzzer },
    sender: { url, username: 'sender', token: TOKENS.sender },
    receiver: { url, username: 'receiver', token: TOKENS.receiver },
    stop: () => stopChild(proc, 15_000),
  };
}

// ------------------------------------------------------------------------------------------ frames

/** A small fast PRNG (xorshift32): a million frames need no crypto-grade randomness. */
class Rng {
  constructor(private s = (Math.random() * 0xffffffff) >>> 0 || 1) {}
  next(): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x >>> 0;
    return this.s;
  }
  int(n: number): number {
    return this.next() % n;
  }
  bytes(n: number): Buffer {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = this.next() & 0xff;
    return b;
  }
}

/** What each kind of fuzzed frame is; the counts per kind are reported. */
export const FRAME_KINDS = ['random', 'ilp-flip', 'ilp-field', 'btp-flip', 'truncated', 'extended', 'btp-type', 'no-ilp', 'valid', 'oversized'] as const;
export type FrameKind = (typeof FRAME_KINDS)[number];

const DESTINATIONS = ['g.bench.receiver', 'g.bench.receiver.deeper', 'g.bench', 'g.bench.fuzzer', 'g.nowhere', 'peer.config', 'peer.route.control', 'g', 'private.x', 'g.bench.unknown-child'];

interface Base {
  frame: Buffer;
  ilpAt: number;
}

/** Makes fuzzed frames from a pool of valid ones (rebuilt now and then so some expiries stay in the future). */
export class FrameFactory {
  private pool: Base[] = [];
  private builtAt = 0;
  readonly rng = new Rng();

  /** @param oversizedEvery one oversized frame in this many (they close the socket with 1009) */
  constructor(private readonly oversizedEvery = 5000) {}

  private refresh(now: number): void {
    this.builtAt = now;
    const pool: Base[] = [];
    for (let i = 0; i < 64; i++) {
      const destination = DESTINATIONS[i % DESTINATIONS.length];
      const data = this.rng.bytes([0, 8, 64, 512, 4000][i % 5]);
      const expiresAtMs = now + [30_000, 2_000, 500, -1000, 600_000][i % 5];
      const amount = [0n, 1n, 1000n, 999_999n, 0xffff_ffff_ffff_ffffn][i % 5];
      const condition = i % 3 === 0 ? BENCH_CONDITION : this.rng.bytes(32);
      const p = buildPrepareFrame({ requestId: 0, amount, expiresAtMs, condition, destination, data });
      pool.push({ frame: p.frame, ilpAt: findIlp(p.frame) });
    }
    this.pool = pool;
  }

  /** The next frame and its kind. */
  next(now: number): { kind: FrameKind; frame: Buffer } {
    if (now - this.builtAt > 2000) this.refresh(now);
    const r = this.rng;
    if (r.int(this.oversizedEvery) === 0) return { kind: 'oversized', frame: r.bytes(64 * 1024 + 1 + r.int(4096)) };
    const kind = FRAME_KINDS[r.int(FRAME_KINDS.length - 1)];
    if (kind === 'random') return { kind, frame: r.bytes(r.int(8) === 0 ? r.int(3000) : r.int(120)) };
    const base = this.pool[r.int(this.pool.length)];
    const f = Buffer.from(base.frame);
    f.writeUInt32BE(r.next(), 1);
    const ilpLen = f.length - base.ilpAt;
    switch (kind) {
      case 'ilp-flip':
        for (let i = 1 + r.int(4); i > 0; i--) f[base.ilpAt + r.int(ilpLen)] ^= 1 << r.int(8);
        break;
      case 'ilp-field': {
        const field = r.int(6);
        const at = base.ilpAt;
        if (field === 0) f[at] = r.int(256); // ILP type
        else if (field === 1) r.bytes(8).copy(f, at + 2); // amount (after the type and a 1-byte length; longer prefixes: still a mutation)
        else if (field === 2) writeIlpTimestamp(f, at + 10, Date.now() + r.int(120_000) - 60_000);
        else if (field === 3) f.write(r.bytes(17).toString('latin1'), at + 10, 'latin1'); // expiry: not digits
        else if (field === 4) f[at + 59] = r.int(256); // destination length (1-byte content length frames)
        else f[at + 1] = r.int(256); // ILP content length
        break;
      }
      case 'btp-flip':
        for (let i = 1 + r.int(3); i > 0; i--) f[r.int(base.ilpAt)] ^= 1 << r.int(8);
        break;
      case 'truncated':
        return { kind, frame: f.subarray(0, r.int(f.length)) };
      case 'extended':
        return { kind, frame: Buffer.concat([f, r.bytes(1 + r.int(64))]) };
      case 'btp-type':
        f[0] = [1, 2, 3, 4, 5, 7, 0, 8, 255][r.int(9)];
        break;
      case 'no-ilp':
        // rename the `ilp` entry: a readable MESSAGE with an unknown sub-protocol
        f.write(['xyz', 'aut', 'ilq'][r.int(3)], base.ilpAt - lengthPrefixSize(ilpLen) - 1 - 3, 'latin1');
        break;
      case 'valid':
        break;
    }
    return { kind, frame: f };
  }
}

// ------------------------------------------------------------------------------------------ run

export interface FuzzOptions {
  frames: number;
  /** honest packets in flight meanwhile (default 10) */
  honestConcurrency?: number;
  /**
   * Frames sent before the RSS baseline is taken (default 2% of `frames`, at least 10,000): the
   * node's heap and the C allocator's arenas reach their working size in the first seconds of fuzzing
   * (a read of a 64 KiB+ frame leaves glibc's heap high-water mark up; it is reused, not grown), and
   * that is not growth over the run. Both readings are reported.
   */
  warmupFrames?: number;
  /** one oversized frame in this many (default 5000) */
  oversizedEvery?: number;
  /** progress line every this many frames (0: none) */
  progressEvery?: number;
  log?: (line: string) => void;
}

export interface FuzzResult {
  framesSent: number;
  byKind: Record<string, number>;
  connections: number;
  closeCodes: Record<string, number>;
  answers: Record<string, number>;
  seconds: number;
  honest: { fulfilled: number; rejected: number; rejects: Record<string, number>; finalBatchFulfilled: number; finalBatch: number };
  /** MB: before any fuzzing, after the warm-up frames (the baseline), peak, after the run */
  rss: { beforeFuzzMb: number; warmupFrames: number; startMb: number; peakMb: number; endMb: number; growthMb: number };
  alive: boolean;
  /** log lines that show an uncaught exception or an unexpected error on the packet path */
  badLogLines: string[];
  pass: boolean;
  failures: string[];
}

/** Frames sent between two pings on the fuzzing socket. */
const BATCH = 50;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const rssMb = (pid: number) => procStatusKb(pid, 'VmRSS') / 1024;

/** Opens the fuzzer's socket (retrying while the node comes back from a close). */
async function openFuzzer(ep: BtpEndpoint, answers: Record<string, number>): Promise<WebSocket> {
  return connectBtp(ep, Date.now() + 30_000, (raw: RawData) => {
    const b = raw as Buffer;
    const key = `btp-${b[0]}`;
    answers[key] = (answers[key] ?? 0) + 1;
  });
}

/** Fuzzes `target` with `o.frames` frames while its sender pays its receiver. */
export async function runFuzz(target: FuzzTarget, o: FuzzOptions): Promise<FuzzResult> {
  const log = o.log ?? (() => undefined);
  const started = performance.now();
  const box: { sender?: Sender; fulfiller?: Fulfiller } = {};
  const receiverWs = await connectBtp(target.receiver, Date.now() + 30_000, (d) => box.fulfiller?.onMessage(d));
  box.fulfiller = new Fulfiller(new CorkedWriter(receiverWs));
  const senderWs = await connectBtp(target.sender, Date.now() + 30_000, (d) => box.sender?.onMessage(d));
  const sender = new Sender(new CorkedWriter(senderWs), o.honestConcurrency ?? 10, 'g.bench.receiver', 1000n, 64);
  box.sender = sender;
  let honestLost = '';
  senderWs.once('close', (code) => (honestLost ||= `the honest sender's socket closed (${code})`));
  receiverWs.once('close', (code) => (honestLost ||= `the honest receiver's socket closed (${code})`));
  await sender.probe(10_000);
  sender.start();
  await sleep(1000); // warm: JIT, LevelDB memtable, pools
  const beforeFuzzMb = rssMb(target.proc.pid);
  const warmupFrames = Math.min(o.frames, o.warmupFrames ?? Math.max(10_000, Math.floor(o.frames * 0.02)));
  let startMb = NaN;
  let peakMb = beforeFuzzMb;
  const rssTimer = setInterval(() => (peakMb = Math.max(peakMb, rssMb(target.proc.pid))), 500);

  const factory = new FrameFactory(o.oversizedEvery);
  const byKind: Record<string, number> = {};
  const closeCodes: Record<string, number> = {};
  const answers: Record<string, number> = {};
  let sent = 0;
  let connections = 0;
  let nextProgress = o.progressEvery ?? 0;
  try {
    while (sent < o.frames) {
      const ws = await openFuzzer(target.fuzzer, answers);
      connections++;
      const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
      let open = true;
      void closed.then((code) => {
        open = false;
        closeCodes[code] = (closeCodes[code] ?? 0) + 1;
      });
      while (open && sent < o.frames) {
        const now = Date.now();
        for (let i = 0; i < BATCH && sent < o.frames; i++) {
          const { kind, frame } = factory.next(now);
          ws.send(frame, { binary: true });
          byKind[kind] = (byKind[kind] ?? 0) + 1;
          sent++;
          if (kind === 'oversized') break; // the node closes the socket on it (1009)
        }
        // A ping after each batch: its pong comes back once the node has read the batch, so frames are
        // never queued behind a close the node already decided (at most one batch is lost per socket).
        await new Promise<void>((resolve) => {
          if (!open) return resolve();
          ws.once('pong', () => resolve());
          void closed.then(() => resolve());
          ws.ping();
        });
        if (Number.isNaN(startMb) && sent >= warmupFrames) startMb = rssMb(target.proc.pid);
        if (nextProgress > 0 && sent >= nextProgress) {
          log(`  ${sent.toLocaleString('en')} frames, ${connections} connections, honest fulfilled ${sender.fulfilled}, node RSS ${rssMb(target.proc.pid).toFixed(1)} MB`);
          nextProgress += o.progressEvery!;
        }
      }
      if (open) {
        ws.close();
        await closed;
      }
    }
  } finally {
    clearInterval(rssTimer);
  }
  const stuck = await sender.stop(35_000);
  // the node still serves the honest peer: a last batch, every packet fulfilled
  const before = sender.fulfilled;
  const finalBatch = 1000;
  const finalRejectsBefore = sender.rejected;
  sender.start();
  await new Promise<void>((resolve) => {
    const t = setInterval(() => {
      if (sender.fulfilled + sender.rejected - before - finalRejectsBefore >= finalBatch || honestLost) {
        clearInterval(t);
        resolve();
      }
    }, 5);
  });
  await sender.stop(35_000);
  const finalBatchFulfilled = sender.fulfilled - before;
  const endMb = rssMb(target.proc.pid);
  senderWs.terminate();
  receiverWs.terminate();

  const alive = target.proc.child.exitCode === null && target.proc.child.signalCode === null;
  const logText = existsSync(target.proc.logFile) ? readFileSync(target.proc.logFile, 'utf8') : '';
  const badLogLines = logText
    .split('\n')
    .filter((l) => /uncaught|unhandled|FATAL|unexpected error on the packet path|^\s+at /i.test(l))
    .slice(0, 20);
  const growthMb = endMb - startMb;
  const failures: string[] = [];
  if (!alive) failures.push('the node process died');
  if (badLogLines.length > 0) failures.push(`the node logged ${badLogLines.length} uncaught/unexpected error line(s)`);
  if (honestLost) failures.push(honestLost);
  if (sender.rejected > 0) failures.push(`honest payments were rejected: ${JSON.stringify(sender.rejects)}`);
  if (stuck > 0) failures.push(`${stuck} honest payments were never answered`);
  if (finalBatchFulfilled < finalBatch) failures.push(`the last honest batch: ${finalBatchFulfilled}/${finalBatch} fulfilled`);
  if (!(growthMb <= 50)) failures.push(`node RSS grew ${growthMb.toFixed(1)} MB after the warm-up (limit 50 MB)`);
  if ((closeCodes['1008'] ?? 0) === 0) failures.push('the node never closed the fuzzing socket with 1008');
  return {
    framesSent: sent,
    byKind,
    connections,
    closeCodes,
    answers,
    seconds: (performance.now() - started) / 1000,
    honest: { fulfilled: sender.fulfilled, rejected: sender.rejected, rejects: sender.rejects, finalBatchFulfilled, finalBatch },
    rss: { beforeFuzzMb, warmupFrames, startMb, peakMb, endMb, growthMb },
    alive,
    badLogLines,
    pass: failures.length === 0,
    failures,
  };
}

// ------------------------------------------------------------------------------------------ CLI

const HELP = `npm run fuzz -- [options]

  --frames <n>      fuzzed frames to send (default 1000000)
  --library         run the node through the library wrapper (tsx) even when dist/ is built
  --keep            keep the temp folder (config, node log, ledger)
  --help`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { frames: { type: 'string', default: '1000000' }, library: { type: 'boolean', default: false }, keep: { type: 'boolean', default: false }, help: { type: 'boolean', default: false } },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  const frames = Number(values.frames);
  if (!Number.isInteger(frames) || frames < 1) throw new Error('--frames must be a positive integer');
  const target = await startFuzzTarget({ library: values.library });
  const out = (l: string) => process.stdout.write(`${l}\n`);
  out(`fuzzing ${target.command} (pid ${target.proc.pid}) with ${frames.toLocaleString('en')} frames; honest payments alongside`);
  let result: FuzzResult;
  try {
    result = await runFuzz(target, { frames, oversizedEvery: Number(process.env.FUZZ_OVERSIZED_EVERY ?? 5000), progressEvery: 100_000, log: out });
  } finally {
    await target.stop();
    if (!values.keep) rmSync(target.dir, { recursive: true, force: true });
    else out(`kept ${target.dir}`);
  }
  out('');
  out(`frames sent        ${result.framesSent.toLocaleString('en')} in ${result.seconds.toFixed(1)} s (${Math.round(result.framesSent / result.seconds).toLocaleString('en')}/s)`);
  out(`by kind            ${JSON.stringify(result.byKind)}`);
  out(`connections        ${result.connections} (closed by the node: ${JSON.stringify(result.closeCodes)})`);
  out(`node answers       ${JSON.stringify(result.answers)}  (btp-1 RESPONSE, btp-2 ERROR)`);
  out(`honest payments    ${result.honest.fulfilled.toLocaleString('en')} fulfilled, ${result.honest.rejected} rejected; last batch ${result.honest.finalBatchFulfilled}/${result.honest.finalBatch}`);
  const r = result.rss;
  out(
    `node RSS           before fuzzing ${r.beforeFuzzMb.toFixed(1)} MB; baseline after ${r.warmupFrames.toLocaleString('en')} frames ${r.startMb.toFixed(1)} MB, ` +
      `peak ${r.peakMb.toFixed(1)} MB, end ${r.endMb.toFixed(1)} MB (growth ${r.growthMb.toFixed(1)} MB, limit 50; ${(r.endMb - r.beforeFuzzMb).toFixed(1)} MB over the pre-fuzz reading)`,
  );
  out(`node alive         ${result.alive}; uncaught/unexpected log lines: ${result.badLogLines.length}`);
  for (const l of result.badLogLines) out(`  ${l}`);
  out(result.pass ? 'PASS' : `FAIL: ${result.failures.join('; ')}`);
  process.exitCode = result.pass ? 0 : 1;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((err: unknown) => {
    process.stderr.write(`fuzz: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
