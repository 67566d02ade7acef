/**
 * Routes implied by who we are: our own address goes to local delivery, `<our address>.<childId>`
 * to that child, and the first parent is the default route. Rebuilt whenever peers or our address
 * change.
 */
import type { Peer } from '../peers.js';
import { LOCAL, type RoutingTable } from './routing-table.js';

/**
 * Replaces the table's implicit routes and default route.
 * @param address our ILP address, or undefined while it is not known (no implicit routes then)
 */
export function refreshImplicitRoutes(routes: RoutingTable, peers: readonly Peer[], address: string | undefined): void {
  for (const r of routes.list()) if (r.source === 'implicit') routes.remove(r.prefix, 'implicit');
  if (address !== undefined) {
    routes.add({ prefix: address, nextHop: LOCAL, priority: 0, source: 'implicit' });
    for (const p of peers) {
      if (p.relation === 'child') routes.add({ prefix: `${address}.${p.id}`, nextHop: p.id, priority: 0, source: 'implicit' });
    }
  }
  routes.setDefault(peers.find((p) => p.relation === 'parent')?.id);
}
