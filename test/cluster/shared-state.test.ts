/**
 * Rates, policies, approvals and receipts shared by two cluster instances (real processes on one
 * private PostgreSQL): rates set at i1 are in force at i2; a policy set at i1 limits sends at i2; an
 * approval queued at i1 is listed at i2 and approved through i2 (i1, which holds its budget and
 * request, pays it); a receipt recorded at i1 is listed at i2.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Harness, waitFor } from '../helpers/node.js';
import { havePostgres, TestPostgres } from '../helpers/postgres.js';
import { AGENT, OPERATOR, call, keyedAdmin } from '../agents/helpers.js';
import { hubConfig, InstanceProcess, type Ready } from './helpers.js';

const h = new Harness();
let server: TestPostgres | undefined;
const procs: InstanceProcess[] = [];

const config = (url: string, id: string) => hubConfig(url, id, h.dir(), { adminApi: { enabled: true, port: 0, ...keyedAdmin } });
const start = async (url: string, id: string): Promise<Ready> => {
  const p = new InstanceProcess(config(url, id));
  procs.push(p);
  return p.ready;
};
const send = (r: Ready, amount: string, extra: Record<string, unknown> = {}) =>
  call(r.admin, 'POST', '/admin/ilp/send', AGENT, { destination: 'g.hub.shop', amount, data: Buffer.from(`pay ${amount}`).toString('base64'), ...extra });

describe.skipIf(!havePostgres())('shared runtime state of two cluster instances', () => {
  let i1: Ready;
  let i2: Ready;

  beforeAll(async () => {
    server = await TestPostgres.start();
    [i1, i2] = await Promise.all([start(server.url, 'i1'), start(server.url, 'i2')]);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(procs.map((p) => p.kill('SIGTERM')));
    await h.cleanup();
    await server?.stop();
  }, 60_000);

  it('rates set at i1 are in force at i2', async () => {
    const put = await call(i1.admin, 'PUT', '/admin/rates', OPERATOR, { rates: { XRP: '1.923077' } });
    expect(put.status).toBe(200);
    const rateAt = async (r: Ready) => {
      const body = (await call(r.admin, 'GET', '/admin/rates', AGENT)).body as { rates: { asset?: string; code?: string }[] };
      return JSON.stringify(body.rates).includes('1.923077') ? body : undefined;
    };
    const seen = await waitFor(() => rateAt(i2), 30_000, 'i2 shows the XRP rate set at i1');
    expect(seen).toMatchObject({ base: 'USD' });
  }, 60_000);

  it('a policy set at i1 limits sends at i2', async () => {
    expect((await send(i2, '600')).body).toMatchObject({ fulfilled: true });
    const policy = { local: { maxPerPayment: '500', budgets: [{ amount: '10000', per: 'day' }], approvalAbove: '100' } };
    expect((await call(i1.admin, 'PUT', '/admin/policies', OPERATOR, policy)).status).toBe(200);
    await waitFor(async () => ((await call(i2.admin, 'GET', '/admin/policies', AGENT)).body.local === undefined ? undefined : true), 30_000, 'i2 has the local policy');
    expect((await send(i2, '600')).body).toMatchObject({ fulfilled: false, code: 'F08' });
    expect((await send(i2, '50')).body).toMatchObject({ fulfilled: true });
  }, 60_000);

  it('an approval queued at i1 is listed at i2 and approved through i2; i1 pays it', async () => {
    const pending = await send(i1, '300');
    expect(pending.status).toBe(202);
    const id = pending.body.approvalId as string;
    const listed = await waitFor(async () => {
      const b = (await call(i2.admin, 'GET', '/admin/approvals', AGENT)).body as { pending: number; approvals: { id: string; status: string }[] };
      return b.approvals.some((a) => a.id === id) ? b : undefined;
    }, 30_000, 'i2 lists the approval queued at i1');
    expect(listed.approvals.find((a) => a.id === id)).toMatchObject({ status: 'pending', amount: '300' });
    expect((await call(i2.admin, 'GET', `/admin/approvals/${id}`, AGENT)).body).toMatchObject({ id, status: 'pending' });

    const approved = await call(i2.admin, 'POST', `/admin/approvals/${id}`, OPERATOR, { decision: 'approve' });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ id, status: 'approved', decidedBy: 'apiKey', outcome: { fulfilled: true } });
    // i1 held the budget and made the payment: its local policy counts it as spent.
    expect((await call(i1.admin, 'GET', `/admin/approvals/${id}`, AGENT)).body).toMatchObject({ status: 'approved', outcome: { fulfilled: true } });
    expect((await call(i1.admin, 'GET', '/admin/policies', AGENT)).body).toMatchObject({ local: { budgets: [{ spent: '300', reserved: '0' }] } });
    const again = await call(i2.admin, 'POST', `/admin/approvals/${id}`, OPERATOR, { decision: 'deny' });
    expect(again.status).toBe(409);
    expect(JSON.stringify(again.body)).toMatch(/already approved/);
    expect((await call(i2.admin, 'POST', '/admin/approvals/no-such-id', OPERATOR, { decision: 'deny' })).status).toBe(404);
  }, 90_000);

  it('a receipt recorded at i1 is listed at i2', async () => {
    const paid = await send(i1, '20', { receipt: true });
    expect(paid.body).toMatchObject({ fulfilled: true, receipt: { amountSent: '20' } });
    const fulfillment = paid.body.fulfillment as string;
    const listed = (await call(i2.admin, 'GET', '/admin/receipts', AGENT)).body as { receipts: { fulfillment: string; amountSent: string }[] };
    expect(listed.receipts.filter((r) => r.fulfillment === fulfillment)).toEqual([expect.objectContaining({ amountSent: '20' })]);
  }, 60_000);
});
