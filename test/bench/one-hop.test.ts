/**
 * Smoke test of the one-hop bench harness (bench/one-hop): its frames decode with the project's
 * codecs, and the relay target plus the load generator run end to end with exact counts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeBtp, deserializePrepare, encodeBtpIlp, getIlpData, serializeReject, BtpType } from '../../src/codec.js';
import { runLoadgen } from '../../bench/one-hop/harness.js';
import { liveChildren } from '../../bench/one-hop/procs.js';
import { DESTINATION, startTarget } from '../../bench/one-hop/targets.js';
import { summarize } from '../../bench/one-hop/stats.js';
import {
  BENCH_CONDITION,
  BENCH_FULFILLMENT,
  buildAuthFrame,
  buildFulfillResponse,
  buildPrepareFrame,
  findIlp,
  rejectCodeAt,
  writeIlpTimestamp,
} from '../../bench/one-hop/wire.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('bench wire encoders', () => {
  it('builds a Prepare MESSAGE the project codec reads, with patchable offsets', () => {
    const data = Buffer.alloc(64, 7);
    const f = buildPrepareFrame({ requestId: 42, amount: 1000n, expiresAtMs: Date.UTC(2030, 0, 2, 3, 4, 5, 678), condition: BENCH_CONDITION, destination: DESTINATION, data });
    f.frame.writeUInt32BE(0xfedcba98, f.requestIdOffset);
    f.frame.writeUInt32BE(123, f.dataOffset + 4);
    writeIlpTimestamp(f.frame, f.expiryOffset, Date.UTC(2031, 5, 6, 7, 8, 9, 10));
    const btp = decodeBtp(f.frame);
    expect(btp.type).toBe(BtpType.Message);
    expect(btp.requestId).toBe(0xfedcba98);
    const prepare = deserializePrepare(getIlpData(btp)!);
    expect(prepare.amount).toBe(1000n);
    expect(prepare.expiresAt.toISOString()).toBe('2031-06-06T07:08:09.010Z');
    expect(prepare.destination).toBe(DESTINATION);
    expect(prepare.executionCondition.equals(BENCH_CONDITION)).toBe(true);
    expect(prepare.data.readUInt32BE(4)).toBe(123);
    expect(findIlp(f.frame)).toBeGreaterThan(0);
  });

  it('builds the Fulfill RESPONSE and auth MESSAGE, and reads Reject codes', () => {
    const response = decodeBtp(buildFulfillResponse(9));
    expect(response.type).toBe(BtpType.Response);
    const ilp = getIlpData(response)!;
    expect(ilp[0]).toBe(13);
    expect(ilp.subarray(2, 34).equals(BENCH_FULFILLMENT)).toBe(true);
    const auth = decodeBtp(buildAuthFrame(1, 'sender', 'token'));
    expect(auth.protocolData.map((p) => p.protocolName)).toEqual(['auth', 'auth_username', 'auth_token']);
    const reject = encodeBtpIlp(1, 5, serializeReject({ code: 'T04', triggeredBy: 'g.bench', message: 'no', data: Buffer.alloc(0) }));
    expect(rejectCodeAt(reject, findIlp(reject))).toBe('T04');
  });

  it('summarizes latencies by nearest rank', () => {
    const s = summarize(Array.from({ length: 1000 }, (_, i) => i + 1));
    expect([s.p50, s.p90, s.p99, s.p999, s.max]).toEqual([500, 900, 990, 999, 1000]);
  });
});

describe('relay + load generator', () => {
  it('runs 1 s at C=10 through the relay with exact counts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ar-bench-test-'));
    dirs.push(dir);
    const relay = await startTarget('relay', { dir });
    try {
      const r = await runLoadgen({
        mode: 'remote',
        sender: relay.sender,
        receiver: relay.receiver,
        destination: DESTINATION,
        amount: '1000',
        concurrency: 10,
        warmupMs: 200,
        durationMs: 1000,
        readyTimeoutMs: 5000,
      });
      expect(r.fulfilledInWindow).toBeGreaterThan(0);
      expect(r.pps).toBeGreaterThan(0);
      expect(r.rejects).toEqual({});
      expect(r.totals.stuck).toBe(0);
      expect(r.totals.receiverPrepares).toBe(r.totals.fulfilled);
      expect(r.countsMatch).toBe(true);
      expect(r.latency.count).toBe(r.fulfilledInWindow);
    } finally {
      await relay.stop();
    }
    expect(liveChildren()).toBe(0);
  }, 15_000);
});
