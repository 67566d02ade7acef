/**
 * Child processes of the bench: spawn with logs to files, track every pid, stop by pid (also on exit,
 * SIGINT, SIGTERM and failure), free ports, and /proc readings (peak RSS, CPU time).
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The repository root (bench/one-hop/../..). */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** `--import` value that loads tsx from any working directory. */
export const TSX_IMPORT = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

const live = new Map<number, ChildProcess>();
let cleanupInstalled = false;

/** Kills every tracked child by pid (SIGKILL when `hard`). Safe to call many times. */
export function killAll(hard = false): void {
  for (const [pid, child] of live) {
    if (child.exitCode !== null || child.signalCode !== null) {
      live.delete(pid);
      continue;
    }
    try {
      process.kill(pid, hard ? 'SIGKILL' : 'SIGTERM');
    } catch {
      live.delete(pid);
    }
  }
}

/** Installs exit/signal handlers that stop every child this process started. */
export function installCleanup(): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  process.on('exit', () => killAll(true));
  const onSignal = (signal: NodeJS.Signals) => {
    process.stderr.write(`\n${signal}: stopping ${live.size} child process(es)\n`);
    killAll(false);
    setTimeout(() => {
      killAll(true);
      process.exit(130);
    }, 1500).unref();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
}

/** Number of children still tracked (for tests). */
export function liveChildren(): number {
  return live.size;
}

/** A spawned child with its log file. */
export interface Spawned {
  child: ChildProcess;
  pid: number;
  /** stdout and stderr of the child */
  logFile: string;
  /** Resolves with the exit code (or signal name) when the child exits. */
  exited: Promise<number | string>;
}

/** Spawns a tracked child whose stdout and stderr go to `logFile`. */
export function spawnLogged(command: string, args: readonly string[], logFile: string, opts: SpawnOptions = {}): Spawned {
  const fd = openSync(logFile, 'a');
  const child = spawn(command, args, { stdio: ['ignore', fd, fd], ...opts });
  closeSync(fd);
  return track(child, logFile);
}

/** Tracks an already spawned child (forked load generator, …). */
export function track(child: ChildProcess, logFile = ''): Spawned {
  if (child.pid === undefined) throw new Error(`could not start ${child.spawnfile}`);
  const pid = child.pid;
  live.set(pid, child);
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      live.delete(pid);
      resolve(code ?? signal ?? -1);
    });
    child.once('error', () => {
      live.delete(pid);
      resolve(-1);
    });
  });
  return { child, pid, logFile, exited };
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the child has exited. */
export async function stopChild(s: Spawned, graceMs = 10_000): Promise<void> {
  if (s.child.exitCode !== null || s.child.signalCode !== null) return;
  try {
    process.kill(s.pid, 'SIGTERM');
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(s.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }, graceMs);
  await s.exited;
  clearTimeout(timer);
}

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** `n` distinct ports that were free a moment ago (held open together while they are picked). */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () => new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
      const srv = createServer();
      srv.once('error', reject);
      srv.listen(0, '127.0.0.1', () => resolve(srv));
    })),
  );
  const ports = servers.map((s) => {
    const addr = s.address();
    return typeof addr === 'object' && addr ? addr.port : 0;
  });
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

/** Resolves once something accepts TCP connections on 127.0.0.1:`port`; rejects after `timeoutMs` or if `exited` settles first. */
export async function waitForPort(port: number, timeoutMs: number, exited?: Promise<unknown>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let dead = false;
  void exited?.then(() => (dead = true));
  while (Date.now() < deadline) {
    if (dead) throw new Error(`the process exited before listening on port ${port}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = createConnection({ host: '127.0.0.1', port }, () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listened on port ${port} within ${timeoutMs} ms`);
}

/** A `kB` field of /proc/<pid>/status (VmHWM, VmRSS, …), in kB; NaN when unreadable. */
export function procStatusKb(pid: number, field: string): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : NaN;
  } catch {
    return NaN;
  }
}

let clockTicks: number | undefined;

/** User + system CPU time of a process so far, in ms (from /proc/<pid>/stat); NaN when unreadable. */
export function procCpuMs(pid: number): number {
  try {
    if (clockTicks === undefined) {
      try {
        clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
      } catch {
        clockTicks = 100;
      }
    }
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(rest[11]) + Number(rest[12])) * 1000) / clockTicks;
  } catch {
    return NaN;
  }
}

/** Last `lines` lines of a log file ('' when missing). */
export function tail(file: string, lines = 20): string {
  if (!file || !existsSync(file)) return '';
  return readFileSync(file, 'utf8').split('\n').slice(-lines - 1).join('\n');
}
