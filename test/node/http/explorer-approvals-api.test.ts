/**
 * The explorer's approvals API and its gate, over real sockets against real nodes (issue 22: "the
 * explorer's approve button sits behind the same rule as its send form"):
 * - deciding is off unless `explorer.allowApprove`, and off in production whatever it says;
 * - with admin keys it needs one holding `approve` (the operator's apiKey holds every scope): none or
 *   a wrong one is 401, the agent's send+read key is 403 SCOPE_DENIED; the send form follows the same
 *   rule with `send`, also on a node whose only keys are scoped ones;
 * - cross-site POSTs and foreign Host headers are refused as for the send form;
 * - GET /api/approvals lists what waits, with the agent's asset; the event filter knows the
 *   policy and approval families.
 */
import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConnectorNode } from '../../../src/index.js';
import { loadConfig } from '../../../src/config/index.js';
import { Harness, waitFor } from '../../helpers/node.js';
import { AGENT, OPERATOR, acceptAll, call } from '../../agents/helpers.js';

const h = new Harness();
afterEach(() => h.cleanup(), 30_000);

const APPROVER = 'approver-key-0123456789';
const keys = {
  apiKey: OPERATOR,
  keys: [
    { name: 'agent', key: AGENT, scopes: ['send' as const, 'read' as const] },
    { name: 'approver', key: APPROVER, scopes: ['approve' as const, 'read' as const] },
  ],
};
const policies = { local: { maxPerPayment: '800', budgets: [{ amount: '1000', per: 'day' as const }], approvalAbove: '100' } };

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

/** One HTTP request with chosen headers, Host included (fetch cannot forge Host). */
function raw(base: string, path: string, opts: { method?: string; headers?: Record<string, string>; body?: unknown } = {}): Promise<Answer> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { host: u.host, ...(opts.headers ?? {}) };
    const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    if (body !== undefined) headers['content-type'] = 'application/json';
    const req = httpRequest({ host: u.hostname, port: u.port, path, method: opts.method ?? 'GET', headers, timeout: 30_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) }));
    });
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

