/**
 * Pending approvals survive a restart of a real node on the same data directory: one still within
 * its time is pending again with its budget held and is paid once approved; one whose time ran out
 * while the node was down is expired and its budget is free. A library caller waiting on an approval
 * hears at stop that it stays pending.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ConnectorNode } from '../../src/index.js';
import { Harness, waitFor } from '../helpers/node.js';
import { AGENT, OPERATOR, acceptAll, call, keyedAdmin, pay } from './helpers.js';

const h = new Harness();
afterEach(() => h.cleanup());

const policies = { local: { budgets: [{ amount: '1000', per: 'day' as const }], approvalAbove: '100', approvalTimeoutMs: 60_000 } };

async function start(dataDir: string): Promise<{ node: ConnectorNode; base: string }> {
  const node = h.node({ nodeId: 'alice', dataDir, adminApi: keyedAdmin, policies });
  acceptAll(node);
  await node.start();
  return { node, base: node.endpoints.admin! };
}

const send = (base: string, amount: string) =>
  call(base, 'POST', '/admin/ilp/send', AGENT, { destination: 'g.alice.shop', amount, data: Buffer.from('ping').toString('base64') });

describe('approvals across a restart', () => {
  it('a pending approval keeps its budget and is paid after approval; one that timed out while down releases it', async () => {
    const dataDir = h.dir();
    const first = await start(dataDir);
    const kept = await send(first.base, '300');
    expect(kept.status).toBe(202);
    const waiting = pay(first.node, 'g.alice.shop', 150n);
    // A shorter timeout for the next one only (runtime policies are kept across the restart too).
    const short = { local: { ...policies.local, approvalTimeoutMs: 1000 } };
    expect((await call(first.base, 'PUT', '/admin/policies', OPERATOR, short)).status).toBe(200);
    const lapsed = await send(first.base, '200');
    expect(lapsed.status).toBe(202);
    await waitFor(async () => ((await call(first.base, 'GET', '/admin/approvals', AGENT)).body.pending as number) === 3, 10_000, 'three pending');
    expect((await call(first.base, 'GET', '/admin/policies', AGENT)).body).toMatchObject({ local: { budgets: [{ reserved: '650', remaining: '350' }] } });
    const lapsedUntil = Date.parse((await call(first.base, 'GET', `/admin/approvals/${lapsed.body.approvalId as string}`, AGENT)).body.expiresAt as string);
    await first.node.stop();
    // The library caller is told at stop; its approval stays pending for the next run.
    expect(await waiting).toMatchObject({ code: 'T99', message: expect.stringMatching(/stays pending/) });

    await waitFor(() => Date.now() > lapsedUntil + 50, 10_000, 'the short approval to run out');

    const second = await start(dataDir);
    const list = (await call(second.base, 'GET', '/admin/approvals', AGENT)).body as { pending: number; approvals: { id: string; status: string; amount: string; decidedBy?: string }[] };
    const byId = new Map(list.approvals.map((a) => [a.id, a]));
    expect(byId.get(kept.body.approvalId as string)).toMatchObject({ status: 'pending', amount: '300' });
    expect(byId.get(lapsed.body.approvalId as string)).toMatchObject({ status: 'expired', amount: '200', decidedBy: 'timeout' });
    expect(list.pending).toBe(2);
    // 300 and 150 are held again; the 200 that expired is free.
    expect((await call(second.base, 'GET', '/admin/policies', AGENT)).body).toMatchObject({ local: { budgets: [{ spent: '0', reserved: '450', remaining: '550' }] } });

    const approved = await call(second.base, 'POST', `/admin/approvals/${kept.body.approvalId as string}`, OPERATOR, { decision: 'approve' });
    expect(approved.body).toMatchObject({ status: 'approved', outcome: { fulfilled: true, data: Buffer.from('ping').toString('base64') } });
    expect((await call(second.base, 'GET', '/admin/policies', AGENT)).body).toMatchObject({ local: { budgets: [{ spent: '300', reserved: '150', remaining: '550' }] } });
    await second.node.stop();

    // Decided approvals are remembered too: approving it again after another restart is refused.
    const third = await start(dataDir);
    const again = await call(third.base, 'POST', `/admin/approvals/${kept.body.approvalId as string}`, OPERATOR, { decision: 'approve' });
    expect(again.status).toBe(409);
    expect((await call(third.base, 'GET', '/admin/policies', AGENT)).body).toMatchObject({ local: { budgets: [{ spent: '300', reserved: '150' }] } });
  });
});
