/**
 * Smoke test of the bench's PostgreSQL target (p, `npm run bench:postgres`): target (a) with its books
 * on a private PostgreSQL the target starts (durable settings) and stops. One short window with exact
 * counts, then the node's own books, read through its admin API from the database: the sender's and
 * the receiver's accounts moved by exactly 1000 and 999 (the shipped fee keeps 1) per fulfilled packet. No timing assertion.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runLoadgen } from '../../bench/one-hop/harness.js';
import { liveChildren } from '../../bench/one-hop/procs.js';
import { DESTINATION, startTarget } from '../../bench/one-hop/targets.js';
import { havePostgres } from '../helpers/postgres.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe.skipIf(!havePostgres())('agent-runtime-postgres target', () => {
  it('forwards with its books in PostgreSQL: exact counts, books moved 1000 in and 999 out per fulfilled packet', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ar-bench-pg-'));
    dirs.push(dir);
    const target = await startTarget('agent-runtime-postgres', { dir, startTimeoutMs: 60_000 });
    let stopped = false;
    try {
      const yaml = readFileSync(join(dir, 'bench.yaml'), 'utf8');
      expect(yaml).toMatch(/ledger:\n {2}backend: postgres\n {2}postgres:\n {4}url: "postgres:\/\/.+"/);
      expect(target.command).toMatch(/synchronous_commit on/);
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
        readyTimeoutMs: 30_000,
      });
      expect(r.fulfilledInWindow).toBeGreaterThan(0);
      expect(r.rejects).toEqual({});
      expect(r.totals.stuck).toBe(0);
      expect(r.totals.receiverPrepares).toBe(r.totals.fulfilled);
      expect(r.countsMatch).toBe(true);

      const res = await fetch(`http://127.0.0.1:${adminPort}/admin/balances`, { signal: AbortSignal.timeout(20_000) });
      const { accounts } = (await res.json()) as { accounts: { account: string; balance: string }[] };
      const abs = (name: string) => {
        const b = BigInt(accounts.find((a) => a.account === name)?.balance ?? '0');
        return b < 0n ? -b : b;
      };
      const fulfilled = BigInt(r.totals.fulfilled);
      // the shipped fee (feeBps 10) keeps 1 of every 1000
      expect(abs('peer:sender')).toBe(fulfilled * 1000n);
      expect(abs('peer:receiver')).toBe(fulfilled * 999n);
      await target.stop();
      stopped = true;
    } finally {
      if (!stopped) await target.stop();
    }
    expect(liveChildren()).toBe(0);
  }, 120_000);
});