async function node(explorer: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<{ node: ConnectorNode; admin: string; base: string }> {
  const n = h.node({ nodeId: 'alice', adminApi: keys, policies, explorer: { enabled: true, port: 0, ...explorer }, ...extra });
  acceptAll(n);
  await n.start();
  return { node: n, admin: n.endpoints.admin!, base: n.endpoints.explorer! };
}

async function waiting(admin: string, amount: string): Promise<string> {
  const r = await call(admin, 'POST', '/admin/ilp/send', AGENT, { destination: 'g.alice.shop', amount, data: Buffer.from('hi').toString('base64') });
  expect(r.status).toBe(202);
  return r.body.approvalId as string;
}

const decide = (base: string, id: string, decision: string, key?: string, headers: Record<string, string> = {}) =>
  raw(base, `/api/approvals/${id}`, { method: 'POST', body: { decision }, headers: { ...(key === undefined ? {} : { 'x-api-key': key }), ...headers } });

describe('explorer approvals API', () => {
  it('lists what waits; deciding needs allowApprove and a key with the approve scope; cross-site and foreign Host are refused', async () => {
    const { admin, base } = await node({ allowApprove: true });
    expect((await raw(base, '/api/info')).body).toMatchObject({ approveEnabled: true, approveNeedsKey: true, sendEnabled: false });
    const id = await waiting(admin, '300');

    const listed = await raw(base, '/api/approvals');
    expect(listed.body).toMatchObject({ approveEnabled: true, approveNeedsKey: true, asset: { code: 'USD', scale: 9 }, pending: [{ id, destination: 'g.alice.shop', amount: '300' }] });
    const pending = (listed.body.pending as { createdAt: string; expiresAt: string }[])[0];
    expect(Date.parse(pending.expiresAt)).toBeGreaterThan(Date.parse(pending.createdAt));

    // no key, a wrong key: 401; the agent's own key (send + read): 403 naming the scope
    const none = await decide(base, id, 'approve');
    expect(none.status).toBe(401);
    expect(none.body.message).toMatch(/approve scope/);
    expect((await decide(base, id, 'approve', 'not-a-key-at-all')).status).toBe(401);
    const agent = await decide(base, id, 'approve', AGENT);
    expect(agent.status).toBe(403);
    expect(agent.body).toMatchObject({ code: 'SCOPE_DENIED', message: expect.stringMatching(/'agent' lacks the 'approve' scope/) });
    // a cross-site page and a DNS-rebinding page are refused even with the right key
    expect((await decide(base, id, 'approve', APPROVER, { origin: 'http://evil.example' })).status).toBe(403);
    expect((await decide(base, id, 'approve', APPROVER, { 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await decide(base, id, 'approve', APPROVER, { host: 'evil.example' })).status).toBe(403);
    expect((await call(admin, 'GET', `/admin/approvals/${id}`, AGENT)).body).toMatchObject({ status: 'pending' });

    // bad input: an unknown decision, an unknown id
    const bad = await decide(base, id, 'maybe', APPROVER);
    expect(bad.status).toBe(400);
    expect((await decide(base, 'no-such-approval', 'approve', APPROVER)).status).toBe(404);

    // the approver's key: sent, and decided by that key's name
    const approved = await decide(base, id, 'approve', APPROVER);
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ id, status: 'approved', decidedBy: 'approver', outcome: { fulfilled: true } });
    expect((await decide(base, id, 'deny', OPERATOR)).status).toBe(409);
    // the operator's key holds every scope: it denies the next one, and its budget is released
    const next = await waiting(admin, '200');
    expect((await decide(base, next, 'deny', OPERATOR)).body).toMatchObject({ status: 'denied', decidedBy: 'apiKey' });
    expect((await call(admin, 'GET', '/admin/policies', AGENT)).body).toMatchObject({ local: { budgets: [{ spent: '300', reserved: '0', remaining: '700' }] } });
    expect((await raw(base, '/api/approvals')).body).toMatchObject({ pending: [] });

    // the event filter's families include policy and approval
    await call(admin, 'POST', '/admin/ilp/send', AGENT, { destination: 'g.alice.shop', amount: '900' });
    await waitFor(async () => ((await raw(base, '/api/events?type=policy')).body.events as unknown[]).length === 1, 20_000, 'the policy:denied event');
    const approvals = (await raw(base, '/api/events?type=approval')).body.events as { type: string }[];
    expect(approvals.map((e) => e.type)).toEqual(['approval:requested', 'approval:approved', 'approval:requested', 'approval:denied']);
    const unknown = await raw(base, '/api/events?type=approvals');
    expect(unknown.status).toBe(400);
    expect(unknown.body.message).toMatch(/family: .*policy.*approval|family: .*approval.*policy/);
  });

  it('is off unless enabled (buttons hidden, POST refused whatever the key), and in production', async () => {
    const { admin, base } = await node({});
    expect((await raw(base, '/api/info')).body).toMatchObject({ approveEnabled: false, approveNeedsKey: false });
    const id = await waiting(admin, '300');
    expect((await raw(base, '/api/approvals')).body).toMatchObject({ approveEnabled: false, pending: [{ id }] });
    const off = await decide(base, id, 'approve', OPERATOR);
    expect(off.status).toBe(403);
    expect(off.body.message).toMatch(/explorer\.allowApprove/);

    const prod = {
      nodeId: 'p',
      security: { environment: 'production' },
      adminApi: { apiKey: 'k'.repeat(32) },
      explorer: { enabled: true, port: 0, allowApprove: true, allowSend: true },
    };
    expect(loadConfig(prod as never, { env: {} }).warnings.join('\n')).toMatch(/explorer\.allowApprove is ignored: security\.environment is production/);
    const p = h.node(prod as never);
    await p.start();
    expect((await raw(p.endpoints.explorer!, '/api/info')).body).toMatchObject({ approveEnabled: false, sendEnabled: false });
    expect((await decide(p.endpoints.explorer!, 'any', 'approve', 'k'.repeat(32))).status).toBe(403);
  });

  it('the send form follows the same rule: with only scoped keys it needs one with the send scope', async () => {
    const n = h.node({
      nodeId: 'solo',
      adminApi: { keys: [keys.keys[0], keys.keys[1]] },
      explorer: { enabled: true, port: 0, allowSend: true },
    });
    acceptAll(n);
    await n.start();
    const base = n.endpoints.explorer!;
    expect((await raw(base, '/api/info')).body).toMatchObject({ sendEnabled: true, sendNeedsKey: true });
    const body = { destination: 'g.solo.x', amount: '5' };
    expect((await raw(base, '/api/send', { method: 'POST', body })).status).toBe(401);
    expect((await raw(base, '/api/send', { method: 'POST', body, headers: { 'x-api-key': APPROVER } })).body).toMatchObject({ code: 'SCOPE_DENIED' });
    const sent = await raw(base, '/api/send', { method: 'POST', body, headers: { 'x-api-key': AGENT } });
    expect(sent.status).toBe(200);
    expect(sent.body).toMatchObject({ fulfilled: true });
  });
});
