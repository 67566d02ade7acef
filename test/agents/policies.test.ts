/**
 * Spend policies on real nodes: a child peer's Prepares (F08 with the maximum in the data, T04 with
 * what is left, F02 for a denied prefix), and the local agent's sends over the admin API (denials,
 * runtime changes by the operator only, and a budget that survives a restart).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { decodeAmountTooLargeData } from '../../src/node/ilp/errors.js';
import { Harness, waitFor } from '../helpers/node.js';
import { AGENT, OPERATOR, acceptAll, call, keyedAdmin, pay } from './helpers.js';

const h = new Harness();
afterEach(() => h.cleanup());
const SECRET = 'kid-secret-0123456789';

describe('a child peer under a policy', () => {
  it('gets F08 above maxPerPayment, T04 once the budget is used, F02 for a denied prefix', async () => {
    const alice = h.node({
      nodeId: 'alice',
      adminApi: keyedAdmin,
      peers: [{ id: 'kid', relation: 'child', authToken: SECRET, creditLimit: '1000000' }],
      policies: { peers: { kid: { maxPerPayment: '100', budgets: [{ amount: '250', per: 'hour' }], deniedPrefixes: ['g.alice.secret'] } } },
    });
    acceptAll(alice);
    await alice.start();
    const kid = h.node({ nodeId: 'kid', peers: [{ id: 'alice', relation: 'parent', url: `ws://127.0.0.1:${alice.btpPort}`, authToken: SECRET }] });
    await kid.start();
    await waitFor(() => kid.ilpAddress === 'g.alice.kid', 20_000, 'kid learned its address');

    const big = await pay(kid, 'g.alice.shop', 150n);
    expect(big).toMatchObject({ code: 'F08', triggeredBy: 'g.alice' });
    expect(big.type === 14 && big.message).toMatch(/policy maxPerPayment: 150 exceeds the maximum of 100/);
    expect(big.type === 14 && decodeAmountTooLargeData(big.data)).toEqual({ receivedAmount: 150n, maximumAmount: 100n });

    expect((await pay(kid, 'g.alice.shop', 100n)).type).toBe(13);
    expect((await pay(kid, 'g.alice.shop', 100n)).type).toBe(13);
    const over = await pay(kid, 'g.alice.shop', 100n);
    expect(over).toMatchObject({ code: 'T04' });
    expect(over.type === 14 && over.message).toMatch(/policy budget 250 per hour: 50 left, 100 asked/);
    expect((await pay(kid, 'g.alice.shop', 50n)).type).toBe(13);

    const denied = await pay(kid, 'g.alice.secret.x', 1n);
    expect(denied).toMatchObject({ code: 'F02' });
    expect(denied.type === 14 && denied.message).toMatch(/deniedPrefixes.*g\.alice\.secret/);

    const view = await call(alice.endpoints.admin!, 'GET', '/admin/policies', AGENT);
    expect(view.body).toMatchObject({ peers: { kid: { budgets: [{ amount: '250', per: 'hour', spent: '250', remaining: '0', reserved: '0' }] } } });
  });
});

describe('the local agent under a policy', () => {
  const policies = { local: { maxPerPayment: '500', budgets: [{ amount: '1000', per: 'day' as const }], allowedPrefixes: ['g.alice'] } };

  it('is refused over the admin API naming the rule; only the operator may change the policy', async () => {
    const alice = h.node({ nodeId: 'alice', adminApi: keyedAdmin, policies });
    acceptAll(alice);
    await alice.start();
    const base = alice.endpoints.admin!;
    const send = (amount: string, destination = 'g.alice.shop') => call(base, 'POST', '/admin/ilp/send', AGENT, { destination, amount });

    expect((await send('400')).body).toMatchObject({ fulfilled: true });
    expect((await send('600')).body).toMatchObject({ fulfilled: false, code: 'F08', message: expect.stringMatching(/maxPerPayment/) });
    expect((await send('10', 'g.bob.x')).body).toMatchObject({ code: 'F02', message: expect.stringMatching(/allowedPrefixes/) });
    expect((await send('500')).body).toMatchObject({ fulfilled: true });
    expect((await send('200')).body).toMatchObject({ code: 'T04', message: 'policy budget 1000 per day: 100 left, 200 asked (it refills as the window slides)' });

    const lift = { local: { ...policies.local, budgets: [{ amount: '5000', per: 'day' }] } };
    const denied = await call(base, 'PUT', '/admin/policies', AGENT, lift);
    expect([denied.status, denied.body.code]).toEqual([403, 'SCOPE_DENIED']);
    const bad = await call(base, 'PUT', '/admin/policies', OPERATOR, { local: { budgets: [{ amount: '-1', per: 'day' }] } });
    expect([bad.status, bad.body.code]).toEqual([400, 'INVALID_ARGUMENT']);
    const ok = await call(base, 'PUT', '/admin/policies', OPERATOR, lift);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ local: { budgets: [{ amount: '5000', spent: '900', remaining: '4100' }] } });
    expect((await send('200')).body).toMatchObject({ fulfilled: true });
  });

  it('keeps what was spent, and runtime policies, across a restart', async () => {
    const dataDir = h.dir();
    const first = h.node({ nodeId: 'alice', dataDir, adminApi: keyedAdmin, policies });
    acceptAll(first);
    await first.start();
    expect((await pay(first, 'g.alice.shop', 300n)).type).toBe(13);
    expect((await pay(first, 'g.alice.shop', 400n)).type).toBe(13);
    await call(first.endpoints.admin!, 'PUT', '/admin/policies', OPERATOR, { local: { ...policies.local, budgets: [{ amount: '1200', per: 'day' }] } });
    await first.stop();

    const second = h.node({ nodeId: 'alice', dataDir, adminApi: keyedAdmin, policies });
    acceptAll(second);
    await second.start();
    const view = await call(second.endpoints.admin!, 'GET', '/admin/policies', AGENT);
    expect(view.body).toMatchObject({ local: { budgets: [{ amount: '1200', per: 'day', spent: '700', remaining: '500' }] } });
    expect((await pay(second, 'g.alice.shop', 450n)).type).toBe(13);
    expect(await pay(second, 'g.alice.shop', 100n)).toMatchObject({ code: 'T04', message: expect.stringMatching(/50 left/) });
  });
});
