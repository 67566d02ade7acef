/**
 * Test helpers for the dashboard: a source backed by the core's real EventStream (so batching and
 * snapshots behave as in the node) with a peer list and health the test controls, and event inputs.
 */
import { EventStream, type NodeEventInput } from '../../src/node/events.js';
import type { DashboardPeer, DashboardSource } from '../../src/tui/source.js';

// Frames show local times: make them the same everywhere.
process.env.TZ = 'UTC';

/** 2025-01-02 03:04:05 UTC */
export const T0 = Date.UTC(2025, 0, 2, 3, 4, 5);

export class FakeSource implements DashboardSource {
  readonly events: EventStream;
  peers: DashboardPeer[] = [];
  uptime = 0;
  status = 'healthy';
  ilpAddress: string;
  /** the node's asset (`agent`'s) and any other account's; unset: amounts show as units */
  accountAsset?: (account: string) => { code: string; scale: number };

  constructor(readonly nodeId = 'hub', ilpAddress = 'g.hub') {
    this.events = new EventStream(nodeId);
    this.ilpAddress = ilpAddress;
  }

  listPeers(): readonly DashboardPeer[] {
    return this.peers;
  }

  health() {
    return { uptime: this.uptime, status: this.status as 'healthy' };
  }

  /** Emits and delivers at once (the stream otherwise delivers on the next turn). */
  emit(...inputs: NodeEventInput[]): void {
    for (const i of inputs) this.events.emit(i);
    this.events.flushNow();
  }
}

export const peer = (id: string, extra: Partial<DashboardPeer> = {}): DashboardPeer => ({
  id,
  relation: 'child',
  connected: true,
  balance: '0',
  creditLimit: '1000000',
  ...extra,
});

let n = 0;
const nextId = () => `p${++n}`;

export const prepared = (extra: Partial<{ from: string; destination: string; amount: string; packetId: string }> = {}): NodeEventInput => ({
  type: 'packet:prepared',
  packetId: extra.packetId ?? nextId(),
  from: 'alice',
  destination: 'g.hub.bob',
  amount: '1000',
  ...extra,
});

export const fulfilled = (extra: Partial<{ from: string; to: string; destination: string; amount: string; latencyMs: number; packetId: string }> = {}): NodeEventInput => ({
  type: 'packet:fulfilled',
  packetId: extra.packetId ?? nextId(),
  from: 'alice',
  to: 'bob',
  destination: 'g.hub.bob',
  amount: '1000',
  amountOut: '999',
  fee: '1',
  latencyMs: 3,
  ...extra,
});

export const rejected = (
  code: string,
  extra: Partial<{ from: string; to: string; destination: string; amount: string; latencyMs: number; packetId: string }> = {},
): NodeEventInput => ({
  type: 'packet:rejected',
  packetId: extra.packetId ?? nextId(),
  from: 'alice',
  destination: 'g.nowhere',
  amount: '5',
  code,
  message: 'no route',
  triggeredBy: 'g.hub',
  latencyMs: 1,
  ...extra,
});

export const stats = (extra: Partial<{ packetsIn: number; fulfilledPerSec: number; rejectedPerSec: number; inFlight: number; totalFulfilled: number; totalRejected: number }> = {}): NodeEventInput => ({
  type: 'node:stats',
  packetsIn: 0,
  fulfilledPerSec: 0,
  rejectedPerSec: 0,
  inFlight: 0,
  totalFulfilled: 0,
  totalRejected: 0,
  ...extra,
});

/** Polls until `fn` returns something truthy (no fixed sleeps). Uses the monotonic clock: tests fake Date. */
export async function until<T>(fn: () => T, label: string | (() => string), timeoutMs = 60_000): Promise<NonNullable<T>> {
  const start = performance.now();
  for (;;) {
    const v = fn();
    if (v) return v;
    if (performance.now() - start > timeoutMs) throw new Error(`timed out waiting for ${typeof label === 'string' ? label : label()}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
