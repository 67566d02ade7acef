/**
 * Bounded pre-authentication connections, with real processes and sockets: two holder processes
 * (pre-auth-holder.ts) open 10,000 idle TCP connections to the hub's BTP port from five loopback
 * addresses, while alice, an authenticated peer, keeps paying through the hub.
 *
 * - every one of alice's payments is answered (fulfilled) before its expiry, during the whole flood;
 * - with 10,000 idle connections held, a new peer (carol) still connects and pays;
 * - past the caps (per address, then total) new connections are closed at once, counted in /metrics
 *   and shown in /health, and logged at most once per 10 s interval, not once per connection.
 *
 * Slow tier: opening and holding 10,000+ sockets on a loaded 2-core machine takes a while.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { TSX_IMPORT } from '../../bench/one-hop/procs.js';
import { Harness, waitFor } from '../helpers/node.js';
import { ConnectorNode, computeConditionFromData, IlpPacketType } from '../../src/index.js';
import type { HoldConfig, HoldReport } from './pre-auth-holder.js';

const h = new Harness();
afterEach(() => h.cleanup());

const PER_ADDRESS = 2000;
const TOTAL = 10_200;

/** A holder process; its last report. */
function holder(port: number, localAddresses: string[], count: number): { child: ChildProcess; last: () => HoldReport } {
  const cfg: HoldConfig = { port, localAddresses, count };
  const child = fork(join(import.meta.dirname, 'pre-auth-holder.ts'), [], { execArgv: ['--import', TSX_IMPORT], env: { ...process.env, HOLD_CONFIG: JSON.stringify(cfg) }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let last: HoldReport = { open: 0, closed: 0, failed: 0, settled: 0 };
  child.on('message', (m: HoldReport) => (last = m));
  const pid = child.pid!;
  h.onCleanup(async () => {
    const exited = new Promise<void>((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', () => r())));
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
  });
  return { child, last: () => last };
}

describe('pre-auth connection caps under 10,000 idle connections', () => {
  it('keeps serving the authenticated peer and a new one; refuses past the caps cheaply, counted, logged once per interval', { timeout: 180_000 }, async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        cb();
      },
    });
    const hub = new ConnectorNode(
      {
        nodeId: 'hub',
        ilpAddress: 'g.hub',
        btpServerPort: 0,
        healthCheckPort: 0,
        dataDir: h.dir(),
        adminApi: { enabled: false },
        // idle connections are kept for the whole test; the caps are what bounds them
        performance: { maxPreAuthConnections: TOTAL, maxPreAuthPerAddress: PER_ADDRESS, preAuthTimeoutMs: 600_000 },
        peers: [
          { id: 'alice', authToken: 'alice-secret', relation: 'child', creditLimit: '1000000000' },
          { id: 'carol', authToken: 'carol-secret', relation: 'child', creditLimit: '1000000000' },
        ],
      } as never,
      pino({ level: 'warn' }, sink),
      { env: {} },
    );
    h.onCleanup(() => hub.stop());
    hub.setPacketHandler(() => ({ accept: true }));
    await hub.start();
    const port = hub.btpPort;
    const url = `ws://127.0.0.1:${port}`;
    const health = hub.endpoints.health!;
    const alice = h.node({ nodeId: 'alice', peers: [{ id: 'hub', url, authToken: 'alice-secret', relation: 'parent', creditLimit: '1000000000' }] } as never);
    await alice.start();
    await waitFor(() => hub.listPeers().find((p) => p.id === 'alice')?.connected, 30_000, 'alice connected');

    // alice pays all along: 8 in flight, 30 s expiry each
    const results: { type: number; code?: string }[] = [];
    let paying = true;
    const pay = async (from: ConnectorNode) => {
      const data = Buffer.from(`preauth ${Math.random()}`);
      const r = await from.sendPacket({ destination: 'g.hub', amount: 10n, executionCondition: computeConditionFromData(data).condition, expiresAt: new Date(Date.now() + 30_000), data });
      return r.type === IlpPacketType.Reject ? { type: r.type, code: r.code } : { type: r.type };
    };
    const loops = Array.from({ length: 8 }, async () => {
      while (paying) results.push(await pay(alice));
    });

    // 10,000 idle connections from two processes and five addresses, 2,000 per address: all admitted
    const a = holder(port, ['127.0.0.2', '127.0.0.3', '127.0.0.4'], 6000);
    const b = holder(port, ['127.0.0.5', '127.0.0.6'], 4000);
    await waitFor(() => hub.securityStats.preAuth?.open === 10_000, 120_000, '10,000 idle connections held by the hub');
    await waitFor(() => a.last().open + b.last().open === 10_000, 60_000, 'the holders see their 10,000 open');
    expect(hub.securityStats.preAuth?.refused).toBe(0);

    // a new peer still connects and pays while they are held
    const carol = h.node({ nodeId: 'carol', peers: [{ id: 'hub', url, authToken: 'carol-secret', relation: 'parent', creditLimit: '1000000000' }] } as never);
    await carol.start();
    await waitFor(() => hub.listPeers().find((p) => p.id === 'carol')?.connected, 60_000, 'carol connected');
    expect((await pay(carol)).type).toBe(IlpPacketType.Fulfill);

    // past the per-address cap: 500 more from a full address are closed at once
    const refusalsFrom = Date.now();
    a.child.send({ open: 500 });
    await waitFor(() => a.last().closed >= 500, 60_000, '500 refused for their address');
    // past the total cap: 500 from a fresh address (a third holder), 200 fit, 300 are closed at once
    const fresh = holder(port, ['127.0.0.7'], 500);
    await waitFor(() => fresh.last().open === 200 && fresh.last().closed === 300, 60_000, 'the total cap reached: 200 held, 300 refused');
    const refusalsUntil = Date.now();
    const refused = hub.securityStats.preAuth!.refused;
    expect(refused).toBe(500 + 300);
    expect(hub.securityStats.preAuth?.open).toBe(TOTAL);

    paying = false;
    await Promise.all(loops);
    // every payment answered before its expiry: all fulfilled, none timed out
    expect(results.length).toBeGreaterThan(0);
    expect(results.filter((r) => r.type !== IlpPacketType.Fulfill)).toEqual([]);

    const metrics = await (await fetch(`${health}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`^ilp_btp_preauth_connections(\\{[^}]*\\})? ${TOTAL}$`, 'm'));
    expect(metrics).toMatch(new RegExp(`^ilp_btp_preauth_refused_total(\\{[^}]*\\})? ${refused}$`, 'm'));
    const report = (await (await fetch(`${health}/health`)).json()) as { preAuth?: { open: number; refused: number }; reasons: string[] };
    expect(report.preAuth).toMatchObject({ open: TOTAL, refused });
    expect(report.reasons.some((r) => r.includes('pre-auth cap reached'))).toBe(true);
    // logged once per 10 s interval at most, not once per refused connection
    const logged = lines.filter((l) => l.includes('BTP connections refused'));
    expect(logged.length).toBeGreaterThanOrEqual(1);
    expect(logged.length).toBeLessThanOrEqual(1 + Math.ceil((refusalsUntil - refusalsFrom) / 10_000));
  });
});
