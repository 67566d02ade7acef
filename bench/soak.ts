/**
 * Soak test (issue 11): one hop at 70% of its maximum throughput for 10 minutes, watching the node's
 * memory.
 *
 *   npm run soak                        10 minutes
 *   npm run soak -- --minutes 3
 *   npm run soak -- --help
 *
 * Starts agent-runtime in its own process as the one-hop bench does (bench/one-hop/targets.ts: the
 * built `bin/run.js start`, else the library wrapper), measures its maximum with the bench's closed
 * loop load generator (its own process, 100 in flight), then drives it from this process with an open
 * loop at 70% of that rate: Prepares sent on a fixed schedule (every 5 ms, what is due), each with
 * distinct data, answered by a receiver that fulfils everything. The node's RSS is read every 10 s;
 * the baseline is the reading at the end of minute 1 (after warm-up). Passes when the RSS at the end
 * is less than 10% above the baseline and no packet was rejected or left unanswered.
 * Exit code 0 on pass, 1 on failure.
 *
 * Diagnostics (not part of the verdict): the node runs with its inspector on a loopback port
 * (`--no-inspect`: without), and right after the baseline and at the end its process.memoryUsage()
 * is read after a forced full GC, to tell memory the node holds (heap used, external) from garbage
 * not yet collected and what the C allocator keeps; each minute's line shows the packets in flight
 * (a node that cannot keep up holds up to MAX_IN_FLIGHT of them).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CorkedWriter, connectBtp } from './one-hop/loadgen.js';
import { runLoadgen } from './one-hop/harness.js';
import { formatMem, inspectorProbe, type MemoryProbe, type MemReading } from './fuzz.js';
import { freePorts, installCleanup, procStatusKb } from './one-hop/procs.js';
import { LatencyRecorder } from './one-hop/stats.js';
import { DESTINATION, startTarget } from './one-hop/targets.js';
import {
  BENCH_CONDITION,
  BTP_ERROR,
  BTP_MESSAGE,
  BTP_RESPONSE,
  ILP_FULFILL,
  ILP_PREPARE,
  ILP_REJECT,
  btpErrorCode,
  buildFulfillResponse,
  buildPrepareFrame,
  findIlp,
  rejectCodeAt,
  writeIlpTimestamp,
} from './one-hop/wire.js';

const HELP = `npm run soak -- [options]

  --minutes <n>         duration of the soak (default 10)
  --fraction <f>        share of the measured maximum to drive (default 0.7)
  --rate <pps>          drive this rate instead of measuring the maximum
  --keep                keep the temp folder (config, node log, ledger)
  --no-inspect          no inspector in the node (no full-GC memory readings)
  --help`;

const SAMPLE_MS = 10_000;
const TICK_MS = 5;
/**
 * At most this many packets unanswered: past it the sender waits and catches up later (a GC pause, a
 * LevelDB compaction or a busy machine stalls answers now and then). A real client bounds what it has
 * in flight too; an unbounded backlog would sit in the node's memory and be read as growth.
 */
const MAX_IN_FLIGHT = 5000;

