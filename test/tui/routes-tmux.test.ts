/**
 * The routes pane as a person sees it: `agent-runtime start` (the built CLI) in a real terminal (tmux)
 * for node a, which peers over BTP with node b, itself peered with c (both real nodes in this
 * process). The pane lists a's static route and the routes it learned by CCP with their next hop,
 * source, age and path; when c stops, b withdraws g.c and it leaves a's screen; tab focuses the pane.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Harness, waitFor } from '../helpers/node.js';
import { Tmux, ensureBuilt, hasTmux } from './tmux.js';

const h = new Harness();
let term: Tmux | undefined;
let dir: string | undefined;
afterEach(async () => {
  term?.kill();
  term = undefined;
  await h.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
}, 30_000);

beforeAll(() => ensureBuilt(), 120_000);

const routing = { broadcastIntervalMs: 300, holdDownMs: 5000 };

/** The routes pane's rows on a screen: from its title to the next pane's title. */
function routeRows(screen: readonly string[]): string[] {
  const top = screen.findIndex((l) => /^[▸ ] routes {2}/.test(l));
  if (top < 0) return [];
  const rows: string[] = [];
  for (const l of screen.slice(top + 1)) {
    if (/^[▸ ] (packets|settlements)/.test(l)) break;
    rows.push(l);
  }
  return rows;
}

// Needs the tmux binary (scripts/debian-packages.txt installs it for the README's test command).
// Skipped only off CI on a machine without it; under CI=true a missing tmux fails loudly instead.
if (process.env.CI && !hasTmux()) throw new Error('tmux is missing: scripts/test.sh installs it from scripts/debian-packages.txt');
describe.skipIf(!hasTmux())('the routes pane in a real terminal (tmux)', () => {
  it('shows static and learned routes with next hop, source, age and path; a withdrawn route leaves; tab focuses it', { timeout: 240_000 }, async () => {
    const c = h.node({ nodeId: 'c', routing, peers: [{ id: 'b', relation: 'peer', authToken: 'b-c' }] } as never);
    await c.start();
    const b = h.node({
      nodeId: 'b',
      routing,
      peers: [
        { id: 'a', relation: 'peer', authToken: 'a-b' },
        { id: 'c', relation: 'peer', authToken: 'b-c', url: `ws://127.0.0.1:${c.btpPort}` },
      ],
    } as never);
    await b.start();
    await waitFor(() => b.listRoutes().some((r) => r.prefix === 'g.c' && r.source === 'ccp'), 20_000, 'b learns g.c');

    dir = mkdtempSync(join(tmpdir(), 'ar-tui-routes-'));
    const file = join(dir, 'config.yaml');
    writeFileSync(
      file,
      [
        'nodeId: a',
        'btpServerPort: 0',
        'healthCheckPort: 0',
        'adminApi:',
        '  port: 0',
        `dataDir: ${join(dir, 'data')}`,
        'routing:',
        `  broadcastIntervalMs: ${routing.broadcastIntervalMs}`,
        `  holdDownMs: ${routing.holdDownMs}`,
        'peers:',
        '  - id: b',
        '    relation: peer',
        `    url: ws://127.0.0.1:${b.btpPort}`,
        '    authToken: a-b',
        'routes:',
        '  - prefix: test.static',
        '    nextHop: b',
        '',
      ].join('\n'),
    );
    term = new Tmux(120, 40);
    const t = term;
    t.type(`clear; node bin/run.js start --config ${file} --log-file ${join(dir, 'a.log')}; echo "exit=$?"`);

    // a learned g.b (one hop) and g.c (through b); the static route has no age or path
    const learned = await t.screenWhere((s) => routeRows(s).some((l) => l.startsWith('g.c ')), 'g.c learned through b on the routes pane', 40_000);
    const rows = routeRows(learned);
    expect(learned.find((l) => /^[▸ ] routes {2}/.test(l))).toMatch(/routes {2}1 static · 2 ccp/);
    expect(rows.find((l) => l.startsWith('g.b '))).toMatch(/^g\.b +b +ccp +\d+s +g\.b$/);
    expect(rows.find((l) => l.startsWith('g.c '))).toMatch(/^g\.c +b +ccp +\d+s +g\.b › g\.c$/);
    expect(rows.find((l) => l.startsWith('test.static '))).toMatch(/^test\.static +b +static +- +-$/);
    expect(learned.every((l) => l.length <= 120)).toBe(true);

    // c goes away: b withdraws g.c, and a's pane drops it (g.b and the static route stay)
    await c.stop();
    const withdrawn = await t.screenWhere((s) => routeRows(s).length > 0 && !routeRows(s).some((l) => l.startsWith('g.c ')), 'g.c withdrawn from the routes pane', 30_000);
    expect(routeRows(withdrawn).map((l) => l.split(/\s+/)[0])).toEqual(['g.b', 'test.static']);
    expect(withdrawn.find((l) => /^[▸ ] routes {2}/.test(l))).toMatch(/1 static · 1 ccp/);

    // the focus starts on packets: shift-tab moves it up to routes
    t.keys('BTab');
    await t.screenWhere((s) => s.some((l) => l.startsWith('▸ routes')) && s.some((l) => l.startsWith('  packets')), 'the routes pane focused');

    t.keys('q');
    const after = await t.screenWhere((s) => s.some((l) => /^exit=\d+$/.test(l)), 'start to exit', 30_000);
    expect(after.join('\n')).toMatch(/^exit=0$/m);
  });
});
