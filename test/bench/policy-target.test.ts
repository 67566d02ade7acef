/**
 * Smoke test of the bench's policy target (s, `npm run bench:policy`): target (a) whose sender is a
 * child under a spend policy (maxPerPayment and a day budget), so every packet pays the policy's
 * reserve and commit and the two spend memo legs. One short window with exact counts, then the
 * node's own view: the budget spent exactly the fulfilled packets' amounts, nothing held, nothing
 * refused, and the memo account spend:peer:sender carries the same total.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runLoadgen } from '../../bench/one-hop/harness.js';
import { liveChildren } from '../../bench/one-hop/procs.js';
import { DESTINATION, POLICY_ADMIN_KEY, POLICY_BUDGET, POLICY_MAX_PER_PAYMENT, startTarget } from '../../bench/one-hop/targets.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface Budget {
  per: string;
  spent: string;
  reserved: string;
  remaining: string;
}

describe('agent-runtime-policy target', () => {
  it('runs every packet through the sender policy with exact counts and an exact budget', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ar-bench-policy-'));
    dirs.push(dir);
    const target = await startTarget('agent-runtime-policy', { dir, startTimeoutMs: 45_000 });
    try {
      const yaml = readFileSync(join(dir, 'bench.yaml'), 'utf8');
      expect(yaml).toContain(`maxPerPayment: "${POLICY_MAX_PER_PAYMENT}"`);
      const adminPort = /adminApi:\n {2}enabled: true\n {2}port: (\d+)/.exec(yaml)?.[1];
      expect(adminPort).toBeDefined();
      const r = await runLoadgen({
        mode: 'remote',
        sender: target.sender,
        receiver: target.receiver,
        destination: DESTINATION,
        amount: '1000',
        concurrency: 10,
        warmupMs: 300,
        durationMs: 1000,
        readyTimeoutMs: 20_000,
      });
      expect(r.fulfilledInWindow).toBeGreaterThan(0);
      expect(r.rejects).toEqual({});
      expect(r.totals.stuck).toBe(0);
      expect(r.totals.receiverPrepares).toBe(r.totals.fulfilled);
      expect(r.countsMatch).toBe(true);

      const get = async (path: string) => (await fetch(`http://127.0.0.1:${adminPort}${path}`, { headers: { 'x-api-key': POLICY_ADMIN_KEY } })).json();
      const fulfilled = BigInt(r.totals.fulfilled);
      const view = (await get('/admin/policies')) as { peers: Record<string, { budgets: Budget[] }> };
      expect(view.peers.sender.budgets).toHaveLength(1);
      expect(view.peers.sender.budgets[0]).toMatchObject({ per: 'day', spent: String(fulfilled * 1000n), reserved: '0', remaining: String(BigInt(POLICY_BUDGET) - fulfilled * 1000n) });
      // the memo account the ledger keeps for the sender's policy moved by the same total
      const ledger = (await get('/admin/ledger/export')) as { balances: Record<string, string> };
      const memo = BigInt(ledger.balances['spend:peer:sender'] ?? 'NaN');
      expect(memo < 0n ? -memo : memo).toBe(fulfilled * 1000n);
    } finally {
      await target.stop();
    }
    expect(liveChildren()).toBe(0);
  }, 90_000);
});
