import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NodeEvent } from '../../src/index.js';
import { run } from '../cli/run-command.js';

// The demo's temporary data goes under os.tmpdir(): give each test a private one ($TMPDIR) to look into.
let tmp: string;
const saved = process.env.TMPDIR;
beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'ar-demo-test-'));
  process.env.TMPDIR = tmp;
});
afterEach(() => {
  if (saved === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = saved;
  rmSync(tmp, { recursive: true, force: true });
});

describe('demo', () => {
  it('--duration: alice pays bob through the hub, the hub streams its events, the temp data is removed', async () => {
    const r = await run(['demo', '--duration', '2', '--json', '--events', 'packets', '--interval', '100']);
    expect(r.exitCode).toBe(0);
    const events = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as NodeEvent);
    expect(events.every((e) => e.nodeId === 'hub')).toBe(true);
    expect(events[0]).toMatchObject({ type: 'node:started', ilpAddress: 'g.hub' });
    expect((events[0] as { dataDir: string }).dataDir.startsWith(tmp)).toBe(true);
    const connected = events.filter((e) => e.type === 'peer:connected').map((e) => (e as { peerId: string }).peerId);
    expect(connected.sort()).toEqual(['alice', 'bob']);
    // (the children's ILDCP requests are packets too: keep alice's payments)
    const fulfilled = events.filter((e) => e.type === 'packet:fulfilled' && e.destination === 'g.hub.bob');
    expect(fulfilled.length).toBeGreaterThanOrEqual(5);
    expect(fulfilled[0]).toMatchObject({ from: 'alice', to: 'bob', destination: 'g.hub.bob', amount: '1000', amountOut: '999', fee: '1' });
    expect(events.some((e) => e.type === 'packet:rejected')).toBe(false);
    expect(events.some((e) => e.type === 'node:stats')).toBe(true);
    const stopping = events.findIndex((e) => e.type === 'node:stopping');
    expect(stopping).toBeGreaterThan(events.findLastIndex((e) => e.type.startsWith('packet:')));
    // (tsx-<uid> is the test loader's own cache, which tsx makes under $TMPDIR on Node 24: not the demo's)
    expect(readdirSync(tmp).filter((name) => !/^tsx-\d+$/.test(name))).toEqual([]);
  });

  it('without --events packets: no per-packet events', async () => {
    const r = await run(['demo', '--duration', '1', '--json']);
    expect(r.exitCode).toBe(0);
    const types = r.stdout
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as NodeEvent).type);
    expect(types[0]).toBe('node:started');
    expect(types.some((t) => t.startsWith('packet:'))).toBe(false);
    expect(types).toContain('node:stopping');
  });

  it('refuses a bad --amount (exit 2)', async () => {
    const r = await run(['demo', '--amount', 'lots', '--duration', '1']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('[INVALID_ARGUMENT]');
  });
});
