/**
 * Runs a local anvil chain (Foundry) as a child process on a free loopback port, for tests, the
 * benchmark and `agent-runtime demo`. The binary comes from `ANVIL_BIN`, else the npm package
 * `@foundry-rs/anvil` (its platform package ships the binary), else `anvil` on the PATH.
 * Nothing here is used by a node settling on a real chain.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';

/** A running anvil. */
export interface AnvilProcess {
  /** http://127.0.0.1:<port> */
  readonly rpcUrl: string;
  readonly port: number;
  readonly pid: number;
  readonly chainId: number;
  /** Stops the process (SIGTERM, then SIGKILL after 3 s); resolves once it has exited. Idempotent. */
  stop(): Promise<void>;
}

export interface AnvilOptions {
  /** Chain id (default 31337). */
  chainId?: number;
  /** Seconds between blocks; unset: a block per transaction (instant mining). */
  blockTime?: number;
  /** How long to wait for the RPC to answer, in ms (default 20000). */
  startTimeoutMs?: number;
  /** Listen on this port (default: a free one; with a given port there is no retry on another). */
  port?: number;
  /** Mine no block by itself (`--no-mining`): blocks come only from evm_mine / anvil_mine. */
  noMining?: boolean;
}

/** Where the anvil binary is, or undefined when none is installed. */
export function findAnvil(): string | undefined {
  const fromEnv = process.env.ANVIL_BIN;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const arch = process.arch === 'x64' ? 'amd64' : process.arch;
  const exe = process.platform === 'win32' ? 'anvil.exe' : 'anvil';
  try {
    const path = createRequire(import.meta.url).resolve(`@foundry-rs/anvil-${process.platform}-${arch}/bin/${exe}`);
    if (existsSync(path)) return path;
  } catch {
    // not installed through npm: try the PATH
  }
  for (const dir of (process.env.PATH ?? '').split(process.platform === 'win32' ? ';' : ':')) {
    if (dir !== '' && existsSync(`${dir}/${exe}`)) return `${dir}/${exe}`;
  }
  return undefined;
}

/** A TCP port free on 127.0.0.1 right now. */
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

/** Sends one JSON-RPC request (used to wait for readiness and by tests for anvil_* methods). */
export async function rpc<T = unknown>(rpcUrl: string, method: string, params: unknown[] = []): Promise<T> {
  const res = await fetch(rpcUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    signal: AbortSignal.timeout(5000),
  });
  const body = (await res.json()) as { result?: T; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result as T;
}

/**
 * Starts anvil on a free port with `--silent` and waits until it answers.
 * @throws Error naming how to install anvil when no binary is found
 */
export async function startAnvil(opts: AnvilOptions = {}): Promise<AnvilProcess> {
  const bin = findAnvil();
  if (bin === undefined) {
    throw new Error('anvil is not installed: npm install --save-dev @foundry-rs/anvil (or install Foundry, or set ANVIL_BIN)');
  }
  const chainId = opts.chainId ?? 31337;
  let lastError: unknown;
  for (let attempt = 0; attempt < (opts.port === undefined ? 3 : 1); attempt++) {
    const port = opts.port ?? (await freePort());
    const args = ['--port', String(port), '--host', '127.0.0.1', '--silent', '--chain-id', String(chainId)];
    if (opts.blockTime !== undefined) args.push('--block-time', String(opts.blockTime));
    if (opts.noMining === true) args.push('--no-mining');
    const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-2000);
    });
    const rpcUrl = `http://127.0.0.1:${port}`;
    try {
      await waitReady(child, rpcUrl, opts.startTimeoutMs ?? 20_000, () => stderr);
      return handle(child, rpcUrl, port, chainId);
    } catch (err) {
      lastError = err;
      await kill(child);
    }
  }
  throw lastError instanceof Error ? lastError : new Error(String(lastError));
}

async function waitReady(child: ChildProcess, rpcUrl: string, timeoutMs: number, stderr: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`anvil exited (${child.exitCode ?? child.signalCode}): ${stderr()}`);
    try {
      await rpc(rpcUrl, 'eth_chainId');
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`anvil did not answer on ${rpcUrl} within ${timeoutMs} ms: ${stderr()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => {
      try {
        process.kill(child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }, 3000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    try {
      process.kill(child.pid!, 'SIGTERM');
    } catch {
      clearTimeout(force);
      resolve();
    }
  });
}

function handle(child: ChildProcess, rpcUrl: string, port: number, chainId: number): AnvilProcess {
  let stopping: Promise<void> | undefined;
  // If this process ends without stop() (a crash, process.exit), the chain must not outlive it.
  const onExit = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', onExit);
  child.once('exit', () => process.removeListener('exit', onExit));
  return {
    rpcUrl,
    port,
    pid: child.pid!,
    chainId,
    stop: () => (stopping ??= kill(child)),
  };
}
