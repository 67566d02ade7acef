/**
 * The route broadcast service's export and recovery rules, on one CcpService with an in-memory host
 * (peers, their relations, and what the service sends them, decoded with our CCP codec):
 *
 * - export policy: by default (as ilp-connector) every best route goes to every peer whose
 *   sendRoutes is on, never back to its next hop, and routes via a peer or parent never to a parent;
 *   with `exportPolicy: valley-free`, routes via a peer or parent go to children only;
 * - a rejected route update is sent again from the same epoch, and the peer is asked for SYNC again;
 * - a peer announcing thousands of prefixes is capped at maxRoutesPerPeer with one warning line,
 *   however many updates it sends, and holds no more than the cap.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/node.js';
import { CcpService } from '../../src/node/routing/ccp/ccp-service.js';
import type { CcpHost, CcpPeer, CcpSettings, LearnedRoute } from '../../src/node/routing/ccp/types.js';
import {
  CCP_CONTROL_DESTINATION,
  CCP_UPDATE_DESTINATION,
  CcpMode,
  deserializeCcpRouteControlPayload,
  deserializeCcpRouteUpdatePayload,
  serializeCcpResponse,
  serializeCcpRouteControlPayload,
  serializeCcpRouteUpdatePayload,
  type CcpRouteUpdate,
} from '../../src/node/ilp/ccp.js';
import { deserializePrepare, serializeReject } from '../../src/node/ilp/packet.js';
import type { PeerRelation } from '../../src/node/types.js';

const T = '33333333-3333-4333-8333-333333333333';
const services: CcpService[] = [];
afterEach(() => {
  for (const s of services.splice(0)) s.stop();
});

/** One node's view: its peers, what it sent each (updates and controls), what it learned. */
class Host implements CcpHost {
  readonly peers = new Map<string, CcpPeer>();
  /** per peer: prefixes it was last told about (new minus withdrawn) */
  readonly told = new Map<string, Set<string>>();
  readonly updates: { peer: string; update: CcpRouteUpdate }[] = [];
  readonly controls: { peer: string; mode: number }[] = [];
  readonly learnedRoutes = new Map<string, LearnedRoute>();
  /** peer → how many of its next updates to reject */
  readonly rejectUpdates = new Map<string, number>();

  constructor(private readonly own: string) {}

  add(id: string, relation: PeerRelation, extra: Partial<CcpPeer> = {}): void {
    this.peers.set(id, { id, relation, connected: true, ...extra });
  }
  address(): string {
    return this.own;
  }
  peer(id: string): CcpPeer | undefined {
    return this.peers.get(id);
  }
  staticRoutes() {
    return [];
  }
  send(peerId: string, prepare: Buffer): Promise<Buffer> {
    const p = deserializePrepare(prepare);
    if (p.destination === CCP_CONTROL_DESTINATION) {
      this.controls.push({ peer: peerId, mode: deserializeCcpRouteControlPayload(p.data).mode });
      return Promise.resolve(serializeCcpResponse());
    }
    expect(p.destination).toBe(CCP_UPDATE_DESTINATION);
    const update = deserializeCcpRouteUpdatePayload(p.data);
    this.updates.push({ peer: peerId, update });
    const n = this.rejectUpdates.get(peerId) ?? 0;
    if (n > 0) {
      this.rejectUpdates.set(peerId, n - 1);
      return Promise.resolve(serializeReject({ code: 'T00', triggeredBy: peerId, message: 'busy', data: Buffer.alloc(0) }));
    }
    let told = this.told.get(peerId);
    if (!told) this.told.set(peerId, (told = new Set()));
    for (const r of update.newRoutes) told.add(r.prefix);
    for (const w of update.withdrawnRoutes) told.delete(w);
    return Promise.resolve(serializeCcpResponse());
  }
  readonly learned = {
    set: (r: LearnedRoute) => void this.learnedRoutes.set(`${r.prefix}@${r.nextHop}`, r),
    withdraw: (prefix: string, nextHop: string) => void this.learnedRoutes.delete(`${prefix}@${nextHop}`),
  };
}

function service(host: Host, settings: Partial<CcpSettings> = {}, log = pino({ level: 'silent' })): CcpService {
  const s = new CcpService(host, { enabled: true, broadcastIntervalMs: 60_000, holdDownMs: 120_000, maxRoutesPerPeer: 10_000, exportPolicy: 'all', ...settings }, log);
  services.push(s);
  s.start();
  return s;
}

/** The peer's update to us: `prefixes`, each with a path of `len` hops starting at the peer. */
function announce(s: CcpService, peerId: string, prefixes: string[], epochs: [number, number] = [0, 1]): void {
  const update: CcpRouteUpdate = {
    routingTableId: T,
    currentEpochIndex: epochs[1],
    fromEpochIndex: epochs[0],
    toEpochIndex: epochs[1],
    holdDownTime: 120_000,
    speaker: `g.${peerId}`,
    newRoutes: prefixes.map((prefix) => ({ prefix, path: [`g.${peerId}`], auth: Buffer.alloc(32), props: [] })),
    withdrawnRoutes: [],
  };
  expect(s.handle(peerId, CCP_UPDATE_DESTINATION, serializeCcpRouteUpdatePayload(update))).toBeDefined();
}

