/**
 * Policy events and metrics on a real node: every denial emits `policy:denied` naming its rule and is
 * counted in ilp_policy_denials_total; each approval step (requested, approved, denied, expired by
 * timeout) emits its event and is counted; budgets used and left and approvals waiting are gauges on
 * /metrics.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { NodeEvent } from '../../src/node/events.js';
import { Harness, waitFor } from '../helpers/node.js';
import { AGENT, OPERATOR, acceptAll, call, keyedAdmin } from './helpers.js';

const h = new Harness();
afterEach(() => h.cleanup());

describe('policy events and /metrics', () => {
  it('reports denials by rule and every approval step', async () => {
    const node = h.node({
      nodeId: 'alice',
      adminApi: keyedAdmin,
      policies: {
        local: {
          maxPerPayment: '500',
          budgets: [{ amount: '1000', per: 'day' }],
          deniedPrefixes: ['g.alice.casino'],
          approvalAbove: '300',
          approvalTimeoutMs: 1000,
        },
      },
    });
    acceptAll(node);
    await node.start();
    const events: NodeEvent[] = [];
    const off = node.events.subscribe((batch) => events.push(...batch), { packets: false });
    h.onCleanup(off);
    const base = node.endpoints.admin!;
    const send = (amount: string, destination = 'g.alice.shop') => call(base, 'POST', '/admin/ilp/send', AGENT, { destination, amount });
    const decide = (id: string, decision: string) => call(base, 'POST', `/admin/approvals/${id}`, OPERATOR, { decision });

    expect((await send('600')).body).toMatchObject({ code: 'F08' });
    expect((await send('10', 'g.alice.casino.bet')).body).toMatchObject({ code: 'F02' });
    expect((await send('200')).body).toMatchObject({ fulfilled: true });

    const a = (await send('400')).body.approvalId as string;
    expect((await decide(a, 'approve')).body).toMatchObject({ status: 'approved', outcome: { fulfilled: true } });
    const b = (await send('350')).body.approvalId as string;
    expect((await decide(b, 'deny')).body).toMatchObject({ status: 'denied' });
    const c = (await send('350')).body.approvalId as string;
    await waitFor(() => events.some((e) => e.type === 'approval:expired' && e.approvalId === c), 20_000, 'approval expired');
    expect((await send('450')).body).toMatchObject({ code: 'T04' });

    await waitFor(() => events.filter((e) => e.type === 'policy:denied').length === 3, 20_000, 'three denial events');
    const denials = events.flatMap((e) => (e.type === 'policy:denied' ? [[e.subject, e.rule, e.code, e.amount]] : []));
    expect(denials).toEqual([
      ['local', 'maxPerPayment', 'F08', '600'],
      ['local', 'deniedPrefixes', 'F02', '10'],
      ['local', 'budget', 'T04', '450'],
    ]);
    const steps = events.flatMap((e) => (e.type.startsWith('approval:') && 'approvalId' in e ? [[e.type, e.approvalId]] : []));
    expect(steps).toEqual([
      ['approval:requested', a],
      ['approval:approved', a],
      ['approval:requested', b],
      ['approval:denied', b],
      ['approval:requested', c],
      ['approval:expired', c],
    ]);

    const res = await fetch(`${node.endpoints.health!}/metrics`, { signal: AbortSignal.timeout(20_000) });
    const text = await res.text();
    for (const line of [
      'ilp_policy_denials_total{subject="local",rule="maxPerPayment",node_id="alice"} 1',
      'ilp_policy_denials_total{subject="local",rule="deniedPrefixes",node_id="alice"} 1',
      'ilp_policy_denials_total{subject="local",rule="budget",node_id="alice"} 1',
      'ilp_approvals_total{step="requested",node_id="alice"} 3',
      'ilp_approvals_total{step="approved",node_id="alice"} 1',
      'ilp_approvals_total{step="denied",node_id="alice"} 1',
      'ilp_approvals_total{step="expired",node_id="alice"} 1',
      'ilp_approvals_pending{node_id="alice"} 0',
      'ilp_policy_budget_spent{subject="local",per="day",budget="1000",node_id="alice"} 600',
      'ilp_policy_budget_remaining{subject="local",per="day",budget="1000",node_id="alice"} 400',
    ]) {
      expect(text.split('\n')).toContain(line);
    }
  }, 60_000);
});
