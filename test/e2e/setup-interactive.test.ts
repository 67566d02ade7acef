/**
 * `setup` on a terminal: the prompts, driven through a pseudo-terminal (util-linux `script`), answer
 * by answer, each written once its question is on the screen.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { validateConfigFile } from '../../src/config/index.js';
import { Proc, bin, ensureBuilt, hasScript, until } from './process.js';

const procs: Proc[] = [];
let dir: string | undefined;
afterEach(async () => {
  for (const p of procs.splice(0)) {
    p.kill('SIGKILL');
    await p.exited;
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!hasScript)('setup on a terminal', () => {
  it('asks its questions and writes files that validate accepts', async () => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'ar-isetup-'));
    const command = `"${process.execPath}" "${bin}" setup --output-dir "${dir}"`;
    const p = new Proc('script', ['-qfec', command, '/dev/null'], { env: { ...process.env, TERM: 'xterm' } });
    procs.push(p);
    // answer each prompt only once it is on the screen
    const answers: [string, string][] = [
      ['Node id', 'alice\r'],
      ['BTP port', '\r'],
      ['Health port', '\r'],
      ['Admin API port', '8181\r'],
      ['Add a peer?', 'y\r'],
      ['Relation', '\r'],
      ['Peer id', 'bob\r'],
      ['BTP URL of bob', 'ws://127.0.0.1:3002\r'],
      ['Add another peer?', 'n\r'],
      ['Credit limit', '5000\r'],
    ];
    let seen = 0;
    for (const [question, answer] of answers) {
      await until(() => p.stdout.indexOf(question, seen) >= 0, `the "${question}" prompt`);
      seen = p.stdout.indexOf(question, seen) + question.length;
      p.child.stdin!.write(answer);
    }
    expect((await p.exited).code).toBe(0);
    expect(p.stdout).toContain(`Wrote ${join(dir, 'config.yaml')}`);
    const yaml = readFileSync(join(dir, 'config.yaml'), 'utf8');
    expect(yaml).toContain('nodeId: "alice"');
    expect(yaml).toContain('  port: 8181');
    expect(yaml).toContain('url: "ws://127.0.0.1:3002"');
    expect(yaml).toContain('creditLimit: "5000"');
    expect(statSync(join(dir, '.env')).mode & 0o777).toBe(0o600);
    expect(validateConfigFile(join(dir, 'config.yaml'), { env: {}, cwd: dir }).ok).toBe(true);
  });
});
