/**
 * Scoped admin keys over a real node's admin API: each route needs its scope, a missing scope is
 * 403 SCOPE_DENIED naming it, and a node with policies refuses to start without keys.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { Harness } from '../helpers/node.js';

const h = new Harness();
afterEach(() => h.cleanup());

const OPERATOR = 'operator-key-0123456789';
const AGENT = 'agent-key-0123456789abcdef';
const APPROVER = 'approver-key-0123456789ab';

async function call(base: string, method: string, path: string, key?: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const headers: Record<string, string> = {};
  if (key !== undefined) headers['x-api-key'] = key;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

async function start(): Promise<string> {
  const node = h.node({
    nodeId: 'alice',
    adminApi: {
      apiKey: OPERATOR,
      keys: [
        { name: 'agent', key: AGENT, scopes: ['send', 'read'] },
        { name: 'approver', key: APPROVER, scopes: ['approve'] },
      ],
    },
  });
  await node.start();
  return node.endpoints.admin!;
}

describe('scoped admin keys', () => {
  it('lets a send+read key read and send but not change routes; admin can do all', async () => {
    const base = await start();
    expect((await call(base, 'GET', '/admin/peers', AGENT)).status).toBe(200);
    const send = await call(base, 'POST', '/admin/ilp/send', AGENT, { destination: 'g.alice.x', amount: '1' });
    expect(send.status).toBe(200);
    const denied = await call(base, 'POST', '/admin/routes', AGENT, { prefix: 'g.bob', nextHop: 'bob' });
    expect(denied.status).toBe(403);
    expect(denied.body).toMatchObject({ error: 'Forbidden', code: 'SCOPE_DENIED' });
    expect(denied.body.message).toBe("The API key 'agent' lacks the 'admin' scope needed for POST /admin/routes");
    expect((await call(base, 'POST', '/admin/routes', OPERATOR, { prefix: 'g.bob', nextHop: 'bob' })).status).toBe(201);
    expect((await call(base, 'DELETE', '/admin/routes/g.bob', AGENT)).status).toBe(403);
  });

  it('an approve-only key cannot read or send; wrong and missing keys are 401', async () => {
    const base = await start();
    const read = await call(base, 'GET', '/admin/balances', APPROVER);
    expect([read.status, read.body.code]).toEqual([403, 'SCOPE_DENIED']);
    expect(read.body.message).toMatch(/'read' scope/);
    const send = await call(base, 'POST', '/admin/ilp/send', APPROVER, { destination: 'g.alice.x', amount: '1' });
    expect(send.body.message).toMatch(/'send' scope needed for POST \/admin\/ilp\/send/);
    expect((await call(base, 'GET', '/admin/peers')).status).toBe(401);
    expect((await call(base, 'GET', '/admin/peers', AGENT + 'x')).status).toBe(401);
    // /health stays public
    expect((await call(base, 'GET', '/health')).status).toBe(200);
  });
});

describe('policies need keys', () => {
  it('refuses a config with policies and no admin key, naming adminApi.keys', () => {
    // A library node's admin API is off unless enabled (as `start` does): the rule is for a served API.
    expect(() => loadConfig({ nodeId: 'a', adminApi: { enabled: true }, policies: { local: { maxPerPayment: '10' } } }, { env: {} })).toThrow(/adminApi\.keys.*required when policies are configured/s);
    expect(() => loadConfig({ nodeId: 'a', adminApi: { keys: [{ name: 'ops', key: OPERATOR, scopes: ['admin'] }] }, policies: { local: { maxPerPayment: '10' } } }, { env: {} })).not.toThrow();
    expect(() => loadConfig({ nodeId: 'a', adminApi: { enabled: false }, policies: { local: { maxPerPayment: '10' } } }, { env: {} })).not.toThrow();
  });

  it('rejects duplicate key names and short keys, and approvalAbove on a peer policy', () => {
    const keys = [
      { name: 'a', key: AGENT, scopes: ['read' as const] },
      { name: 'a', key: APPROVER, scopes: ['read' as const] },
    ];
    expect(() => loadConfig({ nodeId: 'a', adminApi: { keys } }, { env: {} })).toThrow(/duplicate key name 'a'/);
    expect(() => loadConfig({ nodeId: 'a', adminApi: { keys: [{ name: 'b', key: 'short', scopes: ['read'] }] } }, { env: {} })).toThrow(/at least 16/);
    expect(() =>
      loadConfig({ nodeId: 'a', adminApi: { apiKey: OPERATOR }, policies: { peers: { kid: { approvalAbove: '5' } } } } as never, { env: {} }),
    ).toThrow(/approvalAbove/);
  });
});
