/**
 * One-hop connector benchmark (issue 10): agent-runtime (over BTP, and over ILP-over-HTTP: target h)
 * against ilp-connector and a bare relay.
 *
 *   npm run bench                      3 rounds, C = 1, 10, 100, 1000
 *   npm run bench -- --quick           1 round, C = 10 and 100, short windows (under a minute)
 *   npm run bench -- --help            every option
 *
 * For each round, each concurrency and each target (order rotated per round, so machine drift
 * cancels out) it starts the target in its own process, runs the load generator in another, reads the
 * target's peak RSS, stops both. Prints a table of medians and the ratios a/b and a/c, and writes
 * everything to bench/results/latest.json.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { runLoadgen } from './harness.js';
import { loadProfiles, summarizeProfiles, type Row } from './profile-summary.js';
import { ROOT, installCleanup, killAll, procCpuMs, procStatusKb } from './procs.js';
import { aggregate, machineInfo, ratios, renderReport, type Measurement, type RowId } from './report.js';
import { DESTINATION, DEFAULT_TARGETS, TARGET_IDS, TARGET_LETTER, buildTargets, shippedStartAvailable, startTarget, type TargetId } from './targets.js';

const HELP = `npm run bench -- [options]

  --quick                 1 round, C=10,100, warm-up 2 s, window 2.5 s (under a minute)
  --rounds <n>            rounds (default 3); the report shows medians over rounds
  --concurrency <list>    packets in flight, comma-separated (default 1,10,100,1000)
  --warmup <ms>           warm-up before each window (default 2000)
  --duration <ms>         measurement window (default 8000)
  --targets <list>        agent-runtime,ilp-connector,relay,agent-runtime-http,agent-runtime-rates,
                          agent-runtime-postgres,agent-runtime-policy,agent-runtime-cluster (or
                          a,b,c,h,r,p,s,x; default a,b,c,h; r = (a) converting USD@9 to XRP@6; p = (a)
                          with its books on a private PostgreSQL the bench starts; s = (a) whose sender
                          is a policied child; x = two instances of (p) in one cluster, every packet
                          entering at one and leaving through a peer held by the other)
  --no-direct             skip the loadgen's direct round trip (no hop)
  --no-sync               run agent-runtime (a, r, s) with ledger.sync false (page cache only, not power-loss
                          durable): the non-durable figure issue 17 compares the shipped default against
  --amount <n>            amount of every Prepare (default 1000)
  --pg-in-flight <n>      target p: ledger.postgres.maxBatchesInFlight (default: the shipped default)
  --cpu-prof <dir>        run agent-runtime (a, and r) with node --cpu-prof, profiles written to <dir>
  --node-arg <flag>       extra node flag for agent-runtime (a and r; repeatable; e.g. --node-arg=--trace-gc, with --keep to read target.log)
  --out <file>            JSON report (default bench/results/latest.json)
  --keep                  keep the temp folder (configs, target logs)
  --help`;

interface Options {
  rounds: number;
  levels: number[];
  warmupMs: number;
  durationMs: number;
  targets: TargetId[];
  direct: boolean;
  /** false: agent-runtime runs with ledger.sync false (--no-sync) */
  sync: boolean;
  amount: string;
  cpuProfDir?: string;
  nodeArgs: string[];
  /** target p: ledger.postgres.maxBatchesInFlight (undefined: the shipped default) */
  pgInFlight?: number;
  out: string;
  keep: boolean;
  quick: boolean;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      rounds: { type: 'string' },
      concurrency: { type: 'string' },
      warmup: { type: 'string' },
      duration: { type: 'string' },
      targets: { type: 'string' },
      'no-direct': { type: 'boolean', default: false },
      'no-sync': { type: 'boolean', default: false },
      amount: { type: 'string', default: '1000' },
      'cpu-prof': { type: 'string' },
      'node-arg': { type: 'string', multiple: true },
      'pg-in-flight': { type: 'string' },
      out: { type: 'string' },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    process.exit(0);
  }
  const quick = values.quick;
  const int = (v: string | undefined, d: number, name: string) => {
    if (v === undefined) return d;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer`);
    return n;
  };
  const levels = (values.concurrency ?? (quick ? '10,100' : '1,10,100,1000')).split(',').map((s) => int(s.trim(), 0, 'concurrency'));
  if (levels.some((c) => c < 1 || c > 1024)) throw new Error('--concurrency values must be 1..1024');
  const byLetter: Record<string, TargetId> = { a: 'agent-runtime', b: 'ilp-connector', c: 'relay', h: 'agent-runtime-http', r: 'agent-runtime-rates', p: 'agent-runtime-postgres', s: 'agent-runtime-policy', x: 'agent-runtime-cluster' };
  const targets = (values.targets ?? DEFAULT_TARGETS.join(',')).split(',').map((s) => {
    const t = byLetter[s.trim()] ?? (s.trim() as TargetId);
    if (!TARGET_IDS.includes(t)) throw new Error(`unknown target ${s}: use ${TARGET_IDS.join(', ')} or a, b, c, h, r, p, s, x`);
    return t;
  });
  if (!/^[0-9]+$/.test(values.amount)) throw new Error('--amount must be an unsigned integer');
  return {
    rounds: int(values.rounds, quick ? 1 : 3, 'rounds') || 1,
    levels,
    warmupMs: int(values.warmup, 2000, 'warmup'),
    durationMs: int(values.duration, quick ? 2500 : 8000, 'duration') || 1000,
    targets,
    direct: !values['no-direct'],
    sync: !values['no-sync'],
    amount: values.amount,
    cpuProfDir: values['cpu-prof'] ? resolve(values['cpu-prof']) : undefined,
    nodeArgs: values['node-arg'] ?? [],
    ...(values['pg-in-flight'] !== undefined ? { pgInFlight: int(values['pg-in-flight'], 0, 'pg-in-flight') || 1 } : {}),
    out: resolve(values.out ?? join(ROOT, 'bench', 'results', 'latest.json')),
    keep: values.keep,
    quick,
  };
}

const fmtInt = (v: number) => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : 'n/a');

function describe(m: Measurement): string {
  if (!m.result) return `FAILED: ${m.error?.split('\n')[0] ?? 'unknown error'}`;
  const r = m.result;
  const rejects = Object.entries(r.rejects).map(([k, v]) => `${k}:${v}`).join(' ') || '0';
  const rss = Number.isFinite(m.peakRssMb) ? ` RSS ${m.peakRssMb.toFixed(0)} MB` : '';
  const cpu = Number.isFinite(m.targetCpuPercent) ? ` cpu ${m.targetCpuPercent.toFixed(0)}% (${m.cpuUsPerPacket.toFixed(1)} µs/pkt)` : '';
  const counts = r.countsMatch ? 'counts ok' : `!!! COUNT MISMATCH receiver ${r.totals.receiverPrepares} vs fulfilled ${r.totals.fulfilled} (stuck ${r.totals.stuck})`;
  return `${fmtInt(r.pps)} pkts/s p50 ${r.latency.p50.toFixed(2)} p99 ${r.latency.p99.toFixed(2)} ms rejects ${rejects}${rss}${cpu} loadgen ${r.loadgenCpuPercent.toFixed(0)}% ${counts}`;
}

async function measureTarget(id: TargetId, c: number, round: number, o: Options, tmp: string): Promise<Measurement> {
  const dir = join(tmp, `round${round}-c${c}-${id}`);
  // (r) is (a) converting: profiled beside it, so the two profiles of one run can be compared
  const profiled = id === 'agent-runtime' || id === 'agent-runtime-rates';
  const cpuProfileDir = profiled && o.cpuProfDir ? join(o.cpuProfDir, `round${round}-c${c}${id === 'agent-runtime' ? '' : '-r'}`) : undefined;
  const nodeArgs = profiled ? [...o.nodeArgs] : [];
  if (cpuProfileDir) nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${cpuProfileDir}`);
  const base = { target: id as RowId, concurrency: c, round, peakRssMb: NaN, targetCpuPercent: NaN, cpuUsPerPacket: NaN };
  let running: Awaited<ReturnType<typeof startTarget>> | undefined;
  try {
    running = await startTarget(id, { dir, nodeArgs, ledgerSync: o.sync, pgInFlight: o.pgInFlight });
    const pids = [running.proc.pid, ...(running.extraPids ?? [])];
    const cpuMs = () => pids.reduce((sum, p) => sum + procCpuMs(p), 0);
    let cpu0 = NaN;
    let cpu1 = NaN;
    let t0 = 0;
    let t1 = 0;
    const mono: [number, number] = [0, 0];
    const result = await runLoadgen(
      {
        mode: 'remote',
        sender: running.sender,
        receiver: running.receiver,
        ...(running.http ? { http: running.http } : {}),
        destination: DESTINATION,
        amount: o.amount,
        concurrency: c,
        warmupMs: o.warmupMs,
        durationMs: o.durationMs,
        readyTimeoutMs: 30_000,
      },
      {
        onWindowStart: () => {
          cpu0 = cpuMs();
          t0 = performance.now();
          mono[0] = Number(process.hrtime.bigint() / 1000n);
        },
        onWindowEnd: () => {
          cpu1 = cpuMs();
          t1 = performance.now();
          mono[1] = Number(process.hrtime.bigint() / 1000n);
        },
      },
    );
    return {
      ...base,
      command: running.command,
      result,
      peakRssMb: pids.reduce((sum, p) => sum + procStatusKb(p, 'VmHWM'), 0) / 1024,
      targetCpuPercent: ((cpu1 - cpu0) / (t1 - t0)) * 100,
      cpuUsPerPacket: ((cpu1 - cpu0) * 1000) / result.fulfilledInWindow,
      windowMonotonicUs: mono,
      cpuProfileDir,
    };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { ...base, command: running?.command ?? '', error: running ? `${message} (target log: ${running.proc.logFile})` : message };
  } finally {
    await running?.stop();
  }
}

