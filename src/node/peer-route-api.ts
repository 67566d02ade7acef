/**
 * The peer and route part of ConnectorNode's library API (the seed's `registerPeer`, and adding,
 * changing, removing and listing peers and routes). Every change goes through the ControlPlane
 * (./control), the one owner of peer and route changes; this class only exposes it on the node.
 */
import { ConnectorNotStartedError } from '../errors/index.js';
import type { ControlPlane, PeerPatch } from './control/control-plane.js';
import type { PeerField } from './control/validate.js';
import type { PeerSet } from './peers.js';
import type { RoutingTable } from './routing/routing-table.js';
import type { PeerInfo, PeerRegistrationRequest, RemovePeerResult, RouteInfo } from './types.js';

export abstract class PeerRouteApi {
  /** The one owner of peer and route changes. */
  abstract readonly controlPlane: ControlPlane;
  protected abstract readonly peers: PeerSet;
  protected abstract readonly routes: RoutingTable;
  abstract get isStarted(): boolean;

  /**
   * Adds a peer at runtime, or replaces the one with its id (the seed's registerPeer; persisted in the
   * data directory). The admin API's `POST /admin/peers` refuses an existing id unless `?replace=true`.
   */
  async registerPeer(request: PeerRegistrationRequest): Promise<PeerInfo> {
    return (await this.addPeer(request, { replace: true })).peer;
  }

  /** Adds a peer; an existing id is PEER_EXISTS unless `replace`. */
  addPeer(request: PeerRegistrationRequest, opts: { replace?: boolean } = {}): Promise<{ peer: PeerInfo; created: boolean }> {
    this.requireStarted('addPeer');
    return this.controlPlane.addPeer(request, opts);
  }

  /** Changes only the given fields of a peer (persisted). */
  updatePeer(peerId: string, patch: PeerPatch): Promise<{ peer: PeerInfo; changed: PeerField[] }> {
    this.requireStarted('updatePeer');
    return this.controlPlane.updatePeer(peerId, patch);
  }

  /** Removes a peer (its ledger account is kept; a non-zero balance draws a warning). */
  removePeer(peerId: string, removeRoutes = true): Promise<RemovePeerResult> {
    this.requireStarted('removePeer');
    return this.controlPlane.removePeer(peerId, removeRoutes);
  }

  listPeers(): PeerInfo[] {
    return this.controlPlane.listPeers();
  }

  listRoutes(): RouteInfo[] {
    return this.controlPlane.listRoutes();
  }

  /** Adds a route at runtime (persisted). Returns a warning when nextHop names no known peer. */
  addRoute(route: { prefix: string; nextHop: string; priority?: number }): Promise<{ route: RouteInfo; warning?: string }> {
    return this.controlPlane.addRoute(route);
  }

  /** Removes every route for `prefix`; false when there was none. */
  removeRoute(prefix: string): Promise<boolean> {
    return this.controlPlane.removeRoute(prefix);
  }

  /** The routing table itself (route speakers such as CCP add and withdraw learned routes on it). */
  get routingTable(): RoutingTable {
    return this.routes;
  }

  /** Drops a peer's socket at once (tests and operators); a dialled peer reconnects. */
  dropPeerConnection(peerId: string): boolean {
    const peer = this.peers.get(peerId);
    if (!peer?.link) return false;
    peer.link.socket.terminate();
    return true;
  }

  protected requireStarted(method: string): void {
    if (!this.isStarted) throw new ConnectorNotStartedError(method);
  }
}
