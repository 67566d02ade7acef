/**
 * An in-test NodeApi: the HTTP tests are about request and response shapes, so a small object with
 * recorded calls stands in for ConnectorNode here (the connector's own tests drive the real node).
 */
import { NotFoundError, appError } from '../../../src/errors/index.js';
import type { PeerPatch } from '../../../src/node/control/control-plane.js';
import type { NodeApi } from '../../../src/node/http/node-api.js';
import { EventStream } from '../../../src/node/events.js';
import type {
  HealthReport,
  IlpSendRequest,
  IlpSendResponse,
  PeerInfo,
  PeerRegistrationRequest,
  RouteInfo,
} from '../../../src/node/types.js';

export interface FakeNode extends NodeApi {
  ready: boolean;
  report: HealthReport;
  peers: PeerInfo[];
  routes: RouteInfo[];
  registered: PeerRegistrationRequest[];
  updated: { peerId: string; patch: PeerPatch }[];
  sent: IlpSendRequest[];
  sendResult: IlpSendResponse;
}

export function healthReport(status: HealthReport['status'], reasons: string[] = []): HealthReport {
  return {
    status,
    uptime: 12,
    peersConnected: 1,
    totalPeers: 2,
    timestamp: new Date(0).toISOString(),
    nodeId: 'alice',
    ilpAddress: 'g.alice',
    version: '0.1.0',
    checks: { ledger: true, btp: true, peers: [{ id: 'bob', connected: true }, { id: 'carol', connected: false }] },
    reasons,
  };
}

function peer(id: string, connected: boolean): PeerInfo {
  return { id, relation: 'peer', connected, direction: 'outbound', url: `ws://${id}:3000`, ilpAddresses: [`g.${id}`], routeCount: 1, balance: '0' };
}

export function createFakeNode(): FakeNode {
  const node: FakeNode = {
    nodeId: 'alice',
    ilpAddress: 'g.alice',
    version: '0.1.0',
    events: new EventStream('alice'),
    ready: true,
    report: healthReport('healthy'),
    peers: [peer('bob', true), peer('carol', false)],
    routes: [
      { prefix: 'g.bob', nextHop: 'bob', priority: 0, source: 'config' },
      { prefix: 'g.carol', nextHop: 'carol', priority: 0, source: 'config' },
    ],
    registered: [],
    updated: [],
    sent: [],
    sendResult: { accepted: true, fulfilled: true, fulfillment: Buffer.alloc(32, 7).toString('base64'), packetId: 'pkt-1' },
    health: () => node.report,
    isReady: () => node.ready,
    listPeers: () => node.peers,
    registerPeer(request, opts) {
      const existing = node.peers.find((p) => p.id === request.id);
      if (existing && opts?.replace !== true) return Promise.reject(appError('PEER_EXISTS', { peerId: request.id }));
      node.registered.push(request);
      const info = existing ?? peer(request.id, false);
      if (!existing) node.peers.push(info);
      for (const r of request.routes ?? []) node.routes.push({ prefix: r.prefix, nextHop: request.id, priority: r.priority ?? 0, source: 'runtime' });
      return Promise.resolve({ peer: info, created: !existing });
    },
    updatePeer(peerId, patch) {
      const existing = node.peers.find((p) => p.id === peerId);
      if (!existing) return Promise.reject(new NotFoundError('PEER_NOT_FOUND', { peerId }));
      node.updated.push({ peerId, patch });
      const changed = Object.keys(patch).filter((k) => (patch as Record<string, unknown>)[k] !== undefined);
      if (patch.relation !== undefined) existing.relation = patch.relation;
      if (patch.creditLimit !== undefined) existing.creditLimit = String(patch.creditLimit);
      return Promise.resolve({ peer: existing, changed });
    },
    removePeer(peerId, removeRoutes = true) {
      if (!node.peers.some((p) => p.id === peerId)) return Promise.reject(new NotFoundError('PEER_NOT_FOUND', { peerId }));
      node.peers = node.peers.filter((p) => p.id !== peerId);
      const removed = removeRoutes ? node.routes.filter((r) => r.nextHop === peerId).map((r) => r.prefix) : [];
      node.routes = node.routes.filter((r) => !removed.includes(r.prefix));
      return Promise.resolve({ peerId, removedRoutes: removed, ...(peerId === 'bob' ? { warning: 'Peer bob still owes 5: its account is kept' } : {}) });
    },
    listRoutes: () => node.routes,
    addRoute(route) {
      const info: RouteInfo = { prefix: route.prefix, nextHop: route.nextHop, priority: route.priority ?? 0, source: 'runtime' };
      node.routes.push(info);
      const known = route.nextHop === 'local' || node.peers.some((p) => p.id === route.nextHop);
      return Promise.resolve({ route: info, ...(known ? {} : { warning: `Next hop ${route.nextHop} is not a known peer` }) });
    },
    removeRoute(prefix) {
      const before = node.routes.length;
      node.routes = node.routes.filter((r) => r.prefix !== prefix);
      return Promise.resolve(node.routes.length < before);
    },
    getBalance(peerId) {
      if (!node.peers.some((p) => p.id === peerId)) throw new NotFoundError('PEER_NOT_FOUND', { peerId });
      return { peerId, balances: [{ tokenId: 'USD', assetCode: 'USD', assetScale: 9, debitBalance: '0', creditBalance: '250', netBalance: '250' }] };
    },
    getAccounts: () => [
      { account: 'peer:bob', balance: '250', assetCode: 'USD', assetScale: 9, reserved: '0' },
      { account: 'agent', balance: '-250', assetCode: 'USD', assetScale: 9 },
    ],
    sendIlp(request) {
      node.sent.push(request);
      return Promise.resolve(node.sendResult);
    },
  };
  return node;
}
