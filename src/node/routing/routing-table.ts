/**
 * The routing table: segment-aware longest-prefix match over ILP addresses (the rules are written
 * down in ./README.md).
 *
 * Lookup walks the destination's own prefixes from longest to shortest ("g.a.b.c", "g.a.b", "g.a",
 * "g"), one Map probe each, so its cost grows with the number of segments, not with the table. The
 * first prefix that has routes decides: its candidates are kept sorted (static before learned, then
 * priority, relation, path length) and the first whose next hop is up wins. A down next hop never
 * sends the packet to a shorter prefix: a parent's default route could send it straight back.
 */
import type { PeerRelation, RouteInfo } from '../types.js';

/** nextHop of a route that delivers to the local agent. */
export const LOCAL = 'local';

export type RouteSource = NonNullable<RouteInfo['source']>;
/** Sources of static routes (written by people or implied by our own address and children). */
export type StaticSource = Exclude<RouteSource, 'ccp'>;
/** The source of learned routes (route broadcast, CCP). */
export const LEARNED: RouteSource = 'ccp';

export interface Route {
  readonly prefix: string;
  /** a peer id, or LOCAL */
  readonly nextHop: string;
  /** Among static routes for one prefix the higher priority wins; learned routes have 0. */
  readonly priority: number;
  readonly source: RouteSource;
  /** Learned routes: the node ids the route announcement crossed (shorter wins). */
  readonly path?: readonly string[];
  /** Learned routes: the relation the speaker was given when it was learned (else the peer's own). */
  readonly relation?: PeerRelation;
  /** Learned routes: ms epoch of the last announcement or refresh. */
  readonly learnedAt?: number;
}

/** A static route as added by config, the admin API or the node itself. */
export interface StaticRoute {
  readonly prefix: string;
  readonly nextHop: string;
  readonly priority: number;
  readonly source: StaticSource;
}

/** What a route speaker (CCP) tells us about one prefix it can reach. */
export interface LearnedRouteInput {
  prefix: string;
  /** Node ids the announcement crossed, nearest first; its length ranks equal routes. */
  path: readonly string[];
  /** Defaults to the peer's configured relation. */
  relation?: PeerRelation;
  /** ms epoch of the announcement (default: now). */
  learnedAt?: number;
}

const relationRank: Record<PeerRelation, number> = { child: 3, peer: 2, parent: 1 };

export class RoutingTable {
  private readonly byPrefix = new Map<string, Route[]>();
  private defaultRoute: string | undefined;

  /**
   * @param relationOf a peer's relation (ranks routes: child > peer > parent)
   * @param isUp whether a peer can take a packet now; a down next hop is skipped for the next
   *   candidate of the same prefix (default: every hop is up)
   */
  constructor(
    private readonly relationOf: (peerId: string) => PeerRelation | undefined = () => undefined,
    private readonly isUp: (peerId: string) => boolean = () => true,
  ) {}

  /**
   * Adds (or replaces: same prefix, same nextHop, both learned or both static) a route. Static routes
   * come from the control plane; learned ones should come through `addLearned`.
   */
  add(route: StaticRoute | Route): void {
    this.put(route);
  }

  /**
   * Adds or refreshes a route learned from `peerId` (CCP). It never replaces a static route: static
   * routes for the same prefix rank first. Returns true when the prefix had no route from this peer.
   */
  addLearned(peerId: string, route: LearnedRouteInput): boolean {
    const had = this.byPrefix.get(route.prefix)?.some((r) => r.source === LEARNED && r.nextHop === peerId) === true;
    this.put({
      prefix: route.prefix,
      nextHop: peerId,
      priority: 0,
      source: LEARNED,
      path: [...route.path],
      learnedAt: route.learnedAt ?? Date.now(),
      ...(route.relation === undefined ? {} : { relation: route.relation }),
    });
    return !had;
  }

  /** Withdraws the route for `prefix` learned from `peerId`; false when there was none. */
  withdrawLearned(peerId: string, prefix: string): boolean {
    return this.removeOne(prefix, peerId, LEARNED);
  }

  /** Removes the route for `prefix` via `nextHop` from `source`; true when there was one. */
  removeOne(prefix: string, nextHop: string, source: RouteSource): boolean {
    const list = this.byPrefix.get(prefix);
    if (!list) return false;
    const keep = list.filter((r) => !(r.nextHop === nextHop && r.source === source));
    if (keep.length === list.length) return false;
    this.setList(prefix, keep);
    return true;
  }

  /** Withdraws every route learned from `peerId` (its session ended or expired); returns their prefixes. */
  withdrawAllLearned(peerId: string): string[] {
    return this.removeNextHop(peerId, [LEARNED]);
  }

