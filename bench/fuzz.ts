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
 * and a last batch still does; the node's RSS after the run is within 50 MB of its RSS before the
 * fuzz. Both of those readings are taken right after a full GC, forced through the node's inspector
 * (`--inspect` on a loopback port; `--no-inspect` compares raw readings instead): without it the
 * figure mostly measures when V8 last collected (a 1M-frame run read +58 and +69 MB raw while the
 * heap in use after a GC grew by about 1 MB). The raw readings and the post-GC breakdown (heap,
 * external, the rest) are printed too. Exit code 0 on pass, 1 on failure.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { WebSocket as WsClient, type RawData, type WebSocket } from 'ws';
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
  /** the node's inspector port (127.0.0.1), for full-GC memory readings; undefined with `inspect: false` */
  inspectPort?: number;
  dir: string;
  stop(): Promise<void>;
}

const TOKENS = { fuzzer: 'fuzz-fuzzer-secret', sender: 'fuzz-sender-secret', receiver: 'fuzz-receiver-secret' };

/**
 * Starts the node: the built CLI unless `library` is set or dist/ is missing. `fuzzerRateLimit` is
 * the `fuzzer` peer's rateLimit (none by default). The node listens with its inspector on a free
 * loopback port (unless `inspect` is false); nothing attaches to it until runFuzz reads the memory.
 */
export async function startFuzzTarget(
  opts: { library?: boolean; dir?: string; fuzzerRateLimit?: { packetsPerSecond: number; burst?: number }; nodeArgs?: string[]; inspect?: boolean } = {},
): Promise<FuzzTarget> {
  installCleanup();
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'ar-fuzz-'));
  mkdirSync(dir, { recursive: true });
  const [btpPort, healthPort, adminPort, inspectPort] = await freePorts(4);
  const nodeArgs = [...(opts.inspect === false ? [] : [`--inspect=127.0.0.1:${inspectPort}`]), ...(opts.nodeArgs ?? [])];
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
    ? [...nodeArgs, join(ROOT, 'bin', 'run.js'), 'start', '--config', config, '--json']
    : [...nodeArgs, '--import', TSX_IMPORT, join(ROOT, 'bench', 'one-hop', 'agent-runtime-target.ts'), config];
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
    inspectPort: opts.inspect === false ? undefined : inspectPort,
    fuzzer: { url, username: 'fuzzer', token: TOKENS.fuzzer },
    sender: { url, username: 'sender', token: TOKENS.sender },
    receiver: { url, username: 'receiver', token: TOKENS.receiver },
    stop: () => stopChild(proc, 15_000),
  };
}

// ------------------------------------------------------------------------------------------ memory

/** The node's memory as its process.memoryUsage() sees it, MB. */
export interface MemReading {
  rssMb: number;
  heapTotalMb: number;
  heapUsedMb: number;
  /** C++ objects bound to JS, Buffers and ArrayBuffers included */
  externalMb: number;
  arrayBuffersMb: number;
  /** from /proc/<pid>/status at the same moment: anonymous memory, and mapped files (code, LevelDB tables) */
  rssAnonMb?: number;
  rssFileMb?: number;
}

export interface MemoryProbe {
  /** process.memoryUsage() inside the node, after a full garbage collection when `gc` is set. */
  read(gc: boolean): Promise<MemReading>;
  close(): void;
}

/**
 * Reads the node's memory through its inspector (a node started with `--inspect=127.0.0.1:<port>`):
 * HeapProfiler.collectGarbage (a full GC, twice so finalizers that free Buffers run) and then
 * process.memoryUsage() evaluated in the node. This separates garbage not yet collected (gone after
 * the GC), retained objects (heapUsed, external after the GC) and memory the C allocator keeps after
 * V8 freed it (RSS minus the rest).
 */