async function measureDirect(c: number, round: number, o: Options): Promise<Measurement> {
  const base = { target: 'direct' as RowId, concurrency: c, round, command: 'loadgen sender -> in-loadgen BTP server (no hop)', peakRssMb: NaN, targetCpuPercent: NaN, cpuUsPerPacket: NaN };
  try {
    const result = await runLoadgen({ mode: 'direct', destination: DESTINATION, amount: o.amount, concurrency: c, warmupMs: o.warmupMs, durationMs: o.durationMs, readyTimeoutMs: 10_000 });
    return { ...base, result };
  } catch (err) {
    return { ...base, error: err instanceof Error ? err.message : String(err) };
  }
}

/** The top of each agent-runtime CPU profile, cut to its measurement window. */
function summarizeRunProfiles(ms: readonly Measurement[]): { round: number; concurrency: number; dir: string; totalMs: number; top: Row[]; files: Row[]; text: string }[] {
  const out = [];
  for (const m of ms) {
    if (!m.cpuProfileDir || !m.windowMonotonicUs || !existsSync(m.cpuProfileDir)) continue;
    const s = summarizeProfiles(loadProfiles(m.cpuProfileDir), { monotonicUs: m.windowMonotonicUs });
    const top = s.functions.slice(0, 25);
    const files = s.files.slice(0, 12);
    const line = (r: Row) => `${r.percent.toFixed(1).padStart(6)}%  ${r.ms.toFixed(0).padStart(6)} ms  ${r.name}\n`;
    const text =
      `${m.target} CPU profile, round ${m.round} C=${m.concurrency}, window only (${s.totalMs.toFixed(0)} ms sampled; ${m.cpuProfileDir})\n` +
      `self time by function:\n${top.map(line).join('')}self time by file:\n${files.map(line).join('')}`;
    out.push({ round: m.round, concurrency: m.concurrency, dir: m.cpuProfileDir, totalMs: s.totalMs, top, files, text });
  }
  return out;
}

