/**
 * Real `agent-runtime` processes for end-to-end tests: the built CLI (`node bin/run.js`), built once
 * when dist/ lacks it. Every spawned process gets its own process group, so a test can stop a shell
 * pipeline and everything in it by pid.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const root = join(import.meta.dirname, '..', '..');
export const bin = join(root, 'bin', 'run.js');

/** Builds dist/ and the manifest unless the built CLI is already there. */
export function ensureBuilt(): void {
  const manifest = join(root, 'oclif.manifest.json');
  const built = existsSync(join(root, 'dist', 'commands', 'start.js')) && existsSync(manifest) && readFileSync(manifest, 'utf8').includes('"start"');
  if (!built) execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'ignore' });
}

/** A spawned process with its output collected as it arrives. */
export class Proc {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(command: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}) {
    this.child = spawn(command, args, { cwd: opts.cwd ?? root, env: opts.env ?? process.env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout!.setEncoding('utf8').on('data', (d: string) => (this.stdout += d));
    this.child.stderr!.setEncoding('utf8').on('data', (d: string) => (this.stderr += d));
    if (opts.input !== undefined) this.child.stdin!.end(opts.input);
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  /** The stdout lines parsed as JSON (NDJSON). */
  events<T = { type: string; [k: string]: unknown }>(): T[] {
    return this.stdout
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as T);
  }

  /** Sends a signal to the process group (the process and whatever it started). */
  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.child.pid === undefined || this.child.exitCode !== null || this.child.signalCode !== null) return;
    try {
      process.kill(-this.child.pid, signal);
    } catch {
      // already gone
    }
  }
}

/** `node bin/run.js <args>` as a real process. */
export function cli(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): Proc {
  return new Proc(process.execPath, [bin, ...args], opts);
}

/** Polls `fn` until it returns a truthy value (no fixed sleeps). */
export async function until<T>(fn: () => T, label: string, timeoutMs = 60_000): Promise<NonNullable<T>> {
  const started = Date.now();
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${label}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Whether util-linux `script` is here: the terminal tests run commands under a pseudo-terminal with it. */
export const hasScript = (() => {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
