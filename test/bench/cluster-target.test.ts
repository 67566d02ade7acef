/**
 * Smoke test of the bench's two-instance target (x): two instances of (p) as one cluster on a private
 * PostgreSQL, the sender logged in at i1 and the receiver at i2. One short window with exact counts;
 * then proof that the traffic crossed: i1 sent at least every fulfilled packet to i2 over the internal
 * link and i2 relayed as many (their /health cluster counters), and the books, read from the database
 * through i1's admin API, moved exactly 1000 in and 999 out per fulfilled packet (booked once, by i1).
 * No timing assertion.
 */
import { describe, expect, it } from 'vitest';
import { havePostgres } from '../helpers/postgres.js';
import { adminGet, balancesOf, magnitude, runExactWindow, withTarget } from './target-run.js';

interface ClusterHealth {
  cluster?: { instanceId: string; forwarded?: { sent: number; relayed: number } };
}

describe.skipIf(!havePostgres())('agent-runtime-cluster target (x)', () => {
  it('every packet enters at i1 and leaves through i2: exact counts, forwarded counters, books moved once', async () => {
    await withTarget('agent-runtime-cluster', { startTimeoutMs: 90_000, configFile: 'i1/bench.yaml' }, async ({ target, yaml }) => {
      expect(yaml).toMatch(/cluster:\n {2}enabled: true\n {2}instanceId: i1/);
      expect(target.sender.url).not.toBe(target.receiver.url);
      expect(target.extraPids).toHaveLength(1);
      const [i1, i2] = target.adminPorts ?? [];
      expect(i2).toBeDefined();
      const r = await runExactWindow(target, { readyTimeoutMs: 60_000 });
      const fulfilled = r.totals.fulfilled;

      const h1 = await adminGet<ClusterHealth>(i1, '/health');
      const h2 = await adminGet<ClusterHealth>(i2, '/health');
      expect(h1.cluster?.instanceId).toBe('i1');
      expect(h2.cluster?.instanceId).toBe('i2');
      // the readiness probes crossed too, so at least (not exactly) every fulfilled packet
      expect(h1.cluster?.forwarded?.sent).toBeGreaterThanOrEqual(fulfilled);
      expect(h2.cluster?.forwarded?.relayed).toBeGreaterThanOrEqual(fulfilled);

      const books = await balancesOf(i1);
      // the shipped fee (feeBps 10) keeps 1 of every 1000; i2 books nothing of a relayed packet
      expect(magnitude(books.get('peer:sender')?.balance)).toBe(BigInt(fulfilled) * 1000n);
      expect(magnitude(books.get('peer:receiver')?.balance)).toBe(BigInt(fulfilled) * 999n);
    });
  }, 180_000);
});
