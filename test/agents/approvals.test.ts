/**
 * Approvals and the policies/approvals commands, in-process against a real node: a send above the
 * line is pending (202), shows in `approvals list`, is sent after `approvals approve` (which the
 * agent's key may not run), or ends on deny or timeout with its budget back; the queue is bounded.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ConnectorNode } from '../../src/index.js';
import { json, run } from '../cli/run-command.js';
import { Harness, waitFor } from '../helpers/node.js';
import { AGENT, OPERATOR, acceptAll, call, keyedAdmin } from './helpers.js';

const h = new Harness();
afterEach(() => h.cleanup());

async function start(local: Record<string, unknown>): Promise<{ node: ConnectorNode; base: string }> {
  const node = h.node({ nodeId: 'alice', adminApi: keyedAdmin, policies: { local: { budgets: [{ amount: '1000', per: 'day' }], approvalAbove: '100', ...local } } });
  acceptAll(node);
  await node.start();
  return { node, base: node.endpoints.admin! };
}

const send = (base: string, amount: string) => call(base, 'POST', '/admin/ilp/send', AGENT, { destination: 'g.alice.shop', amount, data: Buffer.from('ping').toString('base64') });

describe('approvals', () => {
  it('a send above the line waits; the agent cannot approve it; the operator can, and it is paid', async () => {
    const { base } = await start({});
    expect((await send(base, '50')).body).toMatchObject({ fulfilled: true });
    const pending = await send(base, '300');
    expect(pending.status).toBe(202);
    expect(pending.body).toMatchObject({ pending: true, approvalId: expect.any(String) });
    const id = pending.body.approvalId as string;

    const listed = await run(['approvals', 'list', '--json', '--url', base, '--api-key', AGENT]);
    expect(json<{ pending: number; approvals: { id: string; status: string; amount: string }[] }>(listed)).toMatchObject({ pending: 1, approvals: [{ id, status: 'pending', amount: '300' }] });

    // payments get: the agent's own (read) key can follow where its payment stands
    const waiting = await run(['payments', 'get', id, '--json', '--url', base, '--api-key', AGENT]);
    expect(json(waiting)).toMatchObject({ id, status: 'pending', amount: '300', standing: expect.stringMatching(/^pending: waiting for approval until /) });

    const self = await run(['approvals', 'approve', id, '--json', '--url', base, '--api-key', AGENT]);
    expect(self.exitCode).toBe(1);
    expect(self.stdout).toMatch(/SCOPE_DENIED/);
    // The budget is held while it waits: 1000 - 50 - 300 left.
    const held = await run(['policies', 'list', '--json', '--url', base, '--api-key', AGENT]);
    expect(json(held)).toMatchObject({ local: { budgets: [{ spent: '50', reserved: '300', remaining: '650' }] } });

    const approved = await run(['approvals', 'approve', id, '--json', '--url', base, '--api-key', OPERATOR]);
    expect(approved.exitCode).toBe(0);
    expect(json(approved)).toMatchObject({ status: 'approved', decidedBy: 'apiKey', outcome: { fulfilled: true, data: Buffer.from('ping').toString('base64') } });
    expect((await call(base, 'GET', '/admin/policies', AGENT)).body).toMatchObject({ local: { budgets: [{ spent: '350', reserved: '0' }] } });
    // An unknown id says where ids come from.
    const unknown = await run(['payments', 'get', 'no-such-id', '--json', '--url', base, '--api-key', AGENT]);
    expect(unknown.exitCode).toBe(1);
    expect(json(unknown)).toMatchObject({ error: { code: 'NOT_FOUND', message: 'Approval no-such-id not found', suggestion: expect.stringContaining('approvals list') } });
    const paid = await run(['payments', 'get', id, '--url', base, '--api-key', AGENT]);
    expect(paid.stdout).toMatch(new RegExp(`^Payment ${id}: approved by apiKey: paid\n {2}300 to g\\.alice\\.shop, asked `));
    const again = await run(['approvals', 'deny', id, '--json', '--url', base, '--api-key', OPERATOR]);
    expect(again.stdout).toMatch(/already approved/);
  });

  it('deny and timeout release the budget; a full queue refuses at once', async () => {
    const { base } = await start({ approvalTimeoutMs: 1500, maxPendingApprovals: 1 });
    const first = await send(base, '300');
    const full = await send(base, '200');
    expect(full.body).toMatchObject({ fulfilled: false, code: 'T03', message: expect.stringMatching(/approval queue is full/) });
    const denied = await run(['approvals', 'deny', first.body.approvalId as string, '--json', '--url', base, '--api-key', OPERATOR]);
    expect(json(denied)).toMatchObject({ status: 'denied' });
    const deniedStanding = await run(['payments', 'get', first.body.approvalId as string, '--json', '--url', base, '--api-key', AGENT]);
    expect(json(deniedStanding)).toMatchObject({ status: 'denied', standing: 'denied by apiKey: not sent, its budget released' });

    const second = await send(base, '400');
    expect(second.status).toBe(202);
    const id = second.body.approvalId as string;
    await waitFor(async () => (await call(base, 'GET', `/admin/approvals/${id}`, AGENT)).body.status === 'expired', 20_000, 'the approval expired');
    const expired = await run(['payments', 'get', id, '--json', '--url', base, '--api-key', AGENT]);
    expect(json(expired)).toMatchObject({ status: 'expired', standing: 'expired: not approved in time, not sent, its budget released' });
    const unknown = await run(['payments', 'get', 'no-such-approval', '--json', '--url', base, '--api-key', AGENT]);
    expect(unknown.exitCode).toBe(1);
    expect((await call(base, 'GET', '/admin/policies', AGENT)).body).toMatchObject({ local: { budgets: [{ spent: '0', reserved: '0', remaining: '1000' }] } });
  });

  it('policies set changes one payer with the admin key only', async () => {
    const { base } = await start({});
    const denied = await run(['policies', 'set', 'local', '--budget', '5000/day', '--json', '--url', base, '--api-key', AGENT]);
    expect(denied.exitCode).toBe(1);
    expect(denied.stdout).toMatch(/SCOPE_DENIED/);
    const set = await run(['policies', 'set', 'kid', '--budget', '70/minute', '--deny', 'g.casino', '--json', '--url', base, '--api-key', OPERATOR]);
    expect(set.exitCode).toBe(0);
    expect(json(set)).toMatchObject({ local: { budgets: [{ amount: '1000' }] }, peers: { kid: { budgets: [{ amount: '70', per: 'minute' }], policy: { deniedPrefixes: ['g.casino'] } } } });
    const bad = await run(['policies', 'set', 'kid', '--budget', '70/week', '--url', base, '--api-key', OPERATOR]);
    expect(bad.exitCode).toBe(2);
    const table = await run(['policies', 'list', '--url', base, '--api-key', AGENT]);
    expect(table.stdout).toMatch(/kid\s+-\s+70\/minute/);
  });
});
