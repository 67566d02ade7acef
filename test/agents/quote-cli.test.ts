/**
 * `agent-runtime quote` against a real node: the JSON answer is GET /admin/quote's (what the next hop
 * gets and the local policy's answer, nothing sent); the table says the same; no route is a normal
 * answer with ok false; a bad amount is INVALID_ARGUMENT; the agent's read key may quote.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { json, run } from '../cli/run-command.js';
import { Harness } from '../helpers/node.js';
import { AGENT, acceptAll, call, keyedAdmin } from './helpers.js';

const h = new Harness();
afterEach(() => h.cleanup());

describe('quote command', () => {
  it('quotes a local send in JSON and as text, sends nothing, and refuses a bad amount', async () => {
    const node = h.node({
      nodeId: 'alice',
      adminApi: keyedAdmin,
      policies: { local: { maxPerPayment: '500', budgets: [{ amount: '1000', per: 'day' }], approvalAbove: '300' } },
    });
    acceptAll(node);
    await node.start();
    const base = node.endpoints.admin!;
    const flags = ['--url', base, '--api-key', AGENT];

    const ok = await run(['quote', 'g.alice.shop', '200', '--json', ...flags]);
    expect(ok.exitCode).toBe(0);
    expect(json(ok)).toMatchObject({ ok: true, destination: 'g.alice.shop', amount: '200', delivered: '200', nextHop: 'local', policy: 'allowed' });
    expect(json(await run(['quote', 'g.alice.shop', '400', '--json', ...flags]))).toMatchObject({ policy: 'waits for approval (above 300)' });

    const text = await run(['quote', 'g.alice.shop', '600', ...flags]);
    expect(text.exitCode).toBe(0);
    expect(text.stdout).toMatch(/delivered\s+600 USD@9/);
    expect(text.stdout).toMatch(/policy\s+refused: policy maxPerPayment/);

    const none = await run(['quote', 'g.nowhere.x', '10', '--json', ...flags]);
    expect(json(none)).toMatchObject({ ok: false, code: 'F02', message: 'no route to g.nowhere.x' });

    const bad = await run(['quote', 'g.alice.shop', '-5', '--json', ...flags]);
    expect(bad.exitCode).not.toBe(0);
    expect(bad.stdout + bad.stderr).toMatch(/INVALID_ARGUMENT/);
    // not an ILP address: refused as such, not answered 'no route'
    const notAddress = await run(['quote', 'bad addr!', '10', '--json', ...flags]);
    expect(notAddress.exitCode).toBe(2);
    expect(json(notAddress)).toMatchObject({ error: { code: 'INVALID_ARGUMENT', message: expect.stringMatching(/destination: must be an ILP address such as g\.alice\.agent/) } });

    // Nothing was sent: the budget is untouched.
    expect((await call(base, 'GET', '/admin/policies', AGENT)).body).toMatchObject({ local: { budgets: [{ spent: '0', reserved: '0' }] } });
  });
});
