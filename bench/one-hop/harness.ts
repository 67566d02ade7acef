/**
 * Runs the load generator in its own process and collects its result.
 */
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { ROOT, TSX_IMPORT, stopChild, track } from './procs.js';
import type { LoadgenConfig, LoadgenMessage, LoadgenResult } from './types.js';

/** Callbacks at the edges of the measurement window (to read the target's CPU time there). */
export interface WindowHooks {
  onConnected?(): void;
  onWindowStart?(): void;
  onWindowEnd?(): void;
}

const LOADGEN = join(ROOT, 'bench', 'one-hop', 'loadgen.ts');

/**
 * Forks `loadgen.ts` with `cfg`, waits for its result.
 * @param timeoutMs upper bound for the whole run (connect, warm-up, window, drain)
 */
export async function runLoadgen(cfg: LoadgenConfig, hooks: WindowHooks = {}, timeoutMs?: number): Promise<LoadgenResult> {
  const limit = timeoutMs ?? cfg.readyTimeoutMs + cfg.warmupMs + cfg.durationMs + 45_000;
  const child = fork(LOADGEN, [], {
    cwd: ROOT,
    execArgv: ['--import', TSX_IMPORT],
    env: { ...process.env, BENCH_LOADGEN_CONFIG: JSON.stringify(cfg) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const spawned = track(child);
  try {
    return await new Promise<LoadgenResult>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the load generator did not finish within ${limit} ms`)), limit);
      child.on('message', (raw) => {
        const m = raw as LoadgenMessage;
        switch (m.type) {
          case 'connected':
            hooks.onConnected?.();
            break;
          case 'window-start':
            hooks.onWindowStart?.();
            break;
          case 'window-end':
            hooks.onWindowEnd?.();
            break;
          case 'result':
            clearTimeout(timer);
            resolve(m.result);
            break;
          case 'error':
            clearTimeout(timer);
            reject(new Error(m.message));
            break;
        }
      });
      void spawned.exited.then((code) => {
        // IPC messages still in the pipe are delivered first; give them a moment.
        setTimeout(() => {
          clearTimeout(timer);
          reject(new Error(`the load generator exited (${code}) without a result`));
        }, 200);
      });
    });
  } finally {
    await stopChild(spawned, 2000);
  }
}
