/**
 * `mkdir -p`, one level at a time, each failure with its own errno. Node's recursive mkdir spins
 * forever where mkdir answers ENOENT under a parent that exists, as on /proc: a dataDir there hung
 * `start` at full CPU (deaf to SIGTERM) instead of failing. Synchronous: a few syscalls at startup.
 */
import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

const codeOf = (e: unknown): unknown => (e as { code?: unknown } | null)?.code;

/** Creates `dir` and its missing parents; throws the errno error of the level that failed (ENOTDIR when a file is in the way). */
export function makeDirectory(dir: string): void {
  const missing: string[] = [];
  for (let p = resolve(dir); ; ) {
    try {
      if (statSync(p).isDirectory()) break;
      throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${resolve(dir)}'`), { code: 'ENOTDIR' });
    } catch (e) {
      if (codeOf(e) !== 'ENOENT') throw e;
    }
    missing.push(p);
    const parent = dirname(p);
    if (parent === p) break;
    p = parent;
  }
  for (let i = missing.length - 1; i >= 0; i--) {
    try {
      mkdirSync(missing[i]);
    } catch (e) {
      if (codeOf(e) !== 'EEXIST') throw e;
    }
  }
}
