/**
 * Aggregation of bench rounds (medians), the printed table and the JSON report.
 */
import { cpus, availableParallelism, loadavg, release, totalmem } from 'node:os';
import { median } from './stats.js';
import type { LoadgenResult } from './types.js';

/** A row key: a target id, or `direct` (the loadgen's own sender → in-process receiver round trip). */
export type RowId = 'agent-runtime' | 'ilp-connector' | 'relay' | 'agent-runtime-http' | 'agent-runtime-rates' | 'agent-runtime-postgres' | 'agent-runtime-policy' | 'agent-runtime-cluster' | 'direct';

/** One measurement: one target, one concurrency, one round. */
export interface Measurement {
  target: RowId;
  concurrency: number;
  round: number;
  command: string;
  /** undefined when the run failed (see `error`). */
  result?: LoadgenResult;
  error?: string;
  /** Target's peak RSS (VmHWM), MB; NaN for `direct`. */
  peakRssMb: number;
  /** Target's CPU over the window, percent of one core. */
  targetCpuPercent: number;
  /** Target CPU time per fulfilled packet over the window, µs (robust to other load on the host). */
  cpuUsPerPacket: number;
  /** The window on this host's monotonic clock (µs), to cut CPU profiles to it. */
  windowMonotonicUs?: [number, number];
  /** Where the target's --cpu-prof profile went. */
  cpuProfileDir?: string;
}

/** The medians over rounds of one target at one concurrency. */
export interface Aggregate {
  target: RowId;
  concurrency: number;
  rounds: number;
  failedRounds: number;
  pps: number;
  ppsPerRound: number[];
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  /** Rejects by code, summed over rounds. */
  rejects: Record<string, number>;
  /** Max over rounds. */
  peakRssMb: number;
  targetCpuPercent: number;
  /** Median target CPU µs per fulfilled packet. */
  cpuUsPerPacket: number;
  loadgenCpuPercent: number;
  /** Every round's receiver Prepare count equalled its sender Fulfill count. */
  countsMatch: boolean;
  errors: string[];
}

/** Machine facts printed with the results. */
export interface MachineInfo {
  nproc: number;
  cpuModel: string;
  node: string;
  kernel: string;
  memoryGb: number;
  /** 1-minute load average when the bench started and when it ended (other work on the host skews results). */
  loadAverage: { start: number; end?: number };
}

export function machineInfo(): MachineInfo {
  return {
    nproc: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    node: process.version,
    kernel: release(),
    memoryGb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    loadAverage: { start: Math.round(loadavg()[0] * 100) / 100 },
  };
}

function maxOf(values: readonly number[]): number {
  const v = values.filter(Number.isFinite);
  return v.length ? Math.max(...v) : NaN;
}

export function aggregate(ms: readonly Measurement[]): Aggregate[] {
  const groups = new Map<string, Measurement[]>();
  for (const m of ms) {
    const k = `${m.target}\u0000${m.concurrency}`;
    const g = groups.get(k) ?? [];
    g.push(m);
    groups.set(k, g);
  }
  const out: Aggregate[] = [];
  for (const g of groups.values()) {
    const ok = g.filter((m) => m.result !== undefined);
    const r = ok.map((m) => m.result!);
    const rejects: Record<string, number> = {};
    for (const x of r) for (const [code, n] of Object.entries(x.rejects)) rejects[code] = (rejects[code] ?? 0) + n;
    out.push({
      target: g[0].target,
      concurrency: g[0].concurrency,
      rounds: g.length,
      failedRounds: g.length - ok.length,
      pps: median(r.map((x) => x.pps)),
      ppsPerRound: r.map((x) => Math.round(x.pps)),
      p50: median(r.map((x) => x.latency.p50)),
      p90: median(r.map((x) => x.latency.p90)),
      p99: median(r.map((x) => x.latency.p99)),
      p999: median(r.map((x) => x.latency.p999)),
      max: median(r.map((x) => x.latency.max)),
      rejects,
      peakRssMb: maxOf(ok.map((m) => m.peakRssMb)),
      targetCpuPercent: median(ok.map((m) => m.targetCpuPercent)),
      cpuUsPerPacket: median(ok.map((m) => m.cpuUsPerPacket)),
      loadgenCpuPercent: median(r.map((x) => x.loadgenCpuPercent)),
      countsMatch: r.length > 0 && r.every((x) => x.countsMatch),
      errors: g.filter((m) => m.error).map((m) => `round ${m.round}: ${m.error}`),
    });
  }
  const order: RowId[] = ['agent-runtime', 'agent-runtime-postgres', 'agent-runtime-cluster', 'agent-runtime-rates', 'agent-runtime-policy', 'agent-runtime-http', 'ilp-connector', 'relay', 'direct'];
  return out.sort((a, b) => order.indexOf(a.target) - order.indexOf(b.target) || a.concurrency - b.concurrency);
}

