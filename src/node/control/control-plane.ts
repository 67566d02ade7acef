/**
 * The one owner of peers and routes at runtime. Every change (add, replace, update, remove a peer;
 * add, remove a route) goes through here, in this order:
 *
 *   validate (the config's zod schemas) → persist (runtime.json) → apply (peer set, routing table,
 *   ledger limits) → emit (peer:added|updated|removed, route:added|removed)
 *
 * All or nothing: if the persist fails nothing changes in memory; if applying fails the persisted
 * change is rolled back. Changes run one at a time, so two admin calls never interleave.
 *
 * At start, `restore` merges the config file with the runtime store: runtime changes win for the
 * same peer id or route prefix (src/config/README.md, "Runtime changes"), and one log line says so.
 */
import type { Logger } from 'pino';
import { redactUrl, type NodeConfig, type PeerConfig } from '../../config/index.js';
import { PeerNotFoundError, appError } from '../../errors/index.js';
import { accounts, type LedgerBackend } from '../../ledger/index.js';
import type { EventStream } from '../events.js';
import type { Peer, PeerSet, PeerSpec } from '../peers.js';
import { LEARNED, LOCAL, type RoutingTable } from '../routing/routing-table.js';
import type { RuntimeState, RuntimeStore } from '../runtime-store.js';
import type { PeerInfo, RemovePeerResult, RouteInfo } from '../types.js';
import { httpActivity } from '../http/http-peer-metrics.js';
import { peerAccountAssets } from '../ledger-assets.js';
import { changedFields, parsePeer, parseRoute, specToInput, type PeerField, type PeerInput } from './validate.js';

export interface ControlPlaneOptions {
  config: Pick<NodeConfig, 'nodeId' | 'peers' | 'routes' | 'assetCode' | 'assetScale' | 'settlement'>;
  peers: PeerSet;
  routes: RoutingTable;
  store: RuntimeStore;
  events: EventStream;
  logger: Logger;
  /** The open ledger (limits and balances); undefined before start. */
  ledger(): LedgerBackend | undefined;
  /** Rebuilds the routes implied by peers (own address, children, the parent default). */
  peersChanged(): void;
  /** A peer was removed (route broadcast forgets it). */
  peerRemoved?(peerId: string): void;
}

/** A peer to add, with the routes to add along with it. */
export interface AddPeerInput extends PeerInput {
  routes?: { prefix: string; priority?: number }[];
}

/** Fields of a peer to change; the others keep their value. */
export type PeerPatch = Partial<Omit<PeerInput, 'id'>>;

/** A peer of the config file as the peer set holds it. */
function configPeerSpec(p: PeerConfig, nodeAsset: { code: string; scale: number }): PeerSpec {
  return {
    id: p.id,
    url: p.url ?? p.urls?.[0],
    ...(p.urls ? { urls: [...new Set([...(p.url === undefined ? [] : [p.url]), ...p.urls])] } : {}),
    authToken: p.authToken,
    ...(p.transport === 'http' ? { transport: p.transport, http: p.http } : {}),
    relation: p.relation,
    maxPacketAmount: p.maxPacketAmount,
    creditLimit: p.creditLimit,
    settleThreshold: p.settleThreshold,
    rateLimit: p.rateLimit,
    settlement: p.settlement,
    asset: p.assetCode !== undefined || p.assetScale !== undefined ? { code: p.assetCode ?? nodeAsset.code, scale: p.assetScale ?? nodeAsset.scale } : undefined,
    sendRoutes: p.sendRoutes,
    receiveRoutes: p.receiveRoutes,
    source: 'config',
  };
}

function clone(s: RuntimeState): RuntimeState {
  return { peers: [...s.peers], removedPeers: [...s.removedPeers], routes: [...s.routes], removedRoutes: [...s.removedRoutes] };
}

