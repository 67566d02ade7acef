/**
 * A mistyped command gets UNKNOWN_COMMAND (exit 2) naming the closest command, in the CLI's one
 * failure shape; the built CLI (`node bin/run.js`), as a user runs it.
 */
import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { bin, ensureBuilt, root } from './process.js';

beforeAll(() => ensureBuilt(), 240_000);

const cli = (...args: string[]) => {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

describe('a mistyped command', () => {
  it('balance: exit 2, names `agent-runtime balances`', () => {
    const r = cli('balance');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Unknown command: balance [UNKNOWN_COMMAND]');
    expect(r.stderr).toContain('Did you mean `agent-runtime balances`?');
  }, 60_000);

  it('peers ad --json: the {error:{…}} shape on stdout, naming `peers add`', () => {
    const r = cli('peers', 'ad', '--json');
    expect(r.code).toBe(2);
    const doc = JSON.parse(r.stdout) as { error: { code: string; message: string; suggestion: string } };
    expect(doc.error).toMatchObject({ code: 'UNKNOWN_COMMAND', message: 'Unknown command: peers ad' });
    expect(doc.error.suggestion).toContain('`agent-runtime peers add`');
  }, 60_000);

  it('a word close to nothing: exit 2, the hint is --help', () => {
    const r = cli('frobnicate');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('[UNKNOWN_COMMAND]');
    expect(r.stderr).toContain('agent-runtime --help');
    expect(r.stderr).not.toContain('Did you mean');
  }, 60_000);
});
