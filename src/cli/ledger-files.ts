/**
 * Snapshot files of the `ledger` commands: written owner-only (a ledger says who paid whom and how
 * much) and atomically (a crash leaves the old file or the new one, never half of one); read from a
 * path or stdin (`-`).
 */
import { chmod, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { appError } from '../errors/index.js';

/** Writes `text` to `path` with mode 600 through a temporary file and a rename. */
export async function writePrivateFile(path: string, text: string): Promise<string> {
  const target = resolve(path);
  const tmp = join(dirname(target), `.${basename(target)}.${process.pid}.tmp`);
  try {
    await writeFile(tmp, text, { mode: 0o600, flag: 'wx' });
    // The mode above is masked by the umask, which can only remove bits; make it exact anyway.
    await chmod(tmp, 0o600);
    await rename(tmp, target);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw appError('INVALID_ARGUMENT', { field: '--output', reason: `cannot write ${target}: ${(e as NodeJS.ErrnoException).code ?? String(e)}` }, e);
  }
  return target;
}

/** Reads and parses a snapshot file (`-`: stdin). Unreadable: INVALID_ARGUMENT; not JSON: LEDGER_SNAPSHOT_INVALID. */
export async function readSnapshotFile(file: string, stdin: NodeJS.ReadableStream = process.stdin): Promise<unknown> {
  let text: string;
  try {
    if (file === '-') {
      const chunks: Buffer[] = [];
      for await (const chunk of stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
      text = Buffer.concat(chunks).toString('utf8');
    } else text = await readFile(file, 'utf8');
  } catch (e) {
    throw appError('INVALID_ARGUMENT', { field: 'file', reason: `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}` }, e);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw appError('LEDGER_SNAPSHOT_INVALID', { file, reason: `not JSON (${(e as Error).message})` }, e);
  }
}