async function main(): Promise<number> {
  installCleanup();
  const argv = process.argv.slice(2);
  let o: Options;
  try {
    o = parseOptions(argv);
  } catch (err) {
    // bad options: the message says what was wrong; no stack
    process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\nSee npm run bench -- --help\n`);
    return 2;
  }
  const machine = machineInfo();
  const command = `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`;
  const tmp = mkdtempSync(join(tmpdir(), 'ar-bench-'));
  const started = new Date();
  const settings = `rounds ${o.rounds}, C ${o.levels.join('/')}, warm-up ${o.warmupMs} ms, window ${o.durationMs} ms, 64 B data, amount ${o.amount}, ledger.sync ${o.sync}, targets ${o.targets.map((t) => `${TARGET_LETTER[t]}=${t}`).join(' ')}`;
  process.stdout.write(`one-hop bench: ${settings}\n`);
  process.stdout.write(`machine: nproc ${machine.nproc}, ${machine.cpuModel}, node ${machine.node}\n`);
  for (const [id, err] of await buildTargets(o.targets)) {
    if (id !== 'ilp-connector' && id !== 'relay' && shippedStartAvailable()) continue;
    process.stdout.write(`!! could not compile the ${id} wrapper (running it under tsx instead): ${err.split('\n').slice(0, 6).join('\n')}\n`);
  }
  if (o.targets.includes('agent-runtime')) {
    process.stdout.write(shippedStartAvailable() ? 'agent-runtime: bin/run.js start (a)\n' : "agent-runtime: dist/commands/start.js not built; using bench/one-hop/agent-runtime-target.ts (a')\n");
  }
  const measurements: Measurement[] = [];
  const targetCommands: Record<string, string> = {};
  const unavailable = new Map<TargetId, string>();
  let step = 0;
  const total = o.rounds * o.levels.length * (o.targets.length + (o.direct ? 1 : 0));
  for (let round = 1; round <= o.rounds; round++) {
    for (const [li, c] of o.levels.entries()) {
      // Rotate the order each round and level so no target always runs first (or last).
      const shift = (round - 1 + li) % o.targets.length;
      const order = [...o.targets.slice(shift), ...o.targets.slice(0, shift)];
      for (const id of order) {
        step++;
        const t0 = Date.now();
        let m: Measurement;
        const skip = unavailable.get(id);
        if (skip) m = { target: id, concurrency: c, round, command: '', error: `skipped: ${skip}`, peakRssMb: NaN, targetCpuPercent: NaN, cpuUsPerPacket: NaN };
        else m = await measureTarget(id, c, round, o, tmp);
        if (m.error && / did not start: /.test(m.error) && !skip) unavailable.set(id, m.error.split('\n')[0]);
        if (m.command) targetCommands[id] = m.command;
        measurements.push(m);
        process.stdout.write(`[${step}/${total}] round ${round} C=${c} ${id}: ${describe(m)} (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);
        if (m.error && !skip) process.stdout.write(`${m.error.split('\n').slice(1).join('\n')}\n`);
      }
      if (o.direct) {
        step++;
        const t0 = Date.now();
        const m = await measureDirect(c, round, o);
        targetCommands.direct = m.command;
        measurements.push(m);
        process.stdout.write(`[${step}/${total}] round ${round} C=${c} direct: ${describe(m)} (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);
      }
    }
  }
  machine.loadAverage.end = Math.round(loadavg()[0] * 100) / 100;
  const profiles = summarizeRunProfiles(measurements);
  const aggregates = aggregate(measurements);
  const report = renderReport({ machine, command, targetCommands, settings, aggregates });
  process.stdout.write(`\n${report}\n`);
  for (const p of profiles) process.stdout.write(`\n${p.text}`);
  mkdirSync(dirname(o.out), { recursive: true });
  writeFileSync(
    o.out,
    `${JSON.stringify(
      {
        machine,
        command,
        settings: { ...o, out: undefined },
        startedAt: started.toISOString(),
        finishedAt: new Date().toISOString(),
        targetCommands,
        aggregates,
        ratios: ratios(aggregates),
        profiles: profiles.map((p) => ({ ...p, text: undefined })),
        measurements,
      },
      (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v),
      2,
    )}\n`,
  );
  process.stdout.write(`\nJSON: ${o.out}\n`);
  const failed = measurements.some((m) => m.error || !m.result?.countsMatch);
  if (o.keep || failed) process.stdout.write(`configs and target logs: ${tmp}\n`);
  else rmSync(tmp, { recursive: true, force: true });
  if (o.cpuProfDir) process.stdout.write(`CPU profiles: ${o.cpuProfDir} (whole runs: node --import tsx bench/one-hop/profile-summary.ts <dir> --inclusive)\n`);
  return failed ? 1 : 0;
}

main().then(
  (code) => {
    killAll(true);
    process.exit(code);
  },
  (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    killAll(true);
    process.exit(1);
  },
);
