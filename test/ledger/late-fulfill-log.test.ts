/**
 * The durable record of late fulfills (src/node/pipeline/late-fulfills.ts) on a real file: totals per
 * next hop survive a reopen (amounts beyond 2^53 exact), a last line cut short by a crash is skipped
 * with one warning while the lines before it count, and a write that fails keeps the totals and logs
 * the records themselves. The end-to-end paths (expired, source gone, balances, /metrics, restart)
 * are in test/reliability/late-fulfill.test.ts and test/security/replaced-link.test.ts.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { LateFulfillLog, type LateFulfillRecord } from '../../src/node/pipeline/late-fulfills.js';
import { tempDir } from './helpers.js';

function logger(): { logger: pino.Logger; lines: { level: number; msg: string; [k: string]: unknown }[] } {
  const lines: { level: number; msg: string }[] = [];
  return { logger: pino({ level: 'info' }, { write: (l: string) => lines.push(JSON.parse(l) as { level: number; msg: string }) }), lines };
}

const rec = (peer: string, amount: string, i: number): LateFulfillRecord => ({ at: new Date().toISOString(), packetId: `p${i}`, peer, amount, from: 'alice', destination: `g.hub.${peer}`, reason: i % 2 === 0 ? 'expired' : 'source-gone' });

describe('late-fulfill record', () => {
  it('counts per next hop at once, writes every record durably, and a reopen reads the same totals', async () => {
    const file = join(tempDir(), 'late-fulfills.jsonl');
    const { logger: log } = logger();
    const l = LateFulfillLog.open(file, log);
    expect(l.totals().size).toBe(0);
    const big = (2n ** 60n).toString();
    l.record(rec('bob', big, 0));
    l.record(rec('bob', '5', 1));
    l.record(rec('carol', '7', 2));
    // counted before the write completes
    expect(l.totals().get('bob')).toEqual({ count: 2, amount: 2n ** 60n + 5n });
    await l.close();
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines.map((x) => (JSON.parse(x) as LateFulfillRecord).packetId)).toEqual(['p0', 'p1', 'p2']);
    const again = LateFulfillLog.open(file, log);
    expect(new Map(again.totals())).toEqual(
      new Map([
        ['bob', { count: 2, amount: 2n ** 60n + 5n }],
        ['carol', { count: 1, amount: 7n }],
      ]),
    );
    await again.close();
  });

  it('a last line cut short by a crash is skipped with one warning; the lines before it count', async () => {
    const file = join(tempDir(), 'late-fulfills.jsonl');
    const first = LateFulfillLog.open(file, logger().logger);
    first.record(rec('bob', '9', 0));
    await first.close();
    appendFileSync(file, JSON.stringify(rec('bob', '11', 1)).slice(0, 40)); // the append a kill -9 cut
    const { logger: log, lines } = logger();
    const l = LateFulfillLog.open(file, log);
    expect(l.totals().get('bob')).toEqual({ count: 1, amount: 9n });
    expect(lines.filter((x) => /unreadable line in the late-fulfill record/.test(x.msg))).toHaveLength(1);
    await l.close();
  });

  it('a write that fails keeps the totals and puts the records in one error line', async () => {
    const file = join(tempDir(), 'gone', 'late-fulfills.jsonl'); // its folder does not exist: the append fails
    const { logger: log, lines } = logger();
    const broken = LateFulfillLog.open(file, log);
    broken.record(rec('bob', '3', 0));
    await broken.flush();
    expect(broken.totals().get('bob')).toEqual({ count: 1, amount: 3n });
    const errors = lines.filter((x) => x.msg === 'could not write the late-fulfill record');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ file, records: [expect.stringContaining('"packetId":"p0"')] });
  });
});
