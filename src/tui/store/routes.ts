/**
 * The routes the routes pane lists: static ones (config and runtime) and those learned by route
 * broadcast (CCP), re-read from the node about once a second. Implicit routes (our own address, our
 * children) are left out: the peers pane shows the children already.
 */
import type { DashboardRoute } from '../source.js';

export interface RouteState {
  readonly prefix: string;
  readonly nextHop: string;
  readonly source: 'static' | 'ccp';
  /** learned routes: the connectors it passes, nearest first; static: empty */
  readonly path: readonly string[];
  /** learned routes: ms since the epoch when its speaker last announced or refreshed it */
  readonly since?: number;
}

/** What the store keeps of the routes. */
export interface RoutesStore {
  routes: readonly RouteState[];
  /** set when the list changed, so the store's version is bumped once */
  key: string;
}

/**
 * The routes to show, from the node's list read at `now`: by prefix, static before learned; a learned
 * route's age becomes the time it was announced.
 */
export function routesFrom(list: readonly DashboardRoute[], now: number): RouteState[] {
  const out: RouteState[] = [];
  for (const r of list) {
    if (r.source === 'implicit') continue;
    const learned = r.source === 'ccp';
    out.push({
      prefix: r.prefix,
      nextHop: r.nextHop,
      source: learned ? 'ccp' : 'static',
      path: learned ? [...(r.path ?? [])] : [],
      ...(learned && r.ageMs !== undefined ? { since: now - r.ageMs } : {}),
    });
  }
  return out.sort((a, b) => (a.prefix === b.prefix ? (a.source === b.source ? a.nextHop.localeCompare(b.nextHop) : a.source === 'static' ? -1 : 1) : a.prefix.localeCompare(b.prefix)));
}

/** Replaces the list; true when it changed (times to the second: the node's clock and ours differ by a few ms). */
export function replaceRoutes(s: RoutesStore, routes: RouteState[]): boolean {
  const key = routes.map((r) => `${r.prefix} ${r.nextHop} ${r.source} ${r.path.join(',')} ${r.since === undefined ? '' : Math.round(r.since / 1000)}`).join('\n');
  if (key === s.key) return false;
  s.routes = routes;
  s.key = key;
  return true;
}
