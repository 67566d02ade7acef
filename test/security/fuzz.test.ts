/**
 * The fuzzer of `npm run fuzz` (bench/fuzz.ts) at 50,000 frames: a node in its own process (the
 * library wrapper under tsx, so a concurrent rebuild of dist/ cannot disturb it) gets random bytes,
 * mutated and truncated frames, mutated Prepares inside valid frames and oversized frames on an
 * authenticated socket, reconnecting after each close, while another peer keeps paying through it.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { runFuzz, startFuzzTarget, type FuzzTarget } from '../../bench/fuzz.js';
import { rmSync } from 'node:fs';

let target: FuzzTarget | undefined;
afterAll(async () => {
  if (target) {
    await target.stop();
    rmSync(target.dir, { recursive: true, force: true });
  }
});

describe('BTP/ILP fuzzing over authenticated sockets', () => {
  it('survives 50,000 fuzzed frames: alive, no uncaught error, the honest peer still served, RSS flat', { timeout: 60_000 }, async () => {
    target = await startFuzzTarget({ library: true });
    const r = await runFuzz(target, { frames: 50_000, warmupFrames: 5000, oversizedEvery: 5000 });
    process.stdout.write(
      `\nfuzz: ${r.framesSent} frames in ${r.seconds.toFixed(1)} s over ${r.connections} connections ${JSON.stringify(r.closeCodes)}; ` +
        `honest ${r.honest.fulfilled} fulfilled / ${r.honest.rejected} rejected; RSS ${r.rss.beforeFuzzMb.toFixed(1)} → ${r.rss.startMb.toFixed(1)} → ${r.rss.endMb.toFixed(1)} MB\n`,
    );
    expect(r.failures).toEqual([]);
    expect(r.framesSent).toBe(50_000);
    expect(r.alive).toBe(true);
    expect(r.badLogLines).toEqual([]);
    // the node closed the fuzzing socket for unreadable frames (1008) and for oversized ones (1009), and answered the readable ones
    expect(r.closeCodes['1008']).toBeGreaterThan(10);
    expect(r.closeCodes['1009']).toBeGreaterThan(0);
    expect((r.answers['btp-1'] ?? 0) + (r.answers['btp-2'] ?? 0)).toBeGreaterThan(5000);
    expect(r.honest.rejected).toBe(0);
    expect(r.honest.finalBatchFulfilled).toBeGreaterThanOrEqual(r.honest.finalBatch);
    expect(r.rss.growthMb).toBeLessThan(50);
  });
});
