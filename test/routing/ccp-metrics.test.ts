/**
 * /metrics for route broadcast, read as Prometheus text from two of our nodes over real BTP: routes
 * learned per peer, updates sent and received per peer, and route control SYNCs both ways. A dropped
 * link makes each side ask the other for SYNC again, and the counters say so.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Harness, waitFor } from '../helpers/node.js';
import { sample, scrape, type Sample } from '../helpers/metrics-text.js';
import type { ConnectorNode } from '../../src/index.js';

const h = new Harness();
afterEach(() => h.cleanup(), 30_000);

const routing = { broadcastIntervalMs: 200, holdDownMs: 5000 };

describe('CCP metrics', () => {
  it('routes per peer, updates sent and received, route control SYNCs; a reconnect asks for SYNC again', async () => {
    const b = h.node({ nodeId: 'b', routing, peers: [{ id: 'a', relation: 'peer', authToken: 'a-b' }] } as never);
    await b.start();
    const a = h.node({ nodeId: 'a', routing, peers: [{ id: 'b', relation: 'peer', authToken: 'a-b', url: `ws://127.0.0.1:${b.btpPort}` }] } as never);
    await a.start();
    const learned = (n: ConnectorNode, prefix: string) => n.listRoutes().some((r) => r.prefix === prefix && r.source === 'ccp');
    await waitFor(() => learned(a, 'g.b') && learned(b, 'g.a'), 20_000, 'a and b learn each other');

    const at = async (n: ConnectorNode): Promise<Sample[]> => scrape(n.endpoints.health!);
    const ccp = (m: Sample[], peer: string) => ({
      routes: sample(m, 'ilp_routes_learned', { peer }),
      received: sample(m, 'ilp_route_updates_total', { peer, direction: 'received' }) ?? 0,
      sent: sample(m, 'ilp_route_updates_total', { peer, direction: 'sent' }) ?? 0,
      syncSent: sample(m, 'ilp_route_controls_total', { peer, direction: 'sent', mode: 'SYNC' }) ?? 0,
      syncReceived: sample(m, 'ilp_route_controls_total', { peer, direction: 'received', mode: 'SYNC' }) ?? 0,
    });
    // a learned one prefix (g.b) from b, got at least the update that carried it, sent its own, and
    // each side asked the other for SYNC once it saw the link up
    const first = ccp(await at(a), 'b');
    expect(first.routes).toBe(1);
    expect(first.received).toBeGreaterThanOrEqual(1);
    await waitFor(async () => ccp(await at(a), 'b').sent >= 1, 20_000, 'a has an update accepted by b');
    expect(first.syncSent).toBeGreaterThanOrEqual(1);
    expect(first.syncReceived).toBeGreaterThanOrEqual(1);
    const fromB = ccp(await at(b), 'a');
    expect(fromB.routes).toBe(1);
    expect(fromB.syncReceived).toBeGreaterThanOrEqual(1);

    // heartbeats: updates keep arriving every broadcast interval with no change in the table
    await waitFor(async () => ccp(await at(a), 'b').received > first.received, 20_000, 'a heartbeat from b');

    // the link drops: a's routes from b go, and once it is back each side sends a fresh SYNC
    const before = ccp(await at(a), 'b');
    expect(a.dropPeerConnection('b')).toBe(true);
    await waitFor(
      async () => {
        const now = ccp(await at(a), 'b');
        return learned(a, 'g.b') && now.syncSent > before.syncSent && now.syncReceived > before.syncReceived && now.routes === 1;
      },
      20_000,
      'a asks b for SYNC again, b asks a, and a learns g.b again',
    );
    expect(ccp(await at(a), 'nobody')).toEqual({ routes: undefined, received: 0, sent: 0, syncSent: 0, syncReceived: 0 });
  });
});
