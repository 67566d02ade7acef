/**
 * Cluster-wide spend budgets on a private PostgreSQL (src/cluster/budgets.ts): two instances' budget
 * gates take 200 concurrent small payments of one subject between them, each fulfilled (commit) or
 * rejected (release) at random; whatever the amounts, the budget and the interleaving (fast-check),
 * what is spent never exceeds the budget, every payment refused had no room at the moment it was
 * asked, and nothing stays held. A dead instance's holds are released by the next reserve elsewhere.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import pg from 'pg';
import { ClusterBudgets, isRefusal } from '../../src/cluster/budgets.js';
import { havePostgres, TestPostgres } from '../helpers/postgres.js';

let server: TestPostgres | undefined;
let db: pg.Client | undefined;
const gates: ClusterBudgets[] = [];

/** Registry rows for `ids`, heartbeat now minus `ageMs` (cluster_instances is what liveness reads). */
async function registry(ids: string[], ageMs = 0): Promise<void> {
  for (const id of ids) {
    await db!.query(
      `INSERT INTO cluster_instances (id, backend_pid, heartbeat_at) VALUES ($1, 0, now() - make_interval(secs => $2::double precision / 1000))
       ON CONFLICT (id) DO UPDATE SET heartbeat_at = EXCLUDED.heartbeat_at`,
      [id, ageMs],
    );
  }
}

describe.skipIf(!havePostgres())('spend budgets across cluster instances (PostgreSQL)', () => {
  let i1: ClusterBudgets;
  let i2: ClusterBudgets;

  beforeAll(async () => {
    server = await TestPostgres.start();
    i1 = await ClusterBudgets.open({ url: server.url }, 'i1', 5000);
    i2 = await ClusterBudgets.open({ url: server.url }, 'i2', 5000);
    gates.push(i1, i2);
    db = new pg.Client({ connectionString: server.url });
    await db.connect();
    await registry(['i1', 'i2']);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(gates.map((g) => g.close()));
    await db?.end().catch(() => undefined);
    await server?.stop();
  }, 60_000);

  it('200 concurrent payments split across two instances never overspend one budget', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 200, max: 3000 }),
        fc.array(fc.record({ amount: fc.integer({ min: 1, max: 40 }), at: fc.boolean(), fulfilled: fc.boolean() }), { minLength: 200, maxLength: 200 }),
        async (limit, payments) => {
          const subject = `agent-${run++}`;
          const budget = { amount: BigInt(limit), per: 'hour' as const };
          await registry(['i1', 'i2']);
          let spent = 0n;
          const outcomes = await Promise.all(
            payments.map(async (p) => {
              const amount = BigInt(p.amount);
              const got = await (p.at ? i1 : i2).reserve(subject, amount, [budget]);
              if (isRefusal(got)) {
                // refused only when the budget had no room for it then
                expect(got.remaining).toBeLessThan(amount);
                return 'refused';
              }
              if (p.fulfilled) {
                await got.commit();
                spent += amount;
                return 'spent';
              }
              await got.release();
              return 'released';
            }),
          );
          expect(spent).toBeLessThanOrEqual(budget.amount);
          const usage = await i1.usage(subject, 'hour');
          expect(usage).toEqual({ spent, held: 0n });
          // a budget the payments could not exhaust refused none of them
          const asked = payments.reduce((s, p) => s + BigInt(p.amount), 0n);
          if (asked <= budget.amount) expect(outcomes.filter((o) => o === 'refused')).toEqual([]);
        },
      ),
      { numRuns: 2 },
    );
  }, 120_000);

  it('the holds of an instance seen dead are released by the next reserve at another', async () => {
    const i3 = await ClusterBudgets.open({ url: server!.url }, 'i3', 5000);
    gates.push(i3);
    await registry(['i1', 'i2', 'i3']);
    const budget = { amount: 1000n, per: 'day' as const };
    const held = await i3.reserve('dead-owner', 1000n, [budget]);
    expect(isRefusal(held)).toBe(false);
    // i3 is live: its hold counts
    const refused = await i1.reserve('dead-owner', 1n, [budget]);
    expect(isRefusal(refused) && refused.remaining).toBe(0n);
    // i3 stops beating (as after SIGKILL): the next reserve elsewhere releases its hold
    await registry(['i3'], 60_000);
    const got = await i1.reserve('dead-owner', 600n, [budget]);
    expect(isRefusal(got)).toBe(false);
    if (!isRefusal(got)) await got.commit();
    expect(await i2.usage('dead-owner', 'day')).toEqual({ spent: 600n, held: 0n });
  }, 60_000);
});