/** Each peer asks us for SYNC, as it does when its link comes up. */
function syncAll(s: CcpService, host: Host): void {
  for (const id of host.peers.keys()) {
    s.peerUp(id);
    const control = serializeCcpRouteControlPayload({ mode: CcpMode.Sync, lastKnownRoutingTableId: '00000000-0000-0000-0000-000000000000', lastKnownEpoch: 0, features: [] });
    s.handle(id, CCP_CONTROL_DESTINATION, control);
  }
}

/** A node with a parent, a peer and a child (all sending and receiving routes), each announcing its own prefix. */
async function triangle(exportPolicy: CcpSettings['exportPolicy']): Promise<Host> {
  const host = new Host('g.me');
  host.add('par', 'parent');
  host.add('pee', 'peer');
  host.add('chi', 'child', { sendRoutes: true, receiveRoutes: true });
  const s = service(host, { exportPolicy });
  syncAll(s, host);
  announce(s, 'par', ['g.par']);
  announce(s, 'pee', ['g.pee']);
  announce(s, 'chi', ['g.chi']);
  await waitFor(() => host.learnedRoutes.size === 3 && ['par', 'pee', 'chi'].every((p) => host.updates.some((u) => u.peer === p && u.update.toEpochIndex >= 3)), 20_000, 'three routes learned and announced');
  return host;
}

const told = (host: Host, peer: string) => [...(host.told.get(peer) ?? [])].sort();

describe('CcpService', () => {
  it("exports as ilp-connector by default: every best route to each peer, never back to its next hop, nothing via peers or parents to a parent", async () => {
    const host = await triangle('all');
    expect(told(host, 'chi')).toEqual(['g.par', 'g.pee']);
    expect(told(host, 'pee')).toEqual(['g.chi', 'g.par']);
    expect(told(host, 'par')).toEqual(['g.chi']);
  });

  it('exportPolicy valley-free: routes via a peer or a parent go to children only', async () => {
    const host = await triangle('valley-free');
    expect(told(host, 'chi')).toEqual(['g.par', 'g.pee']);
    expect(told(host, 'pee')).toEqual(['g.chi']);
    expect(told(host, 'par')).toEqual(['g.chi']);
  });

  it('a rejected route update is sent again from the same epoch, and the peer is asked for SYNC again', async () => {
    const host = new Host('g.me');
    host.add('pee', 'peer');
    host.add('chi', 'child', { sendRoutes: true, receiveRoutes: true });
    host.rejectUpdates.set('pee', 1);
    // a failed update is retried at the next broadcast
    const s = service(host, { broadcastIntervalMs: 300 });
    syncAll(s, host);
    const controlsBefore = host.controls.filter((c) => c.peer === 'pee').length;
    announce(s, 'chi', ['g.chi']);
    await waitFor(() => told(host, 'pee').includes('g.chi'), 20_000, 'pee told about g.chi after the rejection');
    const toPee = host.updates.filter((u) => u.peer === 'pee' && u.update.newRoutes.length > 0);
    // the rejected update and its retry start at the same epoch
    expect(toPee.length).toBeGreaterThanOrEqual(2);
    expect(toPee[1].update.fromEpochIndex).toBe(toPee[0].update.fromEpochIndex);
    const resync = host.controls.filter((c) => c.peer === 'pee').slice(controlsBefore);
    expect(resync.length).toBeGreaterThanOrEqual(1);
    expect(resync.every((c) => c.mode === CcpMode.Sync)).toBe(true);
  });

  it('caps a peer announcing thousands of prefixes at maxRoutesPerPeer, with one warning line for all its updates', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        cb();
      },
    });
    const host = new Host('g.me');
    host.add('pee', 'peer');
    const s = service(host, { maxRoutesPerPeer: 500 }, pino({ level: 'warn' }, sink));
    s.peerUp('pee');
    // 6,000 prefixes in 15 updates (an update is one Prepare: at most 32 kB of routes)
    for (let batch = 0; batch < 15; batch++) {
      announce(s, 'pee', Array.from({ length: 400 }, (_, i) => `g.flood.p${batch}-${i}`), [batch, batch + 1]);
    }
    expect(s.stats().peers.pee.routes).toBe(500);
    expect(host.learnedRoutes.size).toBe(500);
    expect(lines.filter((l) => l.includes('maxRoutesPerPeer'))).toHaveLength(1);
    expect(JSON.parse(lines[0])).toMatchObject({ peer: 'pee', maxRoutesPerPeer: 500 });
  });
});
