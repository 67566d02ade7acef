/**
 * The CcpHost of a ConnectorNode: learned routes go into its RoutingTable as source 'ccp' (one entry
 * per prefix and announcing peer, below every static route of the prefix), CCP messages go straight
 * to the peer's link (they are not payments and never pass the packet pipeline).
 */
import type { RoutingTable } from '../routing-table.js';
import type { Peer } from '../../peers.js';
import type { CcpHost, CcpPeer } from './types.js';

export interface NodeHostDeps {
  routes: RoutingTable;
  peer(id: string): Peer | undefined;
  address(): string;
}

export function createNodeCcpHost(d: NodeHostDeps): CcpHost {
  const view = (p: Peer | undefined): CcpPeer | undefined =>
    p && { id: p.id, relation: p.relation, connected: p.connected, sendRoutes: p.spec.sendRoutes, receiveRoutes: p.spec.receiveRoutes };
  return {
    address: () => d.address(),
    peer: (id) => view(d.peer(id)),
    staticRoutes: () => d.routes.list().filter((r) => r.source !== 'ccp'),
    send: (peerId, prepare, deadline) =>
      new Promise<Buffer>((resolve, reject) => {
        const peer = d.peer(peerId);
        if (!peer) return reject(new Error(`peer ${peerId} is not configured`));
        peer.send(prepare, deadline, (err, ilp) => {
          if (err) reject(err);
          else if (!ilp) reject(new Error(`${peerId} answered without an ILP packet`));
          else resolve(ilp);
        });
      }),
    learned: {
      set: (r) => d.routes.add({ prefix: r.prefix, nextHop: r.nextHop, priority: 0, source: 'ccp', path: r.path, learnedAt: r.learnedAt }),
      withdraw: (prefix, nextHop) => {
        d.routes.removeOne(prefix, nextHop, 'ccp');
      },
    },
  };
}
