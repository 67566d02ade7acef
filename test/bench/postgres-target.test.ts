/**
 * Smoke test of the bench's PostgreSQL target (p, `npm run bench:postgres`): target (a) with its books
 * on a private PostgreSQL the target starts (durable settings) and stops. One short window with exact
 * counts, then the node's own books, read through its admin API from the database: the sender's and
 * the receiver's accounts moved by exactly 1000 and 999 (the shipped fee keeps 1) per fulfilled packet. No timing assertion.
 */
import { describe, expect, it } from 'vitest';
import { havePostgres } from '../helpers/postgres.js';
import { adminPortOf, balancesOf, magnitude, runExactWindow, withTarget } from './target-run.js';

describe.skipIf(!havePostgres())('agent-runtime-postgres target', () => {
  it('forwards with its books in PostgreSQL: exact counts, books moved 1000 in and 999 out per fulfilled packet', async () => {
    await withTarget('agent-runtime-postgres', { startTimeoutMs: 60_000 }, async ({ target, yaml }) => {
      expect(yaml).toMatch(/ledger:\n {2}backend: postgres\n {2}postgres:\n {4}url: "postgres:\/\/.+"/);
      expect(target.command).toMatch(/synchronous_commit on/);
      const adminPort = adminPortOf(yaml);
      const r = await runExactWindow(target, { readyTimeoutMs: 30_000 });

      const books = await balancesOf(adminPort);
      const fulfilled = BigInt(r.totals.fulfilled);
      // the shipped fee (feeBps 10) keeps 1 of every 1000
      expect(magnitude(books.get('peer:sender')?.balance)).toBe(fulfilled * 1000n);
      expect(magnitude(books.get('peer:receiver')?.balance)).toBe(fulfilled * 999n);
    });
  }, 120_000);
});
