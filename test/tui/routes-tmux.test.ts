/**
 * The routes pane as a person sees it: `agent-runtime start` (the built CLI) in a real terminal (tmux)
 * for node a, which peers over BTP with node b, itself peered with c (both real nodes in this
 * process). The pane lists a's static route and the routes it learned by CCP with their next hop,
 * source, age and path; when c stops, b withdraws g.c and it leaves a's screen; tab focuses the pane.
 */
import { describe, expect, it } from 'vitest';
import { Harness, waitFor } from '../helpers/node.js';
import { paneRows, paneTitle, quitStart, startTerminals, tmuxOrFailOnCi } from './tmux.js';

const h = new Harness();
const startTerminal = startTerminals('ar-tui-routes-', () => h.cleanup());

const routing = { broadcastIntervalMs: 300, holdDownMs: 5000 };

const routeRows = (screen: readonly string[]) => paneRows(screen, 'routes');

describe.skipIf(!tmuxOrFailOnCi())('the routes pane in a real terminal (tmux)', () => {
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

    const { term: t } = startTerminal([
      'nodeId: a',
      'btpServerPort: 0',
      'healthCheckPort: 0',
      'adminApi:',
      '  port: 0',
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
    ]);

    // a learned g.b (one hop) and g.c (through b); the static route has no age or path
    const learned = await t.screenWhere((s) => routeRows(s).some((l) => l.startsWith('g.c ')), 'g.c learned through b on the routes pane', 40_000);
    const rows = routeRows(learned);
    expect(paneTitle(learned, 'routes')).toMatch(/routes {2}1 static · 2 ccp/);
    expect(rows.find((l) => l.startsWith('g.b '))).toMatch(/^g\.b +b +ccp +\d+s +g\.b$/);
    expect(rows.find((l) => l.startsWith('g.c '))).toMatch(/^g\.c +b +ccp +\d+s +g\.b › g\.c$/);
    expect(rows.find((l) => l.startsWith('test.static '))).toMatch(/^test\.static +b +static +- +-$/);
    expect(learned.every((l) => l.length <= 120)).toBe(true);

    // c goes away: b withdraws g.c, and a's pane drops it (g.b and the static route stay)
    await c.stop();
    const withdrawn = await t.screenWhere((s) => routeRows(s).length > 0 && !routeRows(s).some((l) => l.startsWith('g.c ')), 'g.c withdrawn from the routes pane', 30_000);
    expect(routeRows(withdrawn).map((l) => l.split(/\s+/)[0])).toEqual(['g.b', 'test.static']);
    expect(paneTitle(withdrawn, 'routes')).toMatch(/1 static · 1 ccp/);

    // the focus starts on packets: shift-tab moves it up to routes
    t.keys('BTab');
    await t.screenWhere((s) => s.some((l) => l.startsWith('▸ routes')) && s.some((l) => l.startsWith('  packets')), 'the routes pane focused');

    await quitStart(t);
  });
});
