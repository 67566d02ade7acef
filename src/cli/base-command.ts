/**
 * The base of every agent-runtime command: `--json` on, and one error boundary that prints any failure
 * as a catalogue error (message, code, hint on stderr; `{error: {...}}` on stdout with --json) and
 * exits with the catalogue's exit code. Stacks are shown only for bugs and only with DEBUG set.
 */
import { Command } from '@oclif/core';
import { ConfigInvalidError, toAppError, type ListenerKeys } from './errors.js';
import { err, errorJson, errorLines } from './output.js';

/** True for oclif's ExitError (thrown by `this.exit`), which must pass through untouched. */
function isExit(e: unknown): boolean {
  return (e as { code?: unknown } | null)?.code === 'EEXIT' && typeof (e as { oclif?: { exit?: unknown } }).oclif?.exit === 'number';
}

export abstract class BaseCommand extends Command {
  static override enableJsonFlag = true;

  /** true for commands whose stdout is NDJSON: their error document is printed on one line. */
  protected streaming = false;

  /** What the error boundary may use to explain a failure (set once a config is loaded). */
  protected errorContext: { config?: ListenerKeys; dataDir?: string } = {};

  /** The one JSON document of a --json run, written to stdout directly (oclif's goes through console.log). */
  override logJson(json: unknown): void {
    process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
  }

  /**
   * Ends the command with `exitCode` after printing `result` (as the one JSON document with --json;
   * human output is the caller's). Use for outcomes that are results but not successes (a rejected
   * payment, a degraded node).
   */
  protected finish<T>(result: T, exitCode: number): T {
    if (exitCode === 0) return result;
    if (this.jsonEnabled()) this.logJson(result);
    this.exit(exitCode);
    return result;
  }

  // oclif's signature is async; this boundary has nothing to await.
  // eslint-disable-next-line @typescript-eslint/require-await
  protected override async catch(error: Error & { exitCode?: number }): Promise<unknown> {
    if (isExit(error)) throw error;
    const app = toAppError(error, this.errorContext);
    const issues = app instanceof ConfigInvalidError ? app.issues : undefined;
    if (this.jsonEnabled()) {
      if (this.streaming) process.stdout.write(`${JSON.stringify(errorJson(app, issues))}\n`);
      else this.logJson(errorJson(app, issues));
    }
    else for (const line of errorLines(app, issues)) err(line);
    if (app.code === 'INTERNAL' && process.env.DEBUG) err(error.stack ?? String(error));
    this.exit(app.exitCode);
    return undefined;
  }
}