export async function inspectorProbe(port: number, timeoutMs = 10_000): Promise<MemoryProbe> {
  const until = Date.now() + timeoutMs;
  let url: string | undefined;
  while (url === undefined) {
    try {
      const list = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as { webSocketDebuggerUrl?: string }[];
      url = list.find((t) => t.webSocketDebuggerUrl)?.webSocketDebuggerUrl;
    } catch {
      // not listening yet
    }
    if (url === undefined) {
      if (Date.now() > until) throw new Error(`no inspector on 127.0.0.1:${port}`);
      await sleep(100);
    }
  }
  const ws = new WsClient(url, { perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  let nextId = 0;
  const waiting = new Map<number, (m: { result?: unknown; error?: { message: string } }) => void>();
  ws.on('message', (d: RawData) => {
    const m = JSON.parse((d as Buffer).toString()) as { id?: number; result?: unknown; error?: { message: string } };
    if (m.id === undefined) return;
    waiting.get(m.id)?.(m);
    waiting.delete(m.id);
  });
  const call = (method: string, params?: unknown) =>
    new Promise<unknown>((resolve, reject) => {
      const id = ++nextId;
      waiting.set(id, (m) => (m.error ? reject(new Error(`${method}: ${m.error.message}`)) : resolve(m.result)));
      ws.send(JSON.stringify({ id, method, params }));
    });
  const MB = 1024 * 1024;
  return {
    async read(gc) {
      if (gc) {
        await call('HeapProfiler.collectGarbage');
        await sleep(50); // let finalizers (Buffers' backing stores) run
        await call('HeapProfiler.collectGarbage');
      }
      const r = (await call('Runtime.evaluate', { expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true })) as { result: { value: string } };
      const u = JSON.parse(r.result.value) as NodeJS.MemoryUsage;
      return { rssMb: u.rss / MB, heapTotalMb: u.heapTotal / MB, heapUsedMb: u.heapUsed / MB, externalMb: u.external / MB, arrayBuffersMb: u.arrayBuffers / MB };
    },
    close: () => ws.terminate(),
  };
}

const signed = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(1)}`;

/** `rss 150.2 (heap 40.1/55.0 used/total, external 3.2, arrayBuffers 1.1, rest 92.0) MB` */
export function formatMem(m: MemReading): string {
  const rest = m.rssMb - m.heapTotalMb - m.externalMb;
  const proc = m.rssAnonMb === undefined ? '' : `; anonymous ${m.rssAnonMb.toFixed(1)}, files ${m.rssFileMb!.toFixed(1)}`;
  return `rss ${m.rssMb.toFixed(1)} (heap ${m.heapUsedMb.toFixed(1)}/${m.heapTotalMb.toFixed(1)} used/total, external ${m.externalMb.toFixed(1)}, arrayBuffers ${m.arrayBuffersMb.toFixed(1)}, rest ${rest.toFixed(1)}${proc}) MB`;
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
   * Frames sent before the (informational) after-warm-up RSS reading (default 2% of `frames`, at
   * least 10,000). The bar is measured from the reading before the fuzz, as the issue asks.
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
  /**
   * Node VmRSS in MB as read, without forcing a GC: before any fuzzing, after the warm-up frames,
   * peak, after the run. `growthMb` is the bar's figure: the RSS after the run minus the RSS before
   * the fuzz, both read right after a full GC when the inspector answers (`basis: 'gc'`), else
   * these raw readings (`basis: 'raw'`).
   */
  rss: { beforeFuzzMb: number; warmupFrames: number; startMb: number; peakMb: number; endMb: number; growthMb: number; basis: 'gc' | 'raw' };
  /** process.memoryUsage() right after a full GC, before the fuzz and after the run (with the inspector) */
  gc?: { before: MemReading; end: MemReading };
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
  let memory: MemoryProbe | undefined;
  if (target.inspectPort !== undefined) {
    memory = await inspectorProbe(target.inspectPort).catch((err: unknown) => {
      log(`  no full-GC memory readings (${err instanceof Error ? err.message : String(err)}): the RSS bar uses raw readings`);
      return undefined;
    });
  }
  // raw first: the forced GC that follows shrinks the heap
  const beforeFuzzMb = rssMb(target.proc.pid);
  const withProc = (m: MemReading): MemReading => ({ ...m, rssAnonMb: procStatusKb(target.proc.pid, 'RssAnon') / 1024, rssFileMb: procStatusKb(target.proc.pid, 'RssFile') / 1024 });
  const gcBefore = await memory?.read(true).then(withProc);
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
  const gcEnd = await memory?.read(true).then(withProc).catch(() => undefined);
  memory?.close();
  senderWs.terminate();
  receiverWs.terminate();

  const alive = target.proc.child.exitCode === null && target.proc.child.signalCode === null;
  const logText = existsSync(target.proc.logFile) ? readFileSync(target.proc.logFile, 'utf8') : '';
  const badLogLines = logText
    .split('\n')
    .filter((l) => /uncaught|unhandled|FATAL|unexpected error on the packet path|^\s+at /i.test(l))
    .slice(0, 20);
  const gc = gcBefore && gcEnd ? { before: gcBefore, end: gcEnd } : undefined;
  const basis = gc ? 'gc' : 'raw';
  const growthMb = gc ? gc.end.rssMb - gc.before.rssMb : endMb - beforeFuzzMb;
  const failures: string[] = [];
  if (!alive) failures.push('the node process died');
  if (badLogLines.length > 0) failures.push(`the node logged ${badLogLines.length} uncaught/unexpected error line(s)`);
  if (honestLost) failures.push(honestLost);
  if (sender.rejected > 0) failures.push(`honest payments were rejected: ${JSON.stringify(sender.rejects)}`);
  if (stuck > 0) failures.push(`${stuck} honest payments were never answered`);
  if (finalBatchFulfilled < finalBatch) failures.push(`the last honest batch: ${finalBatchFulfilled}/${finalBatch} fulfilled`);
  if (!(growthMb <= 50)) failures.push(`node RSS${gc ? ' (after a full GC)' : ''} grew ${growthMb.toFixed(1)} MB from before the fuzz (limit 50 MB)`);
  if ((closeCodes['1008'] ?? 0) === 0) failures.push('the node never closed the fuzzing socket with 1008');
  return {
    framesSent: sent,
    byKind,
    connections,
    closeCodes,
    answers,
    seconds: (performance.now() - started) / 1000,
    honest: { fulfilled: sender.fulfilled, rejected: sender.rejected, rejects: sender.rejects, finalBatchFulfilled, finalBatch },
    rss: { beforeFuzzMb, warmupFrames, startMb, peakMb, endMb, growthMb, basis },
    gc,
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
  --no-inspect      no inspector in the node: the RSS bar uses raw readings (no forced GC)
  --keep            keep the temp folder (config, node log, ledger)
  --help`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      frames: { type: 'string', default: '1000000' },
      library: { type: 'boolean', default: false },
      'no-inspect': { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  const frames = Number(values.frames);
  if (!Number.isInteger(frames) || frames < 1) throw new Error('--frames must be a positive integer');
  const target = await startFuzzTarget({ library: values.library, inspect: !values['no-inspect'] });
  const out = (l: string) => process.stdout.write(`${l}\n`);
  const inspector = target.inspectPort === undefined ? '' : `, inspector on 127.0.0.1:${target.inspectPort} for full-GC memory readings`;
  out(`fuzzing ${target.command} (pid ${target.proc.pid}${inspector}) with ${frames.toLocaleString('en')} frames; honest payments alongside`);
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
    `node RSS, raw     before fuzzing ${r.beforeFuzzMb.toFixed(1)} MB, after ${r.warmupFrames.toLocaleString('en')} frames ${r.startMb.toFixed(1)} MB, ` +
      `peak ${r.peakMb.toFixed(1)} MB, end ${r.endMb.toFixed(1)} MB (${signed(r.endMb - r.beforeFuzzMb)} MB from before the fuzz; garbage not yet collected included)`,
  );
  if (result.gc) {
    out(`node memory after a full GC (process.memoryUsage(); rest = rss - heapTotal - external: code, stacks, what the C allocator keeps):`);
    out(`  before fuzzing   ${formatMem(result.gc.before)}`);
    out(`  end              ${formatMem(result.gc.end)}`);
    const d = (k: keyof MemReading) => signed(result.gc!.end[k]! - result.gc!.before[k]!);
    const rest = (m: MemReading) => m.rssMb - m.heapTotalMb - m.externalMb;
    out(`  change           rss ${d('rssMb')}, heapUsed ${d('heapUsedMb')}, heapTotal ${d('heapTotalMb')}, external ${d('externalMb')}, rest ${signed(rest(result.gc.end) - rest(result.gc.before))} MB`);
  }
  out(
    `RSS bar            ${r.basis === 'gc' ? 'after a full GC, ' : 'raw (no inspector), '}end minus before the fuzz: ${signed(r.growthMb)} MB (limit +50 MB): ${r.growthMb <= 50 ? 'within' : 'OVER'}`,
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
