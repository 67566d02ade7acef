/**
 * `start` on a terminal (a pseudo-terminal from util-linux `script`): it says where everything is,
 * shows the dashboard, and quitting the dashboard stops the node cleanly (exit 0).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
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

// eslint-disable-next-line no-control-regex -- terminal escape sequences are what this strips
const plain = (s: string) => s.replace(/\u001b\[[0-9;?]*[a-zA-Z]/g, '').replace(/\r/g, '');

describe.skipIf(!hasScript)('start on a terminal', () => {
  it('prints where everything is, logs to <dataDir>/node.log, and q stops the node (exit 0)', async () => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'ar-tty-'));
    const config = join(dir, 'config.yaml');
    writeFileSync(config, `nodeId: tty\nbtpServerPort: 0\nhealthCheckPort: 0\nadminApi:\n  port: 0\ndataDir: ${join(dir, 'data')}\n`);
    const p = new Proc('script', ['-qfec', `"${process.execPath}" "${bin}" start --config "${config}"`, '/dev/null'], {
      env: { ...process.env, TERM: 'xterm-256color', COLUMNS: '120', LINES: '40' },
    });
    procs.push(p);
    const admin = await until(() => /admin API {4}(http:\/\/\S+)/.exec(plain(p.stdout))?.[1], 'the admin URL on the screen');
    // the banner may reach the terminal in more than one write: wait for its last line
    await until(() => /logs {9}\S+\n/.test(plain(p.stdout)) || undefined, 'the log file line on the screen');
    const screen = plain(p.stdout);
    expect(screen).toContain('node tty is running');
    expect(screen).toMatch(/ILP address {2}g\.tty/);
    expect(screen).toContain(`data dir     ${join(dir, 'data')}`);
    expect(screen).toContain(`logs         ${join(dir, 'data', 'node.log')}`);
    expect(((await (await fetch(`${admin}/health`)).json()) as { status: string }).status).toBe('healthy');

    // the dashboard takes the keyboard once it is drawn; wait for a frame, then quit with q
    const before = p.stdout.length;
    await until(() => p.stdout.length > before, 'a dashboard frame');
    p.child.stdin!.write('q');
    expect((await p.exited).code).toBe(0);
    const log = join(dir, 'data', 'node.log');
    await until(() => existsSync(log) && readFileSync(log, 'utf8').includes('"msg":"node stopped"'), 'node stopped in the log');
  });

  it('demo: the hub on the dashboard; q stops the three nodes and removes their data (exit 0)', async () => {
    ensureBuilt();
    // The demo's data goes under a private TMPDIR, so a run killed on timeout leaves nothing behind.
    dir = mkdtempSync(join(tmpdir(), 'ar-demo-term-'));
    const p = new Proc('script', ['-qfec', `"${process.execPath}" "${bin}" demo --interval 50`, '/dev/null'], {
      env: { ...process.env, TMPDIR: dir, TERM: 'xterm-256color', COLUMNS: '120', LINES: '40' },
    });
    procs.push(p);
    const dataDir = await until(() => /data dir {5}(\S+)/.exec(plain(p.stdout))?.[1], 'the data dir on the screen');
    expect(plain(p.stdout)).toContain('demo: alice -> hub -> bob');
    expect(plain(p.stdout)).toMatch(/node hub is running\n {2}ILP address {2}g\.hub/);
    const before = p.stdout.length;
    await until(() => p.stdout.length > before, 'a dashboard frame');
    p.child.stdin!.write('q');
    expect((await p.exited).code).toBe(0);
    expect(plain(p.stdout)).toMatch(/\d+ packets fulfilled/);
    expect(existsSync(dataDir)).toBe(false);
  });
});