  /** The routes learned from `peerId`. */
  learnedFrom(peerId: string): Route[] {
    return this.list().filter((r) => r.source === LEARNED && r.nextHop === peerId);
  }

  /** Removes every route for `prefix` (optionally only those from `source`). Returns how many went. */
  remove(prefix: string, source?: RouteSource): number {
    const list = this.byPrefix.get(prefix);
    if (!list) return 0;
    const keep = source ? list.filter((r) => r.source !== source) : [];
    this.setList(prefix, keep);
    return list.length - keep.length;
  }

  /** Removes every route whose next hop is `peerId` (optionally only from `sources`); returns their prefixes. */
  removeNextHop(peerId: string, sources?: readonly RouteSource[]): string[] {
    const removed: string[] = [];
    for (const [prefix, list] of [...this.byPrefix]) {
      const keep = list.filter((r) => r.nextHop !== peerId || (sources !== undefined && !sources.includes(r.source)));
      if (keep.length === list.length) continue;
      removed.push(prefix);
      this.setList(prefix, keep);
    }
    return removed;
  }

  /** Re-ranks every prefix (after a peer's relation changed). */
  resort(): void {
    for (const list of this.byPrefix.values()) list.sort((a, b) => this.compare(a, b));
  }

  /** The parent used when no prefix matches (undefined: none). */
  setDefault(peerId: string | undefined): void {
    this.defaultRoute = peerId;
  }

  get defaultNextHop(): string | undefined {
    return this.defaultRoute;
  }

  has(prefix: string): boolean {
    return this.byPrefix.has(prefix);
  }

  /**
   * The next hop for `destination`: the first candidate that is up for the longest prefix that has
   * routes; when none of them is up, the best of them (so the caller's T01 names it). Without a
   * matching prefix, the parent default; undefined when there is none either.
   */
  lookup(destination: string): string | undefined {
    let candidate = destination;
    for (;;) {
      const list = this.byPrefix.get(candidate);
      if (list !== undefined) return list.length === 1 ? list[0].nextHop : this.firstUp(list);
      const dot = candidate.lastIndexOf('.');
      if (dot <= 0) return this.defaultRoute;
      candidate = candidate.slice(0, dot);
    }
  }

  /** The candidates for `destination` in the order lookup tries them (empty: only the default, if any). */
  candidates(destination: string): Route[] {
    let candidate = destination;
    for (;;) {
      const list = this.byPrefix.get(candidate);
      if (list !== undefined) return [...list];
      const dot = candidate.lastIndexOf('.');
      if (dot <= 0) return [];
      candidate = candidate.slice(0, dot);
    }
  }

  list(): Route[] {
    const out: Route[] = [];
    for (const list of this.byPrefix.values()) out.push(...list);
    return out.sort((a, b) => (a.prefix < b.prefix ? -1 : a.prefix > b.prefix ? 1 : this.compare(a, b)));
  }

  private firstUp(list: readonly Route[]): string {
    for (let i = 0; i < list.length; i++) {
      const hop = list[i].nextHop;
      if (hop === LOCAL || this.isUp(hop)) return hop;
    }
    return list[0].nextHop;
  }

  private put(route: Route): void {
    const learned = route.source === LEARNED;
    const list = this.byPrefix.get(route.prefix) ?? [];
    const i = list.findIndex((r) => r.nextHop === route.nextHop && (r.source === LEARNED) === learned);
    if (i >= 0) list[i] = route;
    else list.push(route);
    list.sort((a, b) => this.compare(a, b));
    this.byPrefix.set(route.prefix, list);
  }

  private setList(prefix: string, list: Route[]): void {
    if (list.length === 0) this.byPrefix.delete(prefix);
    else this.byPrefix.set(prefix, list);
  }

  /** Static before learned; then priority (higher first); then local > child > peer > parent; then shorter path. */
  private compare(a: Route, b: Route): number {
    const la = a.source === LEARNED ? 1 : 0;
    const lb = b.source === LEARNED ? 1 : 0;
    if (la !== lb) return la - lb;
    if (a.priority !== b.priority) return b.priority - a.priority;
    const rank = this.rank(b) - this.rank(a);
    if (rank !== 0) return rank;
    const pa = a.path?.length ?? 0;
    const pb = b.path?.length ?? 0;
    if (pa !== pb) return pa - pb;
    // equal learned routes: by peer id (stable whatever order announcements arrive in); equal static
    // routes: the one added first stays first (the sort is stable)
    if (la === 1) return a.nextHop < b.nextHop ? -1 : a.nextHop > b.nextHop ? 1 : 0;
    return 0;
  }

  private rank(r: Route): number {
    if (r.nextHop === LOCAL) return 4;
    return relationRank[r.relation ?? this.relationOf(r.nextHop) ?? 'parent'];
  }
}