/** a/b, a/c (and every target against direct) per concurrency, from the medians. */
export interface Ratio {
  concurrency: number;
  name: string;
  value: number;
}

export function ratios(aggs: readonly Aggregate[]): Ratio[] {
  const find = (t: RowId, c: number) => aggs.find((a) => a.target === t && a.concurrency === c);
  const pps = (t: RowId, c: number) => find(t, c)?.pps ?? NaN;
  const cpu = (t: RowId, c: number) => find(t, c)?.cpuUsPerPacket ?? NaN;
  const p99 = (t: RowId, c: number) => find(t, c)?.p99 ?? NaN;
  const levels = [...new Set(aggs.map((a) => a.concurrency))].sort((x, y) => x - y);
  const out: Ratio[] = [];
  for (const c of levels) {
    out.push({ concurrency: c, name: 'a/b pkts/s agent-runtime / ilp-connector', value: pps('agent-runtime', c) / pps('ilp-connector', c) });
    out.push({ concurrency: c, name: 'a/c pkts/s agent-runtime / relay', value: pps('agent-runtime', c) / pps('relay', c) });
    out.push({ concurrency: c, name: 'a/b packets per CPU-second', value: cpu('ilp-connector', c) / cpu('agent-runtime', c) });
    out.push({ concurrency: c, name: 'a/c packets per CPU-second', value: cpu('relay', c) / cpu('agent-runtime', c) });
    out.push({ concurrency: c, name: 'h/a pkts/s over HTTP / over BTP', value: pps('agent-runtime-http', c) / pps('agent-runtime', c) });
    out.push({ concurrency: c, name: 'h/a packets per CPU-second', value: cpu('agent-runtime', c) / cpu('agent-runtime-http', c) });
    out.push({ concurrency: c, name: 'r/a CPU µs/pkt converting / same asset', value: cpu('agent-runtime-rates', c) / cpu('agent-runtime', c) });
    out.push({ concurrency: c, name: 's/a CPU µs/pkt policied sender / policy-free', value: cpu('agent-runtime-policy', c) / cpu('agent-runtime', c) });
    out.push({ concurrency: c, name: 'p/a pkts/s PostgreSQL ledger / LevelDB', value: pps('agent-runtime-postgres', c) / pps('agent-runtime', c) });
    out.push({ concurrency: c, name: 'p/a p99 PostgreSQL ledger / LevelDB', value: p99('agent-runtime-postgres', c) / p99('agent-runtime', c) });
    out.push({ concurrency: c, name: 'x/p pkts/s two instances, crossing / one instance', value: pps('agent-runtime-cluster', c) / pps('agent-runtime-postgres', c) });
    out.push({ concurrency: c, name: 'x/p p99 two instances, crossing / one instance', value: p99('agent-runtime-cluster', c) / p99('agent-runtime-postgres', c) });
  }
  return out;
}

const fmt = (v: number, digits = 2) => (Number.isFinite(v) ? v.toFixed(digits) : 'n/a');
const fmtInt = (v: number) => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : 'n/a');

