/**
 * Bad input to `PUT /admin/rates` and `rates set` (issue 19 "Proof: bad input"), on a real node with
 * its admin API on 127.0.0.1 (a peer bob in XRP@6): every refusal is 400 RATES_INVALID naming the asset
 * and what is wrong, with what to send instead, and changes nothing; a code no peer uses (a typo, or
 * the wrong case) is kept but named in the answer (`unused`) and in the CLI's note.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectorNode } from '../../src/index.js';
import type { RatesView } from '../../src/rates/node-rates.js';
import { json, run } from '../cli/run-command.js';
import { Harness } from '../helpers/node.js';

const h = new Harness();
let node: ConnectorNode;
let admin: string;

beforeAll(async () => {
  node = h.node({ nodeId: 'fx', rates: { static: { XRP: '1.923077' } }, peers: [{ id: 'bob', authToken: 'bob-secret', relation: 'child', assetCode: 'XRP', assetScale: 6 }] } as never);
  await node.start();
  admin = node.endpoints.admin!;
}, 60_000);
afterAll(() => h.cleanup(), 60_000);

const put = async (body: string): Promise<{ status: number; body: { code?: string; message?: string } & Partial<RatesView> }> => {
  const res = await fetch(`${admin}/admin/rates`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body });
  return { status: res.status, body: (await res.json()) as { code?: string; message?: string } & Partial<RatesView> };
};

describe('PUT /admin/rates refuses bad bodies, saying what is wrong and what to send', () => {
  it.each([
    ['{"rates":{"XRP":"0"}}', /rates\.XRP: 0 is zero; a rate must be greater than 0/],
    ['{"rates":{"XRP":"-1"}}', /rates\.XRP: -1 is negative; a rate must be greater than 0/],
    ['{"rates":{"XRP":"NaN"}}', /rates\.XRP: NaN is not a decimal number .*"1\.923077"/],
    ['{"rates":{"XRP":1.9}}', /rates\.XRP: send the rate as a decimal string \("1\.9"\)/],
    ['{"rates":{"XRP":null}}', /rates\.XRP: null is not a rate: send a decimal string greater than 0, e\.g\. "1\.923077"/],
    ['{"rates":{}}', /rates is empty: name at least one asset/],
    ['{}', /the body has no "rates" object of asset codes: send \{ "rates": \{ "XRP": "1\.923077" \} \}/],
    ['{"rates":[1]}', /the body has no "rates" object of asset codes/],
    ['null', /the body must be a JSON object: send \{ "rates"/],
    ['{"rates":{"USD":"2"}}', /rates\.USD: the base asset's rate must be 1, not 2/],
    ['{"base":"EUR","rates":{"XRP":"2"}}', /base is EUR but the node's rates are quoted against USD/],
  ])('%s', async (body, message) => {
    const res = await put(body);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('RATES_INVALID');
    expect(res.body.message).toMatch(message);
    const view = (await (await fetch(`${admin}/admin/rates`)).json()) as RatesView;
    expect(view.rates.map((r) => [r.code, r.rate])).toEqual([
      ['USD', '1'],
      ['XRP', '1.923077'],
    ]);
  });
});

describe('a code no peer uses is kept, and named', () => {
  it('PUT answers unused: the codes it set that neither the node nor a peer uses; a used one is not named', async () => {
    const res = await put('{"rates":{"XPR":"1.9","xrp":"1.9","XRP":"1.923077"}}');
    expect(res.status).toBe(200);
    expect(res.body.unused).toEqual(['XPR', 'xrp']);
    expect((await put('{"rates":{"XRP":"1.923077"}}')).body.unused).toBeUndefined();
  });

  it('rates set prints a note naming them; --json carries unused', async () => {
    const text = await run(['rates', 'set', 'EUR=0.92', '--url', admin]);
    expect(text.exitCode).toBe(0);
    expect(text.stdout).toMatch(/Set EUR 0\.92 per 1 USD/);
    expect(text.stdout).toMatch(/Note: no peer uses EUR now \(codes are case-sensitive\)/);
    const asJson = await run(['rates', 'set', 'EUR=0.93', '--url', admin, '--json']);
    expect(json<RatesView>(asJson).unused).toEqual(['EUR']);
  });
});
