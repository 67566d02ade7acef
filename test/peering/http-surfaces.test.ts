/**
 * HTTP peers on the operator's surfaces like BTP peers: the explorer's /api/peers (what its peers
 * table draws) and the TUI's peers pane show the transport, up or down, and the request counts and
 * failures; the explorer's routes list shows learned routes with their path and source.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Harness, waitFor } from '../helpers/node.js';
import { computeConditionFromData, IlpPacketType, type ConnectorNode } from '../../src/index.js';
import type { PeerInfo, RouteInfo } from '../../src/node/types.js';
import { createStore, refreshPeers } from '../../src/tui/store/dashboard-store.js';
import { peerSegments } from '../../src/tui/components/peers-pane/peer-row.js';

const h = new Harness();
afterEach(() => h.cleanup(), 30_000);

function pay(from: ConnectorNode, destination: string, timeoutMs = 20_000) {
  const data = Buffer.from(`to ${destination} ${Math.random()}`);
  return from.sendPacket({ destination, amount: 10n, executionCondition: computeConditionFromData(data).condition, expiresAt: new Date(Date.now() + timeoutMs), data });
}

describe('HTTP peers in the explorer and the TUI', () => {
  it('shows transport, up/down and request counts; learned routes with path and source', async () => {
    const routing = { broadcastIntervalMs: 200, holdDownMs: 5000 };
    const b = h.node({ nodeId: 'b', http: { enabled: true, port: 0 }, routing, peers: [{ id: 'a', transport: 'http', http: { incomingToken: 'a-to-b' }, creditLimit: '1000000' }] } as never);
    b.setPacketHandler(() => ({ accept: true }));
    await b.start();
    // a dead end for the failure count: a server that answers 503
    const broken: Server = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(503).end('down for maintenance'));
    });
    await new Promise<void>((r) => broken.listen(0, '127.0.0.1', r));
    h.onCleanup(() => new Promise<void>((r) => broken.close(() => r())));
    const a = h.node({
      nodeId: 'a',
      http: { enabled: true, port: 0, downAfterFailures: 1 },
      routing,
      explorer: { enabled: true, port: 0 },
      peers: [
        { id: 'b', transport: 'http', http: { url: `http://127.0.0.1:${b.endpoints.ilpHttp}/ilp/a`, incomingToken: 'b-to-a', outgoingToken: 'a-to-b' } },
        { id: 'z', transport: 'http', http: { url: `http://127.0.0.1:${(broken.address() as AddressInfo).port}/ilp`, incomingToken: 'z-in', outgoingToken: 'z-out' }, relation: 'child' },
      ],
      routes: [{ prefix: 'g.z', nextHop: 'z' }],
    } as never);
    await a.start();
    await b.updatePeer('a', { http: { url: `http://127.0.0.1:${a.endpoints.ilpHttp}/ilp/b`, incomingToken: 'a-to-b', outgoingToken: 'b-to-a' } });
    await waitFor(() => a.listRoutes().some((r) => r.prefix === 'g.b' && r.source === 'ccp'), 20_000, 'a learns g.b');
    for (let i = 0; i < 3; i++) expect((await pay(a, 'g.b.x')).type).toBe(IlpPacketType.Fulfill);
    expect(await pay(a, 'g.z.x')).toMatchObject({ code: 'T00' });

    const explorer = a.endpoints.explorer!;
    const { peers } = (await (await fetch(`${explorer}/api/peers`)).json()) as { peers: PeerInfo[] };
    const pb = peers.find((p) => p.id === 'b')!;
    const pz = peers.find((p) => p.id === 'z')!;
    expect(pb).toMatchObject({ transport: 'http', connected: true });
    // three payments and the route broadcast's own requests went out; none failed
    expect(pb.http!.sent).toBeGreaterThanOrEqual(3);
    expect(pb.http).toMatchObject({ failed: 0 });
    expect(pb.http!.received).toBeGreaterThan(0);
    expect(pz).toMatchObject({ transport: 'http', connected: false, http: { sent: 1, failed: 1, received: 0, refused: 0 } });

    const routes = (await (await fetch(`${explorer}/api/routes`)).json()) as { routes: RouteInfo[] } | RouteInfo[];
    const list = Array.isArray(routes) ? routes : routes.routes;
    expect(list.find((r) => r.prefix === 'g.b' && r.source === 'ccp')).toMatchObject({ nextHop: 'b', path: ['g.b'] });

    // the TUI's peers pane, fed the same peer list
    const store = createStore(a.events.snapshot(), 'g.a');
    refreshPeers(store, a.listPeers());
    const row = (id: string) => peerSegments(store.peers.get(id)!, 160).map((s) => s.text).join('');
    expect(row('b')).toMatch(/^up\s+b\s.*http out \d+ · in \d+/);
    expect(row('z')).toMatch(/^down\s+z\s.*http out 1 \(1 failed\) · in 0/);
  });
});