interface Minute {
  minute: number;
  sent: number;
  fulfilled: number;
  rejected: number;
  p50: number;
  p99: number;
  rssMb: number;
  inFlight: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const mb = (kb: number) => kb / 1024;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      minutes: { type: 'string', default: '10' },
      fraction: { type: 'string', default: '0.7' },
      rate: { type: 'string' },
      keep: { type: 'boolean', default: false },
      'no-inspect': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  const minutes = Number(values.minutes);
  const fraction = Number(values.fraction);
  if (!(minutes >= 1)) throw new Error('--minutes must be at least 1 (the baseline is taken after minute 1)');
  if (!(fraction > 0 && fraction <= 1)) throw new Error('--fraction must be in (0, 1]');
  installCleanup();
  const out = (l: string) => process.stdout.write(`${l}\n`);
  const dir = mkdtempSync(join(tmpdir(), 'ar-soak-'));
  const inspectPort = values['no-inspect'] ? undefined : (await freePorts(1))[0];
  const target = await startTarget('agent-runtime', { dir, nodeArgs: inspectPort === undefined ? [] : [`--inspect=127.0.0.1:${inspectPort}`] });
  let pass = false;
  let memory: MemoryProbe | undefined;
  try {
    out(`soak: ${target.command} (pid ${target.proc.pid}${inspectPort === undefined ? '' : `, inspector on 127.0.0.1:${inspectPort}`}), ${minutes} min`);
    if (inspectPort !== undefined) {
      memory = await inspectorProbe(inspectPort).catch((err: unknown) => {
        out(`no full-GC memory readings: ${err instanceof Error ? err.message : String(err)}`);
        return undefined;
      });
    }
    let rate: number;
    if (values.rate !== undefined) {
      rate = Number(values.rate);
      out(`rate: ${rate} packets/s (given)`);
    } else {
      const max = await runLoadgen({ mode: 'remote', sender: target.sender, receiver: target.receiver, destination: DESTINATION, amount: '1000', concurrency: 100, warmupMs: 2000, durationMs: 5000, readyTimeoutMs: 30_000 });
      rate = Math.round(max.pps * fraction);
      out(`maximum (closed loop, 100 in flight, 5 s): ${Math.round(max.pps)} packets/s, p99 ${max.latency.p99.toFixed(2)} ms -> soak at ${Math.round(fraction * 100)}%: ${rate} packets/s`);
    }
    pass = await soak(target, rate, minutes, out, memory);
  } finally {
    memory?.close();
    await target.stop();
    if (values.keep) out(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
  process.exitCode = pass ? 0 : 1;
}

/**
 * Fulfils every Prepare with a fresh copy of one pre-encoded Fulfill. (The bench's Fulfiller reuses a
 * ring of 4096 response buffers, fine for its closed loop; with thousands of answers queued behind a
 * busy socket, a reused buffer would be re-patched before it is written.)
 */
function fulfiller(out: CorkedWriter): (raw: unknown) => void {
  const template = buildFulfillResponse(0);
  return (raw) => {
    const b = raw as Buffer;
    if (b.length < 5 || b[0] !== BTP_MESSAGE) return;
    const at = findIlp(b);
    if (at < 0 || b[at] !== ILP_PREPARE) return;
    const r = Buffer.from(template);
    r.writeUInt32BE(b.readUInt32BE(1), 1);
    out.send(r);
  };
}

async function soak(target: Awaited<ReturnType<typeof startTarget>>, rate: number, minutes: number, out: (l: string) => void, memory?: MemoryProbe): Promise<boolean> {
  const withProc = (m: MemReading): MemReading => ({ ...m, rssAnonMb: mb(procStatusKb(target.proc.pid, 'RssAnon')), rssFileMb: mb(procStatusKb(target.proc.pid, 'RssFile')) });
  let gcBaseline: Promise<MemReading | undefined> = Promise.resolve(undefined);
  let inFlightAtBaseline = 0;
  const box: { fulfil?: (raw: unknown) => void } = {};
  const receiverWs = await connectBtp(target.receiver, Date.now() + 30_000, (d) => box.fulfil?.(d));
  box.fulfil = fulfiller(new CorkedWriter(receiverWs));

  const sentAt = new Map<number, number>();
  const rejects: Record<string, number> = {};
  let fulfilled = 0;
  let rejected = 0;
  let unexpected = 0;
  let latency = new LatencyRecorder();
  const senderWs = await connectBtp(target.sender, Date.now() + 30_000, (raw) => {
    const b = raw as Buffer;
    if (b.length < 5) return void unexpected++;
    const id = b.readUInt32BE(1);
    const t = sentAt.get(id);
    if (t === undefined) return void unexpected++;
    sentAt.delete(id);
    let code: string | undefined;
    if (b[0] === BTP_RESPONSE) {
      const at = findIlp(b);
      if (at < 0) code = 'NO-ILP';
      else if (b[at] === ILP_REJECT) code = rejectCodeAt(b, at);
      else if (b[at] !== ILP_FULFILL) code = 'BAD-ILP';
    } else code = b[0] === BTP_ERROR ? `BTP-${btpErrorCode(b)}` : `BTP-TYPE-${b[0]}`;
    if (code === undefined) {
      fulfilled++;
      latency.record(performance.now() - t);
    } else {
      rejected++;
      rejects[code] = (rejects[code] ?? 0) + 1;
    }
  });
  let lost = '';
  senderWs.once('close', (c) => (lost ||= `sender socket closed (${c})`));
  receiverWs.once('close', (c) => (lost ||= `receiver socket closed (${c})`));
  const writer = new CorkedWriter(senderWs);

  // 1024 pre-built frames; per packet: request id, a sequence number in the data, the expiry every 50 ms
  const nonce = Buffer.from(`${process.pid}-${Date.now()}`);
  const slots = Array.from({ length: 1024 }, () => {
    const data = Buffer.alloc(64, 0x2a);
    nonce.copy(data, 8);
    return buildPrepareFrame({ requestId: 0, amount: 1000n, expiresAtMs: Date.now() + 30_000, condition: BENCH_CONDITION, destination: DESTINATION, data });
  });
  const expiry = Buffer.alloc(17);
  let expiryAt = 0;
  let seq = 0;
  let nextId = 1;
  let sent = 0;
  /** most packets the sender was ever behind its schedule */
  let maxBehind = 0;
  const maxInFlight = MAX_IN_FLIGHT;

  const started = performance.now();
  const endAt = started + minutes * 60_000;
  const samples: { t: number; rssMb: number }[] = [];
  const perMinute: Minute[] = [];
  let minuteStart = { sent: 0, fulfilled: 0, rejected: 0 };
  let baseline = NaN;
  const sample = () => {
    const rssMb = mb(procStatusKb(target.proc.pid, 'VmRSS'));
    const t = performance.now() - started;
    samples.push({ t, rssMb });
    return rssMb;
  };
  sample();

  await new Promise<void>((resolve) => {
    let nextSample = started + SAMPLE_MS;
    let minute = 1;
    const tick = setInterval(() => {
      const now = performance.now();
      if (Date.now() - expiryAt >= 50) {
        expiryAt = Date.now();
        writeIlpTimestamp(expiry, 0, expiryAt + 30_000);
      }
      const due = Math.floor(((Math.min(now, endAt) - started) * rate) / 1000);
      maxBehind = Math.max(maxBehind, due - sent);
      while (sent < due && sentAt.size < maxInFlight) {
        const s = slots[seq & 1023];
        seq++;
        const b = Buffer.from(s.frame); // a copy: the slot's frame may still be queued in the socket
        const id = nextId;
        nextId = (nextId + 1) >>> 0 || 1;
        b.writeUInt32BE(id, 1);
        b.writeUInt32BE(Math.floor(seq / 0x1_0000_0000), s.dataOffset);
        b.writeUInt32BE(seq >>> 0, s.dataOffset + 4);
        expiry.copy(b, s.expiryOffset);
        sentAt.set(id, performance.now());
        writer.send(b);
        sent++;
      }
      if (now >= nextSample) {
        nextSample += SAMPLE_MS;
        const rssMb = sample();
        if (now - started >= 60_000 * minute - 1) {
          const lat = latency.summary();
          perMinute.push({ minute, sent: sent - minuteStart.sent, fulfilled: fulfilled - minuteStart.fulfilled, rejected: rejected - minuteStart.rejected, p50: lat.p50, p99: lat.p99, rssMb, inFlight: sentAt.size });
          const m = perMinute[perMinute.length - 1];
          out(`  min ${String(minute).padStart(2)}: ${Math.round(m.fulfilled / 60)} fulfilled/s, ${m.rejected} rejected, p50 ${m.p50.toFixed(2)} ms, p99 ${m.p99.toFixed(2)} ms, ${m.inFlight} in flight, node RSS ${rssMb.toFixed(1)} MB`);
          if (minute === 1) {
            baseline = rssMb;
            inFlightAtBaseline = sentAt.size;
            // after the raw reading: the forced GC shrinks the heap
            if (memory) gcBaseline = memory.read(true).then(withProc, () => undefined);
          }
          minuteStart = { sent, fulfilled, rejected };
          latency = new LatencyRecorder();
          minute++;
        }
      }
      if (now >= endAt || lost) {
        clearInterval(tick);
        resolve();
      }
    }, TICK_MS);
  });
  const inFlightAtEnd = sentAt.size;
  // drain: every packet answered
  const drainUntil = Date.now() + 35_000;
  while (sentAt.size > 0 && Date.now() < drainUntil && !lost) await sleep(20);
  const unanswered = sentAt.size;
  const endRss = sample();
  const gcStart = await gcBaseline;
  const gcEnd = memory ? await memory.read(true).then(withProc, () => undefined) : undefined;
  senderWs.terminate();
  receiverWs.terminate();

  const seconds = (performance.now() - started) / 1000;
  const growth = (endRss - baseline) / baseline;
  const failures: string[] = [];
  if (lost) failures.push(lost);
  if (rejected > 0) failures.push(`${rejected} packets rejected: ${JSON.stringify(rejects)}`);
  if (unanswered > 0) failures.push(`${unanswered} packets never answered`);
  const achieved = sent / seconds;
  if (achieved < rate * 0.9) failures.push(`the node took only ${Math.round(achieved)}/s of the ${rate}/s asked for`);
  if (unexpected > 0) failures.push(`${unexpected} unexpected responses`);
  if (!(growth < 0.1)) failures.push(`node RSS grew ${(growth * 100).toFixed(1)}% after minute 1 (limit 10%)`);
  const rssList = samples.map((s) => s.rssMb.toFixed(0)).join(' ');
  out('');
  out(
    `sent ${sent.toLocaleString('en')} in ${seconds.toFixed(0)} s (${Math.round(sent / seconds)}/s, target ${rate}/s; at most ${maxBehind} behind schedule, in flight capped at ${maxInFlight}); ` +
      `fulfilled ${fulfilled.toLocaleString('en')}, rejected ${rejected}, unanswered ${unanswered}`,
  );
  out(`node RSS every 10 s (MB): ${rssList}`);
  out(`node RSS: baseline (end of minute 1) ${baseline.toFixed(1)} MB, end ${endRss.toFixed(1)} MB, growth ${(growth * 100).toFixed(1)}% (limit 10%), peak ${Math.max(...samples.map((s) => s.rssMb)).toFixed(1)} MB`);
  if (gcStart && gcEnd) {
    const d = (k: keyof MemReading) => `${gcEnd[k]! - gcStart[k]! >= 0 ? '+' : ''}${(gcEnd[k]! - gcStart[k]!).toFixed(1)}`;
    out(`node memory after a full GC (diagnostic; rest = rss - heapTotal - external): in flight ${inFlightAtBaseline} at the baseline, ${inFlightAtEnd} at the end`);
    out(`  baseline (end of minute 1)  ${formatMem(gcStart)}`);
    out(`  end                         ${formatMem(gcEnd)}`);
    out(`  change                      rss ${d('rssMb')} (${((gcEnd.rssMb / gcStart.rssMb - 1) * 100).toFixed(1)}%), heapUsed ${d('heapUsedMb')}, heapTotal ${d('heapTotalMb')}, external ${d('externalMb')}, anonymous ${d('rssAnonMb')}, files ${d('rssFileMb')} MB`);
  }
  out(failures.length === 0 ? 'PASS' : `FAIL: ${failures.join('; ')}`);
  return failures.length === 0;
}

main().catch((err: unknown) => {
  process.stderr.write(`soak: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
