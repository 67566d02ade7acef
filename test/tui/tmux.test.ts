/**
 * The dashboard as a person sees it: `agent-runtime demo` (the built CLI) in a real terminal (tmux),
 * driven by keys, read back with capture-pane.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Tmux, ensureBuilt, fulfilledTotal, packetRows, tmuxOrFailOnCi } from './tmux.js';

let term: Tmux | undefined;
let dir: string | undefined;
afterEach(() => {
  term?.kill();
  term = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

beforeAll(() => ensureBuilt(), 120_000);

/** Runs the demo in the shell; the shell prints `exit=<code>` when it ends. */
function demo(t: Tmux, ...flags: string[]): void {
  dir = mkdtempSync(join(tmpdir(), 'ar-tui-'));
  t.type(`clear; stty -g > ${dir}/stty.before; TMPDIR=${dir} node bin/run.js demo --interval 20 --log-file ${dir}/demo.log ${flags.join(' ')}; echo "exit=$?"`);
}

/** After the demo: the shell prompt works, the terminal is back to cooked mode, the cursor shows. */
async function terminalUsable(t: Tmux, columns: number): Promise<void> {
  const exit = await t.until((s) => s.join('\n').match(/^exit=(\d+)$/m), 'the demo to exit');
  expect(exit[1]).toBe('0');
  t.type(`stty -g | cmp -s - ${dir}/stty.before && echo stty=same; tput cols`);
  await t.until((s) => s.includes('stty=same') && s.includes(String(columns)), `stty=same and ${columns} columns`);
  expect(t.get('cursor_flag')).toBe('1');
  expect(t.get('alternate_on')).toBe('0');
}

describe.skipIf(!tmuxOrFailOnCi())('the dashboard in a real terminal (tmux)', () => {
  it('120x40: packets flow, an on-chain settle shows, p pauses the list while the totals go on, it follows a resize to 80x24, q stops cleanly', { timeout: 300_000 }, async () => {
    term = new Tmux(120, 40);
    const t = term;
    demo(t);
    const flowing = await t.screenWhere((s) => packetRows(s).length >= 3, 'packets on the dashboard', 60_000); // a loaded machine starts three nodes slowly
    expect(flowing[0]).toMatch(/^hub {2}g\.hub {2}up \d+s {2}healthy/);
    expect(flowing.find((l) => l.startsWith('▸ packets'))).toBeDefined();
    // amount in and out each with its asset (issue 19): the demo's nodes are USD@9, bob's hub keeps its fee
    expect(packetRows(flowing)[0]).toMatch(/ fwd alice→bob +g\.hub\.bob +0\.000001000 USD +0\.00000\d{4} USD +\d+ fulfilled$/);
    expect(t.get('alternate_on')).toBe('1');

    // the demo runs on a local anvil chain: an on-chain settlement shows within 60 s (issue 7)
    const settled = await t.screenWhere((x) => x.some((l) => /redeemed [1-9]/.test(l)), 'an on-chain redemption on the dashboard', 60_000);
    expect(settled.some((l) => /claims sent \d+/.test(l))).toBe(true);

    t.keys('p');
    const paused = await t.screenWhere((s) => s.some((l) => l.includes('PAUSED')), 'PAUSED');
    const frozen = packetRows(paused);
    const total = fulfilledTotal(paused);
    const later = await t.screenWhere((s) => fulfilledTotal(s) >= total + 25, 'the totals to go on while paused');
    expect(packetRows(later)).toEqual(frozen);

    t.keys('p');
    await t.until((s) => !s.some((l) => l.includes('PAUSED')) && packetRows(s)[0] !== frozen[0], 'the list to move again');

    t.resize(80, 24);
    // a whole redrawn frame: tmux can be caught mid-redraw, so wait for the footer line as well
    const small = await t.screenWhere((s) => s.length === 24 && s.some((l) => l.startsWith('▸ packets')) && s.every((l) => l.length <= 80) && (s[22] ?? '').includes('q quit · p pause'), 'an 80x24 frame');
    expect(small[0]).toMatch(/^hub {2}g\.hub/);
    expect(small.filter((l) => l.startsWith('hub  g.hub'))).toHaveLength(1);
    expect(small[22]).toContain('q quit · p pause');
    expect(small.find((l) => l.startsWith('▸ packets'))).toHaveLength(80);

    t.keys('q');
    await terminalUsable(t, 80);
    const after = t.screen().join('\n');
    // where everything is, printed again once the dashboard closed
    expect(after).toContain('node hub was running at');
    expect(after).toMatch(/\d+ packets fulfilled, \d+ rejected\nstopping…\nexit=0/);
  });

  it('80x24: every pane fits, and Ctrl-C stops cleanly', { timeout: 120_000 }, async () => {
    term = new Tmux(80, 24);
    const t = term;
    demo(t, '--no-chain');
    const s = await t.screenWhere((x) => packetRows(x).length >= 3, 'packets on the dashboard', 60_000);
    expect(s.every((l) => l.length <= 80)).toBe(true);
    for (const title of ['  peers', '▸ packets', '  settlements & channels']) expect(s.some((l) => l.startsWith(title))).toBe(true);
    expect(s.find((l) => l.startsWith('up       alice'))).toMatch(/child +[·█]+│[·█]+ +~?-?[\d.]+(e-9)? USD /);
    expect(packetRows(s)[0]).toMatch(/^fwd alice→bob +g\.hub\.bob +1000e-9 USD +\d+e-9 USD +\d+ fulfilled$/);
    t.keys('C-c');
    await terminalUsable(t, 80);
  });

  it('100x30: when the node stops by itself (--duration), the dashboard closes and leaves a usable terminal', { timeout: 120_000 }, async () => {
    term = new Tmux(100, 30);
    const t = term;
    demo(t, '--no-chain', '--duration', '5');
    await t.screenWhere((s) => s.some((l) => l.startsWith('▸ packets')), 'the dashboard', 60_000);
    await terminalUsable(t, 100);
    expect(t.screen().join('\n')).toMatch(/stopping…\nexit=0/);
  });
});