export class ControlPlane {
  private state: RuntimeState;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly o: ControlPlaneOptions) {
    this.state = { peers: [], removedPeers: [], routes: [], removedRoutes: [] };
  }

  /**
   * Loads the runtime store, installs the routes (config, minus those removed at runtime, plus the
   * runtime ones) and returns the peers to start with: config peers (minus removed ones, runtime
   * versions in place of updated ones), then peers added at runtime. Logs one line on precedence.
   */
  restore(): PeerSpec[] {
    this.state = this.o.store.load();
    const { fromConfig, overridden, added, routes } = this.merged(this.state);
    for (const r of routes) this.o.routes.add(r);

    const s = this.state;
    const any = s.peers.length + s.removedPeers.length + s.routes.length + s.removedRoutes.length > 0;
    const facts = {
      store: this.o.store.file,
      peersAdded: added.map((p) => p.id),
      peersOverridden: overridden,
      peersRemoved: s.removedPeers,
      routesAdded: s.routes.map((r) => r.prefix),
      routesRemoved: s.removedRoutes,
    };
    if (any) this.o.logger.info(facts, 'runtime changes (admin API, CLI) win over the config file for the same peer id or route prefix');
    else this.o.logger.info({ store: this.o.store.file }, 'no runtime changes stored: peers and routes come from the config file');
    const specs = [...fromConfig, ...added];
    for (const spec of specs) {
      if (spec.creditLimit === undefined) this.o.logger.warn({ peer: spec.id }, 'peer has no creditLimit: it may owe us without limit');
    }
    return specs;
  }

  /** The peers and static routes of the config file with a runtime state over it (runtime wins). */
  private merged(state: RuntimeState) {
    const c = this.o.config;
    const runtimeById = new Map(state.peers.map((p) => [p.id, p]));
    const fromConfig: PeerSpec[] = [];
    const overridden: string[] = [];
    for (const p of c.peers) {
      if (state.removedPeers.includes(p.id)) continue;
      const r = runtimeById.get(p.id);
      if (r) overridden.push(p.id);
      fromConfig.push(r ?? configPeerSpec(p, { code: c.assetCode, scale: c.assetScale }));
    }
    const added = state.peers.filter((r) => !c.peers.some((p) => p.id === r.id));
    const routes = [
      ...c.routes.filter((r) => !state.removedRoutes.includes(r.prefix)).map((r) => ({ prefix: r.prefix, nextHop: this.hop(r.nextHop), priority: r.priority, source: 'config' as const })),
      ...state.routes.map((r) => ({ ...r, nextHop: this.hop(r.nextHop), source: 'runtime' as const })),
    ];
    return { fromConfig, overridden, added, routes };
  }

  /**
   * Cluster: another instance changed the runtime state (src/cluster): apply the difference here
   * (peers added, replaced or removed, static routes), emit the events; nothing is persisted again.
   */
  adopt(state: RuntimeState): Promise<void> {
    return this.serial(() => {
      const m = this.merged(state);
      const specs = [...m.fromConfig, ...m.added];
      const ids = new Set(specs.map((p) => p.id));
      for (const p of this.o.peers.all()) {
        if (ids.has(p.id)) continue;
        this.o.peers.remove(p.id);
        this.o.peerRemoved?.(p.id);
        this.o.events.emit({ type: 'peer:removed', peerId: p.id });
      }
      const key = (x: unknown) => JSON.stringify(x, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
      for (const spec of specs) {
        const cur = this.o.peers.get(spec.id);
        if (cur !== undefined && key(cur.spec) === key(spec)) continue;
        if (cur === undefined) this.install(spec);
        else this.o.peers.replace(spec);
        this.setLimits(spec);
        this.o.events.emit({ type: cur === undefined ? 'peer:added' : 'peer:updated', peerId: spec.id, relation: spec.relation });
      }
      const want = new Set(m.routes.map((r) => `${r.source} ${r.prefix} ${r.nextHop}`));
      const have = this.o.routes.list().filter((r) => r.source === 'config' || r.source === 'runtime');
      for (const r of have) {
        if (want.has(`${r.source} ${r.prefix} ${r.nextHop}`)) continue;
        this.o.routes.removeOne(r.prefix, r.nextHop, r.source);
        this.o.events.emit({ type: 'route:removed', prefix: r.prefix, nextHop: r.nextHop });
      }
      const had = new Set(have.map((r) => `${r.source} ${r.prefix} ${r.nextHop}`));
      for (const r of m.routes) {
        if (had.has(`${r.source} ${r.prefix} ${r.nextHop}`)) continue;
        this.o.routes.add(r);
        this.o.events.emit({ type: 'route:added', prefix: r.prefix, nextHop: r.nextHop });
      }
      this.state = state;
      this.o.peersChanged();
      return Promise.resolve();
    });
  }

  /** Adds a restored or configured peer without persisting (start-up). */
  install(spec: PeerSpec): void {
    this.o.peers.add(spec);
    this.setLimits(spec);
  }

  /**
   * Adds a peer. An existing id is PEER_EXISTS unless `replace`, which puts the new spec in its place
   * (its routes stay; the ones given are added).
   */
  async addPeer(input: AddPeerInput, opts: { replace?: boolean } = {}): Promise<{ peer: PeerInfo; created: boolean }> {
    const spec = parsePeer(input, this.o.config.nodeId, this.o.config);
    const routes = (input.routes ?? []).map((r, i) => parseRoute({ prefix: r.prefix, nextHop: spec.id, priority: r.priority ?? 0 }, `routes[${i}]`));
    return this.serial(async () => {
      const existing = this.o.peers.get(spec.id);
      if (existing && !opts.replace) throw appError('PEER_EXISTS', { peerId: spec.id });
      if (existing) this.keepAssetWhileOwed(existing.spec, spec);
      const next = this.withPeer(spec);
      for (const r of routes) {
        next.routes = next.routes.filter((x) => !(x.prefix === r.prefix && x.nextHop === spec.id));
        next.routes.push(r);
      }
      await this.commit(next, () => {
        this.o.peers.replace(spec);
        this.setLimits(spec);
        for (const r of routes) this.o.routes.add({ ...r, source: 'runtime' });
        if (existing && existing.relation !== spec.relation) this.o.routes.resort();
        this.o.peersChanged();
      });
      this.o.events.emit({ type: existing ? 'peer:updated' : 'peer:added', peerId: spec.id, relation: spec.relation });
      for (const r of routes) this.o.events.emit({ type: 'route:added', prefix: r.prefix, nextHop: spec.id });
      return { peer: this.peerInfo(this.o.peers.get(spec.id)!), created: !existing };
    });
  }

  /** Changes only the given fields of a peer; `changed` lists those whose value differs. */
  updatePeer(peerId: string, patch: PeerPatch): Promise<{ peer: PeerInfo; changed: PeerField[] }> {
    return this.serial(async () => {
      const existing = this.o.peers.get(peerId);
      if (!existing) throw new PeerNotFoundError(peerId);
      const given = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
      const spec = parsePeer({ ...specToInput(existing.spec), ...given, id: peerId }, this.o.config.nodeId, this.o.config);
      const changed = changedFields(existing.spec, spec);
      if (changed.length === 0) return { peer: this.peerInfo(existing), changed };
      this.keepAssetWhileOwed(existing.spec, spec);
      await this.commit(this.withPeer(spec), () => {
        this.o.peers.replace(spec);
        this.setLimits(spec);
        if (changed.includes('relation')) this.o.routes.resort();
        this.o.peersChanged();
      });
      this.o.events.emit({ type: 'peer:updated', peerId, relation: spec.relation, changed });
      return { peer: this.peerInfo(this.o.peers.get(peerId)!), changed };
    });
  }

  /** Removes a peer and (unless `removeRoutes` is false) its routes. Its ledger account is kept. */
  removePeer(peerId: string, removeRoutes = true): Promise<RemovePeerResult> {
    return this.serial(async () => {
      if (!this.o.peers.get(peerId)) throw new PeerNotFoundError(peerId);
      const c = this.o.config;
      const next = clone(this.state);
      next.peers = next.peers.filter((p) => p.id !== peerId);
      if (c.peers.some((p) => p.id === peerId) && !next.removedPeers.includes(peerId)) next.removedPeers.push(peerId);
      if (removeRoutes) {
        next.routes = next.routes.filter((r) => r.nextHop !== peerId);
        // a config prefix whose every route goes to this peer stays removed after a restart
        for (const r of c.routes) {
          const all = c.routes.filter((x) => x.prefix === r.prefix).every((x) => this.hop(x.nextHop) === peerId);
          if (this.hop(r.nextHop) === peerId && all && !next.removedRoutes.includes(r.prefix)) next.removedRoutes.push(r.prefix);
        }
      }
      let removedRoutes: string[] = [];
      await this.commit(next, () => {
        this.o.peers.remove(peerId);
        this.o.peerRemoved?.(peerId);
        // learned routes go with their speaker either way
        const learned = this.o.routes.withdrawAllLearned(peerId);
        if (removeRoutes) removedRoutes = [...new Set([...learned, ...this.o.routes.removeNextHop(peerId, ['config', 'runtime'])])];
        this.o.peersChanged();
      });
      this.o.events.emit({ type: 'peer:removed', peerId });
      for (const prefix of removedRoutes) this.o.events.emit({ type: 'route:removed', prefix, nextHop: peerId });
      const balance = this.o.ledger()?.balance(accounts.peer(peerId)) ?? 0n;
      const warning = balance !== 0n ? `peer ${peerId} still has a balance of ${balance}; its ledger account is kept` : undefined;
      if (warning) this.o.logger.warn({ peer: peerId, balance: balance.toString() }, 'removed a peer with a non-zero balance');
      return { peerId, removedRoutes, ...(warning === undefined ? {} : { warning }) };
    });
  }

  /** Adds a static route (persisted). `warning` is set when nextHop names no known peer. */
  async addRoute(input: { prefix: string; nextHop: string; priority?: number }): Promise<{ route: RouteInfo; warning?: string }> {
    const parsed = parseRoute(input);
    const route = { ...parsed, nextHop: this.hop(parsed.nextHop) };
    return this.serial(async () => {
      const next = clone(this.state);
      next.routes = next.routes.filter((r) => !(r.prefix === route.prefix && r.nextHop === route.nextHop));
      next.routes.push(route);
      next.removedRoutes = next.removedRoutes.filter((p) => p !== route.prefix);
      await this.commit(next, () => this.o.routes.add({ ...route, source: 'runtime' }));
      this.o.events.emit({ type: 'route:added', prefix: route.prefix, nextHop: route.nextHop });
      const known = route.nextHop === LOCAL || this.o.peers.get(route.nextHop) !== undefined;
      const warning = known ? undefined : `nextHop ${route.nextHop} is not a known peer yet`;
      return { route: { ...route, source: 'runtime' as const }, ...(warning === undefined ? {} : { warning }) };
    });
  }

  /** Removes every static route for `prefix`; false when there was none. */
  removeRoute(prefix: string): Promise<boolean> {
    return this.serial(async () => {
      const routes = this.o.routes.list().filter((r) => r.prefix === prefix && (r.source === 'config' || r.source === 'runtime'));
      if (routes.length === 0) return false;
      const next = clone(this.state);
      next.routes = next.routes.filter((r) => r.prefix !== prefix);
      if (this.o.config.routes.some((r) => r.prefix === prefix) && !next.removedRoutes.includes(prefix)) next.removedRoutes.push(prefix);
      await this.commit(next, () => {
        this.o.routes.remove(prefix, 'config');
        this.o.routes.remove(prefix, 'runtime');
      });
      for (const r of routes) this.o.events.emit({ type: 'route:removed', prefix, nextHop: r.nextHop });
      return true;
    });
  }

  listPeers(): PeerInfo[] {
    return this.o.peers.all().map((p) => this.peerInfo(p));
  }

  listRoutes(): RouteInfo[] {
    const now = Date.now();
    return this.o.routes.list().map((r) => ({
      prefix: r.prefix,
      nextHop: r.nextHop,
      priority: r.priority,
      source: r.source,
      ...(r.source === LEARNED ? { path: [...(r.path ?? [])], ageMs: now - (r.learnedAt ?? now) } : {}),
    }));
  }

  peerInfo(p: Peer): PeerInfo {
    const routes = this.o.routes.list().filter((r) => r.nextHop === p.id);
    const s = p.spec;
    const url = p.isHttp ? s.http?.url : s.url;
    return {
      id: p.id,
      relation: p.relation,
      connected: p.connected,
      direction: url ? 'outbound' : 'inbound',
      ...(p.isHttp ? { transport: 'http' as const, http: httpActivity(this.o.peers.httpStats.of(p.id)) } : {}),
      // a secret inside the URL (user:pass@, ?token=) is never shown: it belongs in authToken
      url: redactUrl(url),
      ilpAddresses: [...new Set(routes.map((r) => r.prefix))],
      routeCount: routes.length,
      balance: (this.o.ledger()?.balance(accounts.peer(p.id)) ?? 0n).toString(),
      creditLimit: s.creditLimit?.toString(),
      settleThreshold: s.settleThreshold?.toString(),
      settlement: s.settlement,
      asset: { code: s.asset?.code ?? this.o.config.assetCode, scale: s.asset?.scale ?? this.o.config.assetScale },
    };
  }

  /** Route targets: our nodeId means local delivery. */
  hop(nextHop: string): string {
    return nextHop === this.o.config.nodeId ? LOCAL : nextHop;
  }

  private withPeer(spec: PeerSpec): RuntimeState {
    const next = clone(this.state);
    next.peers = next.peers.filter((p) => p.id !== spec.id);
    next.peers.push(spec);
    next.removedPeers = next.removedPeers.filter((id) => id !== spec.id);
    return next;
  }

  /** A peer's balance is an amount of its asset: the asset changes only while the balance is 0. */
  private keepAssetWhileOwed(before: PeerSpec, after: PeerSpec): void {
    const c = this.o.config;
    const code = (s: PeerSpec) => `${s.asset?.code ?? c.assetCode}@${s.asset?.scale ?? c.assetScale}`;
    if (code(before) === code(after)) return;
    // its channel accounts too: unredeemed claims are amounts of the old asset, converted to chain units at its scale
    const ledger = this.o.ledger();
    const held = [accounts.peer(before.id), accounts.channelIn(before.id), accounts.channelOut(before.id)].map((a) => [a, ledger?.balance(a) ?? 0n] as const).filter(([, b]) => b !== 0n);
    if (held.length === 0) return;
    const [account, balance] = held[0];
    throw appError('INVALID_ARGUMENT', {
      field: before.asset?.code === after.asset?.code ? 'assetScale' : 'assetCode',
      reason: `peer ${before.id} has a balance of ${balance} in ${code(before)}${account === accounts.peer(before.id) ? '' : ` on ${account}`}: settle it to 0 before changing its asset to ${code(after)}`,
    });
  }

  private setLimits(spec: PeerSpec): void {
    const ledger = this.o.ledger();
    ledger?.setLimits(spec.id, { creditLimit: spec.creditLimit, settleThreshold: spec.settleThreshold });
    // the store records each account's asset (start records them all; this keeps runtime peers in step)
    if (spec.source === 'runtime' && ledger?.recordAssets !== undefined) {
      const c = this.o.config;
      ledger.recordAssets(peerAccountAssets(spec, { code: c.assetCode, scale: c.assetScale })).catch((err: unknown) => {
        this.o.logger.warn({ peer: spec.id, err: err instanceof Error ? err.message : String(err) }, 'could not record the peer account assets in the ledger');
      });
    }
  }

  /** Persist, then apply; a failed apply restores the previous file (and the error goes on). */
  private async commit(next: RuntimeState, apply: () => void): Promise<void> {
    const prev = this.state;
    try {
      await this.o.store.save(next);
    } catch (err) {
      throw appError('RUNTIME_STORE_FAILED', { file: this.o.store.file, reason: err instanceof Error ? err.message : String(err) }, err);
    }
    try {
      apply();
    } catch (err) {
      await this.o.store.save(prev).catch((e: unknown) => {
        this.o.logger.error({ err: e instanceof Error ? e.message : String(e), store: this.o.store.file }, 'could not roll back the runtime store');
      });
      throw err;
    }
    this.state = next;
  }

  /** Runs changes one at a time, in call order. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn);
    this.tail = run.catch(() => undefined);
    return run;
  }
}
