/**
 * `start` on a terminal (tmux) says where things are the whole time: the endpoints are printed before
 * the dashboard, shown in its header while it runs and printed again once it closes; `--explorer`
 * turns the explorer on, and its URL (in the header and in `node:started`) answers.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cli, type Proc, until } from '../e2e/process.js';
import { Tmux, ensureBuilt, tmuxOrFailOnCi } from './tmux.js';

let term: Tmux | undefined;
let dir: string | undefined;
const procs: Proc[] = [];
afterEach(async () => {
  term?.kill();
  term = undefined;
  for (const p of procs.splice(0)) {
    p.kill('SIGKILL');
    await p.exited;
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

beforeAll(() => ensureBuilt(), 120_000);

/** A config on free ports with its data in a fresh folder. */
function config(nodeId: string): string {
  dir = mkdtempSync(join(tmpdir(), 'ar-tui-start-'));
  const file = join(dir, 'config.yaml');
  writeFileSync(file, [`nodeId: ${nodeId}`, 'btpServerPort: 0', 'healthCheckPort: 0', 'adminApi:', '  port: 0', `dataDir: ${join(dir, 'data')}`, ''].join('\n'));
  return file;
}

describe.skipIf(!tmuxOrFailOnCi())('start on a terminal (tmux): where things are', () => {
  it('the header shows admin, explorer, health and BTP; the explorer answers; q prints them again on exit', { timeout: 180_000 }, async () => {
    const file = config('shown');
    term = new Tmux(140, 30);
    const t = term;
    t.type(`clear; node bin/run.js start --config ${file} --explorer --explorer-port 0; echo "exit=$?"`);
    const screen = await t.screenWhere((s) => s.some((l) => l.startsWith('▸ packets') || l.startsWith('  packets')) && s.some((l) => l.startsWith('admin http')), 'the dashboard with its endpoints line', 40_000);
    expect(screen[0]).toMatch(/^shown {2}g\.shown {2}up \d+s/);
    const where = screen[1];
    const admin = /admin (http:\/\/127\.0\.0\.1:\d+)/.exec(where)?.[1];
    const explorer = /explorer (http:\/\/127\.0\.0\.1:\d+)/.exec(where)?.[1];
    expect(admin, where).toBeDefined();
    expect(explorer, where).toBeDefined();
    expect(where).toMatch(/health http:\/\/127\.0\.0\.1:\d+\/health {2}btp ws:\/\/127\.0\.0\.1:\d+/);
    expect(t.get('alternate_on')).toBe('1');
    // what the header says answers: the admin API and the explorer's page
    expect(((await (await fetch(`${admin!}/health`)).json()) as { nodeId: string }).nodeId).toBe('shown');
    const page = await fetch(explorer!);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);

    t.keys('q');
    const after = await t.screenWhere((s) => s.some((l) => /^exit=\d+$/.test(l)), 'start to exit', 30_000);
    const text = after.join('\n');
    expect(text).toMatch(/^exit=0$/m);
    expect(t.get('alternate_on')).toBe('0');
    // printed again after the dashboard closed, with the same addresses
    const again = text.slice(text.indexOf('node shown was running at'));
    expect(again).toContain(`admin API    ${admin!}`);
    expect(again).toContain(`explorer     ${explorer!} (open it in a browser)`);
    expect(again).toMatch(/\d+ packets fulfilled, \d+ rejected\nstopping…\nexit=0/);
  });
});

describe('start --explorer, piped', () => {
  it('node:started carries explorerUrl when the explorer is on, and none when it is off', { timeout: 180_000 }, async () => {
    const file = config('piped');
    const on = cli(['start', '--json', '--config', file, '--explorer', '--explorer-port', '0', '--data-dir', join(dir!, 'on')]);
    const off = cli(['start', '--json', '--config', file, '--data-dir', join(dir!, 'off')]);
    procs.push(on, off);
    const startedOf = (p: Proc) => until(() => p.events<{ type: string; explorerUrl?: string }>().find((e) => e.type === 'node:started'), `node:started\n${p.stderr}`, 30_000);
    const [started, plain] = await Promise.all([startedOf(on), startedOf(off)]);
    expect(started.explorerUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(started.explorerUrl!)).status).toBe(200);
    expect(plain).not.toHaveProperty('explorerUrl');
  });
});
