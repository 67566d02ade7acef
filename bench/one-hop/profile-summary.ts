/**
 * Summarises V8 CPU profiles (`node --cpu-prof`): top functions and files by self time.
 *
 *   node --import tsx bench/one-hop/profile-summary.ts <dir-or-.cpuprofile> [--top 30] [--inclusive] [--from ms] [--to ms]
 *
 * Self time of a function is the time of the samples taken while it was on top of the stack (summed
 * over every call site). With `--inclusive`, it also lists the time spent in each function and its callees.
 * `--from`/`--to` keep only the samples taken in that span (ms after the profile started), e.g. to
 * leave out start-up and shutdown. `--grep <text>` lists only functions whose name contains it.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** One row of the summary. */
export interface Row {
  name: string;
  ms: number;
  percent: number;
}

/** Self and inclusive time per function, per file, and the total (ms). */
export interface ProfileSummary {
  totalMs: number;
  functions: Row[];
  files: Row[];
  inclusive: Row[];
}

function shortUrl(url: string): string {
  if (!url) return '(native)';
  const path = url.replace(/^file:\/\//, '');
  const nm = path.lastIndexOf('/node_modules/');
  if (nm >= 0) return path.slice(nm + '/node_modules/'.length);
  if (path.startsWith('node:')) return path;
  return relative(process.cwd(), path);
}

function frameName(f: CallFrame): string {
  const fn = f.functionName || '(anonymous)';
  if (!f.url) return fn;
  return `${fn} ${shortUrl(f.url)}:${f.lineNumber + 1}`;
}

/**
 * Summarises one or more parsed profiles together.
 * @param window only samples taken between `fromMs` and `toMs` after the profile started count, or
 *   (`monotonicUs`) between two readings of `process.hrtime.bigint() / 1000n` taken on this host (V8
 *   profile timestamps use the same monotonic clock)
 */
export function summarizeProfiles(
  profiles: readonly CpuProfile[],
  window: { fromMs?: number; toMs?: number; monotonicUs?: readonly [number, number] } = {},
): ProfileSummary {
  const self = new Map<string, number>();
  const files = new Map<string, number>();
  const incl = new Map<string, number>();
  let total = 0;
  for (const p of profiles) {
    const byId = new Map<number, ProfileNode>();
    const parent = new Map<number, number>();
    for (const n of p.nodes) {
      byId.set(n.id, n);
      for (const c of n.children ?? []) parent.set(c, n.id);
    }
    const fromUs = window.monotonicUs ? window.monotonicUs[0] - p.startTime : (window.fromMs ?? 0) * 1000;
    const toUs = window.monotonicUs ? window.monotonicUs[1] - p.startTime : (window.toMs ?? Infinity) * 1000;
    let t = 0;
    for (let i = 0; i < p.samples.length; i++) {
      t += p.timeDeltas[i] ?? 0;
      if (t < fromUs || t > toUs) continue;
      const dt = (p.timeDeltas[i + 1] ?? p.timeDeltas[i] ?? 0) / 1000;
      const node = byId.get(p.samples[i]);
      if (!node) continue;
      total += dt;
      const name = frameName(node.callFrame);
      self.set(name, (self.get(name) ?? 0) + dt);
      const file = node.callFrame.url ? shortUrl(node.callFrame.url) : node.callFrame.functionName || '(native)';
      files.set(file, (files.get(file) ?? 0) + dt);
      const seen = new Set<string>();
      for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
        const n = byId.get(id)!;
        const nm = frameName(n.callFrame);
        if (seen.has(nm)) continue;
        seen.add(nm);
        incl.set(nm, (incl.get(nm) ?? 0) + dt);
      }
    }
  }
  const rows = (m: Map<string, number>) =>
    [...m.entries()].map(([name, ms]) => ({ name, ms, percent: total ? (ms / total) * 100 : 0 })).sort((a, b) => b.ms - a.ms);
  return { totalMs: total, functions: rows(self), files: rows(files), inclusive: rows(incl) };
}

/** Reads every `.cpuprofile` in a folder (or one file). */
export function loadProfiles(path: string): CpuProfile[] {
  const files = statSync(path).isDirectory()
    ? readdirSync(path).filter((f) => f.endsWith('.cpuprofile')).map((f) => join(path, f))
    : [path];
  return files.map((f) => JSON.parse(readFileSync(f, 'utf8')) as CpuProfile);
}

function main(): void {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      top: { type: 'string', default: '30' },
      inclusive: { type: 'boolean', default: false },
      from: { type: 'string' },
      to: { type: 'string' },
      grep: { type: 'string' },
    },
  });
  const path = positionals[0];
  if (!path) throw new Error('usage: profile-summary.ts <dir-or-file.cpuprofile> [--top N] [--inclusive]');
  const top = Number(values.top);
  const s = summarizeProfiles(loadProfiles(path), {
    fromMs: values.from === undefined ? undefined : Number(values.from),
    toMs: values.to === undefined ? undefined : Number(values.to),
  });
  const grep = values.grep;
  let out = `total sampled: ${s.totalMs.toFixed(0)} ms\n`;
  const print = (title: string, rows: Row[]) => {
    out += `\n${title}\n`;
    for (const r of rows.filter((x) => grep === undefined || x.name.includes(grep)).slice(0, top)) {
      out += `${r.percent.toFixed(1).padStart(6)}%  ${r.ms.toFixed(0).padStart(7)} ms  ${r.name}\n`;
    }
  };
  print('self time by function', s.functions);
  print('self time by file', s.files);
  if (values.inclusive) print('inclusive time by function', s.inclusive);
  process.stdout.on('error', () => undefined); // a closed pipe (| head) is not an error
  process.stdout.write(out);
}

if (process.argv[1]?.endsWith('profile-summary.ts')) main();
