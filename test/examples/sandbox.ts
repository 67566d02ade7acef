/**
 * Runs an example the way its README says, on free ports: the example's files are copied into a temp
 * folder laid out like a clone (`bin/` and `node_modules/` linked, `examples/...` copied), with every
 * fixed port the example uses replaced by a free one in the files and in the commands, and nothing
 * else changed. Commands run in bash with that folder as the current directory, each in its own
 * process group so cleanup kills whatever a command started, by pid.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Proc, root } from '../e2e/process.js';

/** The environment of the commands: ours, minus anything that would point the CLI at another node. */
export const cleanEnv: NodeJS.ProcessEnv = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !k.startsWith('AGENT_RUNTIME_') && !k.startsWith('BTP_PEER_') && !k.startsWith('LINK_') && k !== 'PORT'),
);

/** Whether `port` can be listened on at 127.0.0.1 right now. */
function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/**
 * `n` distinct ports free a moment ago, from 20000-32767: below Linux's ephemeral range (32768+), so
 * neither another test's port-0 listener nor an outgoing connection (the nodes dial each other, the
 * CLI calls them) takes one between our check and the example's listen.
 */
export async function freePorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) {
    const candidate = 20_000 + Math.floor(Math.random() * 12_768);
    if (!ports.has(candidate) && (await canListen(candidate))) ports.add(candidate);
  }
  return [...ports];
}

/** The ```bash blocks of a markdown text, in order. */
export function bashBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/```(?:bash|sh)\n([\s\S]*?)```/g)].map((m) => m[1]);
}

/** One line of a block: a command to run, with the variables `export`ed before it. */
export interface Step {
  line: string;
  env: Record<string, string>;
}

/** The commands of a block, one per line (comments and blank lines dropped; `export` lines kept as env). */
export function stepsOf(block: string): Step[] {
  const env: Record<string, string> = {};
  const steps: Step[] = [];
  for (const raw of block.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const exported = /^export ([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (exported) env[exported[1]] = exported[2];
    else steps.push({ line, env: { ...env } });
  }
  return steps;
}

export class ExampleSandbox {
  readonly dir = mkdtempSync(join(tmpdir(), 'ar-example-'));
  private readonly procs: Proc[] = [];

  private constructor(private readonly ports: ReadonlyMap<number, number>) {
    symlinkSync(join(root, 'bin'), join(this.dir, 'bin'));
    symlinkSync(join(root, 'node_modules'), join(this.dir, 'node_modules'));
  }

  /** A sandbox where each of `fixed` (the example's own port numbers) becomes a free port. */
  static async create(fixed: readonly number[]): Promise<ExampleSandbox> {
    const free = await freePorts(fixed.length);
    return new ExampleSandbox(new Map(fixed.map((p, i) => [p, free[i]])));
  }

  /** The free port standing in for the example's `port`. */
  port(port: number): number {
    const p = this.ports.get(port);
    if (p === undefined) throw new Error(`port ${port} is not one of the example's`);
    return p;
  }

  /** `text` with every port of the example replaced (whole numbers only: 30001 is not 3000). */
  subst(text: string): string {
    return text.replace(/\d+/g, (n) => String(this.ports.get(Number(n)) ?? n));
  }

  /** Copies a folder of the repository (relative path) into the sandbox, ports replaced in every file. */
  copy(relative: string): void {
    const from = join(root, relative);
    if (!statSync(from).isDirectory()) {
      mkdirSync(dirname(join(this.dir, relative)), { recursive: true });
      writeFileSync(join(this.dir, relative), this.subst(readFileSync(from, 'utf8')));
      return;
    }
    for (const entry of readdirSync(from)) this.copy(join(relative, entry));
  }

  /**
   * Puts `agent-runtime` on the PATH of the commands (the built CLI, as `npm link` or an install
   * would); returns the PATH to give them.
   */
  cliPath(): string {
    const dir = join(this.dir, '.bin');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'agent-runtime'), `#!/bin/sh\nexec "${process.execPath}" "${join(root, 'bin', 'run.js')}" "$@"\n`, { mode: 0o755 });
    return `${dir}:${dirname(process.execPath)}:${process.env.PATH ?? ''}`;
  }

  /** Copies a file or folder as it is (no port replaced). */
  copyAsIs(relative: string): void {
    cpSync(join(root, relative), join(this.dir, relative), { recursive: true });
  }

  /** Runs a line (or a script) in bash, in the sandbox, with `env` on top of the clean environment. */
  run(line: string, env: Record<string, string> = {}, bashOptions: string[] = []): Proc {
    const p = new Proc('bash', [...bashOptions, '-c', line], { cwd: this.dir, env: { ...cleanEnv, ...env } });
    this.procs.push(p);
    return p;
  }

  /**
   * Kills every process group it started, by pid, whether or not its shell has exited (a script's
   * `&` children outlive it): SIGTERM, a moment to stop, then SIGKILL. Then removes the folder.
   */
  async cleanup(): Promise<void> {
    const groups = this.procs.map((p) => p.child.pid).filter((pid): pid is number => pid !== undefined);
    const signal = (sig: NodeJS.Signals) => {
      for (const pid of groups) {
        try {
          process.kill(-pid, sig);
        } catch {
          // the group is gone
        }
      }
    };
    const alive = () => groups.some((pid) => {
      try {
        process.kill(-pid, 0);
        return true;
      } catch {
        return false;
      }
    });
    signal('SIGTERM');
    for (let waited = 0; alive() && waited < 5_000; waited += 100) await new Promise((r) => setTimeout(r, 100));
    signal('SIGKILL');
    this.procs.length = 0;
    rmSync(this.dir, { recursive: true, force: true });
  }
}