function pad(cells: string[], widths: number[], right: boolean[]): string {
  return cells.map((c, i) => (right[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');
}

/** The results as a text table, plus ratios and loud warnings. */
export function renderReport(p: {
  machine: MachineInfo;
  command: string;
  targetCommands: Record<string, string>;
  settings: string;
  aggregates: readonly Aggregate[];
}): string {
  const lines: string[] = [];
  const m = p.machine;
  lines.push(`machine: nproc ${m.nproc}, ${m.cpuModel}, node ${m.node}, linux ${m.kernel}, ${m.memoryGb} GB`);
  lines.push(`load average (1 min): ${m.loadAverage.start} at start, ${m.loadAverage.end ?? '?'} at end (the bench itself adds ~2)${m.loadAverage.start > m.nproc / 2 ? '; other work on this host: expect noise' : ''}`);
  lines.push(`command: ${p.command}`);
  lines.push(`settings: ${p.settings}`);
  for (const [t, c] of Object.entries(p.targetCommands)) lines.push(`  ${t}: ${c}`);
  lines.push('');
  const header = ['target', 'C', 'pkts/s (median)', 'p50 ms', 'p90 ms', 'p99 ms', 'p99.9 ms', 'max ms', 'rejects', 'peak RSS MB', 'CPU target', 'CPU µs/pkt', 'CPU loadgen', 'counts'];
  const right = [false, true, true, true, true, true, true, true, false, true, true, true, true, false];
  const rows = p.aggregates.map((a) => [
    a.target,
    String(a.concurrency),
    fmtInt(a.pps),
    fmt(a.p50, 3),
    fmt(a.p90, 3),
    fmt(a.p99, 3),
    fmt(a.p999, 3),
    fmt(a.max, 1),
    Object.keys(a.rejects).length ? Object.entries(a.rejects).map(([k, v]) => `${k}:${v}`).join(' ') : '0',
    a.target === 'direct' ? '-' : fmt(a.peakRssMb, 0),
    a.target === 'direct' ? '-' : `${fmt(a.targetCpuPercent, 0)}%`,
    a.target === 'direct' ? '-' : fmt(a.cpuUsPerPacket, 1),
    `${fmt(a.loadgenCpuPercent, 0)}%`,
    a.failedRounds ? `FAILED ${a.failedRounds}/${a.rounds}` : a.countsMatch ? 'ok' : 'MISMATCH',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  lines.push(pad(header, widths, right));
  lines.push(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) lines.push(pad(r, widths, right));
  lines.push('');
  const rs = ratios(p.aggregates);
  if (rs.length) {
    lines.push('ratios (medians; "packets per CPU-second" divides CPU µs/pkt, which other load on the host skews less than pkts/s):');
    for (const r of rs) lines.push(`  C=${String(r.concurrency).padEnd(5)} ${r.name.padEnd(42)} ${fmt(r.value, 2)}`);
  }
  const direct = p.aggregates.filter((a) => a.target === 'direct');
  for (const d of direct) {
    const others = p.aggregates.filter((a) => a.target !== 'direct' && a.concurrency === d.concurrency && Number.isFinite(a.pps) && a.pps > 0);
    if (others.length === 0) continue;
    const margins = others.map((a) => `${fmt(d.pps / a.pps, 2)}x ${a.target}`).join(', ');
    // The connectors must be well below what the load generator can drive; the relay is bounded by it by design.
    const connectors = others.filter((a) => a.target !== 'relay');
    const worst = Math.min(...connectors.map((a) => d.pps / a.pps));
    const verdict = connectors.length === 0 ? '' : worst >= 1.5 ? ': well above every connector' : ': !! NOT well above every connector, the load generator may be the bottleneck';
    lines.push(`  C=${String(d.concurrency).padEnd(5)} direct round trip (no hop) ${fmtInt(d.pps)} pkts/s = ${margins}${verdict}`);
  }
  for (const a of p.aggregates) {
    if (a.failedRounds === 0 && !a.countsMatch) {
      lines.push(`!!! COUNT MISMATCH: ${a.target} C=${a.concurrency}: the receiver's Prepares differ from the sender's Fulfills (see the JSON totals)`);
    }
    for (const e of a.errors) lines.push(`!!! ${a.target} C=${a.concurrency} ${e}`);
  }
  return lines.join('\n');
}
