/**
 * The routing table: segment-aware longest-prefix match over ILP addresses.
 *
 * Lookup walks the destination's own prefixes from longest to shortest ("g.a.b.c", "g.a.b", "g.a",
 * "g"), one Map probe each, so its cost grows with the number of segments, not with the table.
 * Among routes for the same prefix, configured and implicit ones come first (higher priority, then
 * child > peer > parent); routes learned by CCP (source 'ccp') come after them (child > peer > parent,
 * then the shorter path), so a learned route never displaces a static one of the same prefix.
 */
import type { PeerRelation, RouteInfo } from '../types.js';

/** nextHop of a route that delivers to the local agent. */
export const LOCAL = 'local';

export type RouteSource = NonNullable<RouteInfo['source']>;

export interface Route {
  readonly prefix: string;
  /** a peer id, or LOCAL */
  readonly nextHop: string;
  readonly priority: number;
  readonly source: RouteSource;
  /** learned routes: the CCP path, nearest connector first */
  readonly path?: readonly string[];
  /** learned routes: ms epoch of the last announcement or refresh */
  readonly learnedAt?: number;
}

const learned = (r: Route): boolean => r.source === 'ccp';

const relationRank: Record<PeerRelation, number> = { child: 3, peer: 2, parent: 1 };

export class RoutingTable {
  private readonly byPrefix = new Map<string, Route[]>();
  private defaultRoute: string | undefined;

  constructor(private readonly relationOf: (peerId: string) => PeerRelation | undefined = () => undefined) {}

  /** Adds (or replaces: same prefix, same nextHop, both learned or both not) a route. */
  add(route: Route): void {
    const list = this.byPrefix.get(route.prefix) ?? [];
    const i = list.findIndex((r) => r.nextHop === route.nextHop && learned(r) === learned(route));
    if (i >= 0) list[i] = route;
    else list.push(route);
    list.sort((a, b) => this.compare(a, b));
    this.byPrefix.set(route.prefix, list);
  }

  /** Removes every route for `prefix` (optionally only those from `source`). Returns how many went. */
  remove(prefix: string, source?: RouteSource): number {
    const list = this.byPrefix.get(prefix);
    if (!list) return 0;
    const keep = source ? list.filter((r) => r.source !== source) : [];
    const removed = list.length - keep.length;
    if (keep.length === 0) this.byPrefix.delete(prefix);
    else this.byPrefix.set(prefix, keep);
    return removed;
  }

  /** Removes the route for `prefix` via `nextHop` from `source`; true when there was one. */
  removeOne(prefix: string, nextHop: string, source: RouteSource): boolean {
    const list = this.byPrefix.get(prefix);
    if (!list) return false;
    const keep = list.filter((r) => !(r.nextHop === nextHop && r.source === source));
    if (keep.length === list.length) return false;
    if (keep.length === 0) this.byPrefix.delete(prefix);
    else this.byPrefix.set(prefix, keep);
    return true;
  }

  /** Removes every route whose next hop is `peerId`; returns their prefixes. */
  removeNextHop(peerId: string, sources?: RouteSource[]): string[] {
    const removed: string[] = [];
    for (const [prefix, list] of this.byPrefix) {
      const keep = list.filter((r) => r.nextHop !== peerId || (sources !== undefined && !sources.includes(r.source)));
      if (keep.length !== list.length) removed.push(prefix);
      if (keep.length === 0) this.byPrefix.delete(prefix);
      else this.byPrefix.set(prefix, keep);
    }
    return removed;
  }

  /** The parent used when nothing else matches (undefined: none). */
  setDefault(peerId: string | undefined): void {
    this.defaultRoute = peerId;
  }

  get defaultNextHop(): string | undefined {
    return this.defaultRoute;
  }

  has(prefix: string): boolean {
    return this.byPrefix.has(prefix);
  }

  /** The best next hop for `destination`, or undefined when no route (and no parent) matches. */
  lookup(destination: string): string | undefined {
    let candidate = destination;
    for (;;) {
      const list = this.byPrefix.get(candidate);
      if (list !== undefined) return list[0].nextHop;
      const dot = candidate.lastIndexOf('.');
      if (dot <= 0) return this.defaultRoute;
      candidate = candidate.slice(0, dot);
    }
  }

  list(): Route[] {
    const out: Route[] = [];
    for (const list of this.byPrefix.values()) out.push(...list);
    return out.sort((a, b) => (a.prefix < b.prefix ? -1 : a.prefix > b.prefix ? 1 : this.compare(a, b)));
  }

  private compare(a: Route, b: Route): number {
    if (learned(a) !== learned(b)) return learned(a) ? 1 : -1;
    if (!learned(a) && a.priority !== b.priority) return b.priority - a.priority;
    const ra = a.nextHop === LOCAL ? 4 : (relationRank[this.relationOf(a.nextHop) ?? 'parent'] ?? 0);
    const rb = b.nextHop === LOCAL ? 4 : (relationRank[this.relationOf(b.nextHop) ?? 'parent'] ?? 0);
    if (ra !== rb || !learned(a)) return rb - ra;
    const pa = a.path?.length ?? 0;
    const pb = b.path?.length ?? 0;
    return pa !== pb ? pa - pb : a.nextHop < b.nextHop ? -1 : a.nextHop > b.nextHop ? 1 : 0;
  }
}
