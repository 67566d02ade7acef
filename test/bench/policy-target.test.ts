/**
 * Smoke test of the bench's policy target (s, `npm run bench:policy`): target (a) whose sender is a
 * child under a spend policy (maxPerPayment and a day budget), so every packet pays the policy's
 * reserve and commit and the two spend memo legs. One short window with exact counts, then the
 * node's own view: the budget spent exactly the fulfilled packets' amounts, nothing held, nothing
 * refused, and the memo account spend:peer:sender carries the same total.
 */
import { describe, expect, it } from 'vitest';
import { POLICY_ADMIN_KEY, POLICY_BUDGET, POLICY_MAX_PER_PAYMENT } from '../../bench/one-hop/targets.js';
import { adminGet, adminPortOf, magnitude, runExactWindow, withTarget } from './target-run.js';

interface Budget {
  per: string;
  spent: string;
  reserved: string;
  remaining: string;
}

describe('agent-runtime-policy target', () => {
  it('runs every packet through the sender policy with exact counts and an exact budget', async () => {
    await withTarget('agent-runtime-policy', {}, async ({ target, yaml }) => {
      expect(yaml).toContain(`maxPerPayment: "${POLICY_MAX_PER_PAYMENT}"`);
      const adminPort = adminPortOf(yaml);
      const r = await runExactWindow(target);

      const fulfilled = BigInt(r.totals.fulfilled);
      const view = await adminGet<{ peers: Record<string, { budgets: Budget[] }> }>(adminPort, '/admin/policies', POLICY_ADMIN_KEY);
      expect(view.peers.sender.budgets).toHaveLength(1);
      expect(view.peers.sender.budgets[0]).toMatchObject({ per: 'day', spent: String(fulfilled * 1000n), reserved: '0', remaining: String(BigInt(POLICY_BUDGET) - fulfilled * 1000n) });
      // the memo account the ledger keeps for the sender's policy moved by the same total
      const ledger = await adminGet<{ balances: Record<string, string> }>(adminPort, '/admin/ledger/export', POLICY_ADMIN_KEY);
      expect(magnitude(ledger.balances['spend:peer:sender'])).toBe(fulfilled * 1000n);
    });
  }, 90_000);
});
