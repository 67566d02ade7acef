/**
 * Smoke test of the bench's rates target (r, `npm run bench:rates`): target (a) whose receiver is an
 * XRP@6 peer while the sender pays USD@9, so every packet goes through the exact converter. One short
 * window with exact counts, then the node's own books: each 1000 nano-USD Prepare reached the receiver
 * as floor(1000 × 1.923077 × 10^(6−9)) = 1 drop, so the receiver's XRP account moved by exactly one
 * unit per fulfilled packet and the sender's USD account by 1000.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runLoadgen } from '../../bench/one-hop/harness.js';
import { liveChildren } from '../../bench/one-hop/procs.js';
import { DESTINATION, startTarget } from '../../bench/one-hop/targets.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface Line {
  account: string;
  balance: string;
  assetCode: string;
  assetScale: number;
}

describe('agent-runtime-rates target', () => {
  it('converts every packet USD@9 → XRP@6 with exact counts and books', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ar-bench-rates-'));
    dirs.push(dir);
    const target = await startTarget('agent-runtime-rates', { dir, startTimeoutMs: 45_000 });
    try {
      const yaml = readFileSync(join(dir, 'bench.yaml'), 'utf8');
      expect(yaml).toMatch(/assetCode: XRP/);
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

      const res = await fetch(`http://127.0.0.1:${adminPort}/admin/balances`);
      const { accounts } = (await res.json()) as { accounts: Line[] };
      const of = (name: string) => accounts.find((a) => a.account === name);
      const fulfilled = BigInt(r.totals.fulfilled);
      expect(of('peer:receiver')).toMatchObject({ assetCode: 'XRP', assetScale: 6 });
      expect(of('peer:sender')).toMatchObject({ assetCode: 'USD', assetScale: 9 });
      const abs = (s: string | undefined) => (s === undefined ? undefined : BigInt(s) < 0n ? -BigInt(s) : BigInt(s));
      expect(abs(of('peer:receiver')?.balance)).toBe(fulfilled);
      expect(abs(of('peer:sender')?.balance)).toBe(fulfilled * 1000n);
    } finally {
      await target.stop();
    }
    expect(liveChildren()).toBe(0);
  }, 90_000);
});
