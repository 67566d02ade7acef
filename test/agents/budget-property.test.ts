/**
 * Property: many concurrent small payments never overspend a budget, and a payment is refused only
 * when it could not fit. Runs on a real node (admin API, pipeline, local delivery): each run sets a
 * fresh budget of `spent so far + B` and fires 200 payments at once, from the local agent and from a
 * child peer (each payer has its own budget).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectorNode } from '../../src/index.js';
import { Harness, waitFor } from '../helpers/node.js';
import { OPERATOR, acceptAll, call, keyedAdmin, pay } from './helpers.js';

const h = new Harness();
let alice: ConnectorNode;
let kid: ConnectorNode;
const SECRET = 'kid-secret-0123456789';

beforeAll(async () => {
  alice = h.node({
    nodeId: 'alice',
    adminApi: keyedAdmin,
    peers: [{ id: 'kid', relation: 'child', authToken: SECRET, creditLimit: '100000000' }],
    policies: { local: { budgets: [{ amount: '1', per: 'month' }] } },
  });
  acceptAll(alice);
  await alice.start();
  kid = h.node({ nodeId: 'kid', peers: [{ id: 'alice', relation: 'parent', url: `ws://127.0.0.1:${alice.btpPort}`, authToken: SECRET }] });
  await kid.start();
  await waitFor(() => kid.ilpAddress === 'g.alice.kid', 20_000, 'kid learned its address');
}, 60_000);
afterAll(() => h.cleanup(), 60_000);

interface Budget {
  amount: string;
  spent: string;
}

async function spent(who: 'local' | 'kid'): Promise<bigint> {
  const v = await call(alice.endpoints.admin!, 'GET', '/admin/policies', OPERATOR);
  const view = who === 'local' ? (v.body.local as { budgets: Budget[] }) : (v.body.peers as Record<string, { budgets: Budget[] }>).kid;
  return BigInt(view.budgets[0].spent);
}

describe('budgets under concurrency', () => {
  it('200 concurrent payments never overspend, and only what cannot fit is refused', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.bigInt({ min: 1n, max: 50n }), { minLength: 200, maxLength: 200 }),
        fc.bigInt({ min: 1n, max: 3000n }),
        fc.constantFrom<'local' | 'kid'>('local', 'kid'),
        async (amounts, budget, who) => {
          const open = { budgets: [{ amount: '1000000000', per: 'month' }] };
          expect((await call(alice.endpoints.admin!, 'PUT', '/admin/policies', OPERATOR, { local: open, peers: { kid: open } })).status).toBe(200);
          const before = await spent(who);
          const limit = { budgets: [{ amount: (before + budget).toString(), per: 'month' }] };
          const body = who === 'local' ? { local: limit, peers: { kid: open } } : { local: open, peers: { kid: limit } };
          expect((await call(alice.endpoints.admin!, 'PUT', '/admin/policies', OPERATOR, body)).status).toBe(200);
          const payer = who === 'local' ? alice : kid;
          const results = await Promise.all(amounts.map((a) => pay(payer, 'g.alice.shop', a)));
          let paid = 0n;
          results.forEach((r, i) => {
            if (r.type === 13) paid += amounts[i];
            else expect(r.code).toBe('T04');
          });
          expect(paid <= budget).toBe(true);
          // A refused payment could not fit even beside everything that was finally paid.
          results.forEach((r, i) => {
            if (r.type !== 13) expect(paid + amounts[i] > budget).toBe(true);
          });
          expect((await spent(who)) - before).toBe(paid);
        },
      ),
      { numRuns: 12 },
    );
  }, 120_000);
});
