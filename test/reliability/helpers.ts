/**
 * Helpers for the reliability and security tests: the built CLI as a real process (`node bin/run.js
 * start --json`), free ports, and the sums the crash checks compare.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ensureBuilt, root } from '../e2e/process.js';

const builtCli = () => {
  const manifest = join(root, 'oclif.manifest.json');
  return existsSync(join(root, 'dist', 'commands', 'start.js')) && existsSync(manifest) && readFileSync(manifest, 'utf8').includes('"start"');
};

/**
 * A private copy of the built CLI (bin/run.js, dist/, package.json, the oclif manifest) under tmp/,
 * so the processes a long test starts keep running the same build while someone rebuilds dist/ in
 * the shared checkout (`npm run build` deletes dist/ first). Node resolves node_modules from the
 * repository, as for bin/run.js itself. Returns the copy's bin/run.js; remove the folder with
 * removeCliSnapshot.
 */
export async function cliSnapshot(): Promise<string> {
  for (let attempt = 0; attempt < 3; attempt++) {
    // a build in progress elsewhere: wait for it rather than starting a second one
    const waitUntil = Date.now() + 120_000;
    while (!builtCli() && Date.now() < waitUntil) await new Promise((r) => setTimeout(r, 500));
    if (!builtCli()) ensureBuilt();
    const dir = join(root, 'tmp', `cli-snapshot-${process.pid}-${attempt}`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(join(dir, 'bin'), { recursive: true });
    try {
      cpSync(join(root, 'bin', 'run.js'), join(dir, 'bin', 'run.js'));
      cpSync(join(root, 'package.json'), join(dir, 'package.json'));
      cpSync(join(root, 'oclif.manifest.json'), join(dir, 'oclif.manifest.json'));
      cpSync(join(root, 'dist'), join(dir, 'dist'), { recursive: true });
      if (existsSync(join(dir, 'dist', 'commands', 'start.js')) && existsSync(join(dir, 'dist', 'index.js'))) return join(dir, 'bin', 'run.js');
    } catch {
      // dist/ vanished under us (a rebuild started): try again
    }
    rmSync(dir, { recursive: true, force: true });
  }
  throw new Error('could not copy a complete build of the CLI (dist/ keeps changing)');
}

/** Removes a folder made by cliSnapshot (given its bin/run.js). */
export function removeCliSnapshot(runJs: string): void {
  rmSync(join(runJs, '..', '..'), { recursive: true, force: true });
}

/** A port that was free a moment ago (bound on 127.0.0.1 port 0, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** The `node:started` NDJSON event of `start --json`. */
export interface StartedEvent {
  type: 'node:started';
  ilpAddress: string;
  btpPort: number;
  healthPort: number;
  adminUrl?: string;
  dataDir: string;
}

/** A node running as its own process (the built CLI). */
export class NodeProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  stdout = '';
  stderr = '';
  /** Resolves with the node:started event; rejects when the process exits first. */
  readonly started: Promise<StartedEvent>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(runJs: string, args: string[], env: NodeJS.ProcessEnv) {
    this.child = spawn(process.execPath, [runJs, ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    if (this.child.pid === undefined) throw new Error('could not spawn the node process');
    this.pid = this.child.pid;
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
    this.child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      // keep the tail only: a long run logs a lot
      this.stderr = (this.stderr + d).slice(-20_000);
    });
    this.started = new Promise((resolve, reject) => {
      this.child.stdout!.setEncoding('utf8').on('data', (d: string) => {
        this.stdout = (this.stdout + d).slice(-50_000);
        for (const line of this.stdout.split('\n')) {
          if (!line.startsWith('{"type":"node:started"')) continue;
          try {
            resolve(JSON.parse(line) as StartedEvent);
          } catch {
            // a partial line: the rest arrives with the next chunk
          }
        }
      });
      void this.exited.then(({ code, signal }) => reject(new Error(`node process exited (${code ?? signal}) before node:started\n${this.stderr}`)));
    });
    this.started.catch(() => undefined);
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Signals the process by pid (SIGKILL by default); resolves when it has exited. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.alive) {
      try {
        process.kill(this.pid, signal);
      } catch {
        // already gone
      }
    }
    await this.exited;
  }
}

/** `node <runJs> start --config <file> --json`; runJs is bin/run.js or a cliSnapshot's copy of it. */
export function startNodeProcess(runJs: string, configPath: string, env: Record<string, string>, extraArgs: string[] = []): NodeProcess {
  const base: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    // the parent's overrides must not leak into the node under test
    if (!k.startsWith('AGENT_RUNTIME_') && !k.startsWith('BTP_PEER_') && k !== 'NODE_OPTIONS') base[k] = v;
  }
  return new NodeProcess(runJs, ['start', '--config', configPath, '--json', ...extraArgs], { ...base, ...env });
}

/** Sum of the `balance` fields (decimal strings) of a list of accounts. */
export function sumBalances(list: readonly { balance: string }[]): bigint {
  return list.reduce((s, a) => s + BigInt(a.balance), 0n);
}

/** The balance of `account` in a list of accounts (0 when absent). */
export function balanceOf(list: readonly { account: string; balance: string }[], account: string): bigint {
  return BigInt(list.find((a) => a.account === account)?.balance ?? '0');
}

export { RawPeer } from '../helpers/raw-btp.js';
