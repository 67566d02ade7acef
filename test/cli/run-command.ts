/**
 * Runs agent-runtime commands in-process through @oclif/test's runCommand, loading them from
 * src/commands (the TypeScript sources, through tsx) rather than the built dist/ and its manifest.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCommand } from '@oclif/test';
import { register } from 'tsx/esm/api';

// oclif imports the command files natively (outside vitest's transform): let Node load TypeScript.
register();

export const root = join(import.meta.dirname, '..', '..');

const pjson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { oclif: Record<string, unknown> };
/**
 * oclif uses oclif.manifest.json whenever its version matches the package's, and the committed
 * manifest describes dist/. A distinct version makes oclif discover the commands in src/commands;
 * the "Mismatched version" warning that buys is expected and silenced below.
 */
const loadOptions = {
  root,
  pjson: { ...pjson, version: '0.0.0-src', oclif: { ...pjson.oclif, commands: './src/commands' } },
};

const emitWarning = process.emitWarning.bind(process);
process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
  const text = typeof warning === 'string' ? warning : warning.message;
  if (text.startsWith('Mismatched version')) return;
  (emitWarning as (w: string | Error, ...r: unknown[]) => void)(warning, ...rest);
});

/** What a command run produced; `exitCode` is 0 unless the command failed or exited early. */
export interface RunResult<T> {
  stdout: string;
  stderr: string;
  result?: T;
  error?: Error & { oclif?: { exit?: number } };
  exitCode: number;
}

/** Runs `agent-runtime <args>` and captures its output. */
export async function run<T = unknown>(args: string[]): Promise<RunResult<T>> {
  // oclif's runCommand joins and re-splits the arguments: quote the ones with spaces.
  const quoted = args.map((a) => (/\s/.test(a) ? `"${a}"` : a));
  const r = await runCommand<T>(quoted, loadOptions as Parameters<typeof runCommand>[1]);
  const exitCode = r.error === undefined ? 0 : (r.error.oclif?.exit ?? 1);
  return { stdout: r.stdout, stderr: r.stderr, result: r.result, error: r.error, exitCode };
}

/** Parses the one JSON document a --json run printed. */
export function json<T = Record<string, unknown>>(r: { stdout: string }): T {
  return JSON.parse(r.stdout) as T;
}
