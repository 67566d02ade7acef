/**
 * The line the ILP-over-HTTP peer tests pay along: a sender node u ──BTP── node a ──HTTP── peers of a
 * that a test plays with its own HTTP servers, so it sees what a makes of each answer.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:http';
import { waitFor, type Harness } from '../helpers/node.js';
import { computeConditionFromData, type ConnectorNode } from '../../src/index.js';

/** Listens on 127.0.0.1, port 0; resolves the port. */
export function listen(s: Server): Promise<number> {
  return new Promise((r) => s.listen(0, '127.0.0.1', () => r((s.address() as AddressInfo).port)));
}

/** A port nothing listens on: one bound, then closed. */
export async function closedPort(): Promise<number> {
  const gone = createServer();
  const port = await listen(gone);
  await new Promise<void>((r) => gone.close(() => r()));
  return port;
}

/** An ILP-over-HTTP peer of a: a's outgoing token is `<id>-out`, the peer's `<id>-in`. */
export interface HttpPeer {
  id: string;
  /** The peer's ILP endpoint, e.g. http://127.0.0.1:<port>/ilp */
  url: string;
  /** Routed to this peer (e.g. g.z). */
  prefix: string;
}

export interface LineOptions {
  peers: readonly HttpPeer[];
  /** a's `http` config besides `enabled: true, port: 0` (e.g. downAfterFailures). */
  http?: Record<string, unknown>;
  /** u's credit limit at a. */
  creditLimit: string;
  /** ms until each Prepare pay sends expires (default 20 000). */
  expiryMs?: number;
}

export interface Line {
  a: ConnectorNode;
  u: ConnectorNode;
  /** u sends one Prepare of `amount` (default 10) to `destination`, with fresh data and its condition. */
  pay(destination: string, amount?: bigint): ReturnType<ConnectorNode['sendPacket']>;
}

/** Starts a (with its HTTP peers, routing off) and u (routing everything to a), and waits for u to connect. */
export async function startLine(h: Harness, o: LineOptions): Promise<Line> {
  const a = h.node({
    nodeId: 'a',
    http: { enabled: true, port: 0, ...o.http },
    routing: { enabled: false },
    peers: [
      { id: 'u', authToken: 'u-and-a', creditLimit: o.creditLimit },
      ...o.peers.map((p) => ({ id: p.id, transport: 'http', http: { url: p.url, incomingToken: `${p.id}-in`, outgoingToken: `${p.id}-out` } })),
    ],
    routes: o.peers.map((p) => ({ prefix: p.prefix, nextHop: p.id })),
  } as never);
  await a.start();
  const u = h.node({
    nodeId: 'u',
    routing: { enabled: false },
    peers: [{ id: 'a', authToken: 'u-and-a', url: `ws://127.0.0.1:${a.btpPort}` }],
    routes: [{ prefix: 'g', nextHop: 'a' }],
  });
  await u.start();
  await waitFor(() => u.listPeers().find((p) => p.id === 'a')?.connected, 30_000, 'u connects to a');
  const expiryMs = o.expiryMs ?? 20_000;
  return {
    a,
    u,
    pay(destination, amount = 10n) {
      const data = Buffer.from(`to ${destination} ${Math.random()}`);
      return u.sendPacket({ destination, amount, executionCondition: computeConditionFromData(data).condition, expiresAt: new Date(Date.now() + expiryMs), data });
    },
  };
}
