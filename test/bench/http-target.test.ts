/**
 * Smoke test of the bench's ILP-over-HTTP target (bench/one-hop/http-target.ts): agent-runtime with
 * both peers over HTTP in its own process, driven by the HTTP load generator (loadgen-http.ts) for
 * one short window, with exact counts: every Fulfill the sender got came from the receiver.
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

describe('agent-runtime-http target + HTTP load generator', () => {
  it('runs 1 s at C=40 (more than the pre-auth cap per address: the pool ramps) with exact counts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ar-bench-http-'));
    dirs.push(dir);
    const target = await startTarget('agent-runtime-http', { dir, startTimeoutMs: 45_000 });
    try {
      expect(readFileSync(join(dir, 'bench-http.yaml'), 'utf8')).toMatch(/transport: http/);
      const r = await runLoadgen({
        mode: 'remote',
        sender: target.sender,
        receiver: target.receiver,
        http: target.http,
        destination: DESTINATION,
        amount: '1000',
        concurrency: 40,
        warmupMs: 300,
        durationMs: 1000,
        readyTimeoutMs: 20_000,
      });
      expect(r.fulfilledInWindow).toBeGreaterThan(0);
      expect(r.rejects).toEqual({});
      expect(r.totals.stuck).toBe(0);
      expect(r.totals.receiverOther).toBe(0);
      expect(r.totals.receiverPrepares).toBe(r.totals.fulfilled);
      expect(r.countsMatch).toBe(true);
      expect(r.latency.count).toBe(r.fulfilledInWindow);
    } finally {
      await target.stop();
    }
    expect(liveChildren()).toBe(0);
  }, 90_000);
});
