/**
 * Smoke test of the bench's ILP-over-HTTP target (bench/one-hop/http-target.ts): agent-runtime with
 * both peers over HTTP in its own process, driven by the HTTP load generator (loadgen-http.ts) for
 * one short window, with exact counts: every Fulfill the sender got came from the receiver.
 */
import { describe, expect, it } from 'vitest';
import { runExactWindow, withTarget } from './target-run.js';

describe('agent-runtime-http target + HTTP load generator', () => {
  it('runs 1 s at C=40 (more than the pre-auth cap per address: the pool ramps) with exact counts', async () => {
    await withTarget('agent-runtime-http', { configFile: 'bench-http.yaml' }, async ({ target, yaml }) => {
      expect(yaml).toMatch(/transport: http/);
      expect(target.http).toBeDefined();
      const r = await runExactWindow(target, { concurrency: 40 });
      expect(r.totals.receiverOther).toBe(0);
      expect(r.latency.count).toBe(r.fulfilledInWindow);
    });
  }, 90_000);
});
