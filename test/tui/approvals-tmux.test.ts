/**
 * The approvals pane as a person sees it: `agent-runtime start` (the built CLI) in a real terminal
 * (tmux) for node a, with a local policy whose approval line is 100 and a peer b (a real node in this
 * process) that accepts every payment. The agent's key sends 300 to g.b.shop over the admin API: it
 * waits, and shows on a's screen with its amount and asset, destination and age. Shift-tab focuses
 * the pane, `a` approves it through the admin API, and the payment completes.
 */
import { describe, expect, it } from 'vitest';
import { Harness, waitFor } from '../helpers/node.js';
import { AGENT, OPERATOR, acceptAll, call } from '../agents/helpers.js';
import { paneRows, paneTitle, quitStart, startTerminals, tmuxOrFailOnCi } from './tmux.js';

const h = new Harness();
const startTerminal = startTerminals('ar-tui-approvals-', () => h.cleanup());

const approvalRows = (screen: readonly string[]) => paneRows(screen, 'approvals');
const title = (screen: readonly string[]) => paneTitle(screen, 'approvals');

describe.skipIf(!tmuxOrFailOnCi())('the approvals pane in a real terminal (tmux)', () => {
  it('a send above approvalAbove shows in the pane; a approves it and the payment completes', { timeout: 120_000 }, async () => {
    const b = h.node({ nodeId: 'b', peers: [{ id: 'a', relation: 'peer', authToken: 'a-b' }] } as never);
    acceptAll(b);
    await b.start();

    const { term: t } = startTerminal([
      'nodeId: a',
      'assetCode: USD',
      'assetScale: 2',
      'btpServerPort: 0',
      'healthCheckPort: 0',
      'adminApi:',
      '  port: 0',
      `  apiKey: ${OPERATOR}`,
      '  keys:',
      '    - name: agent',
      `      key: ${AGENT}`,
      '      scopes: [send, read]',
      'policies:',
      '  local:',
      '    budgets: [{ amount: 100000, per: day }]',
      '    approvalAbove: 100',
      'peers:',
      '  - id: b',
      '    relation: peer',
      `    url: ws://127.0.0.1:${b.btpPort}`,
      '    authToken: a-b',
      'routes:',
      '  - prefix: g.b',
      '    nextHop: b',
    ]);

    // the header's endpoints line says where a's admin API answers
    const up = await t.until((s) => /admin (http:\/\/127\.0\.0\.1:\d+)/.exec(s.join('\n')), "a's admin address in the header", 40_000);
    const base = up[1];
    await waitFor(() => b.listPeers().find((p) => p.id === 'a')?.connected === true, 30_000, 'a connects to b');

    const sent = await call(base, 'POST', '/admin/ilp/send', AGENT, { destination: 'g.b.shop', amount: '300', data: Buffer.from('an apple').toString('base64') });
    expect(sent.status).toBe(202);
    const id = sent.body.approvalId as string;

    // on screen: 3.00 USD to g.b.shop, its age and id
    const shown = await t.screenWhere((s) => approvalRows(s).some((l) => l.includes('g.b.shop')), 'the waiting send in the approvals pane', 30_000);
    expect(title(shown)).toMatch(/^ {2}approvals {2}1 pending · tab here, then a approve · d deny /);
    expect(approvalRows(shown)[0]).toMatch(new RegExp(`^ +3\\.00 USD g\\.b\\.shop +\\d+s ${id.slice(0, 8)}$`));

    // the focus starts on packets: shift-tab moves it up to approvals; a approves the selected one
    t.keys('BTab');
    const focused = await t.screenWhere((s) => title(s).startsWith('▸ approvals'), 'the approvals pane focused');
    expect(approvalRows(focused)[0]).toMatch(/^› +3\.00 USD g\.b\.shop /);
    t.keys('a');
    await t.screenWhere((s) => title(s).includes(`0 pending · approved ${id.slice(0, 8)}: paid`), 'the approval answered on the pane', 30_000);

    // the payment completed: approved by the operator's key, fulfilled with b's reply, budget spent
    const decided = await call(base, 'GET', `/admin/approvals/${id}`, AGENT);
    expect(decided.body).toMatchObject({ status: 'approved', decidedBy: 'apiKey', outcome: { fulfilled: true, data: Buffer.from('an apple').toString('base64') } });
    expect((await call(base, 'GET', '/admin/policies', AGENT)).body).toMatchObject({ local: { budgets: [{ spent: '300', reserved: '0' }] } });

    await quitStart(t);
  });
});
