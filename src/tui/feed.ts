/**
 * The dashboard's link to a node: subscribes to its event stream, folds every batch into the store
 * (O(1) per event), and re-reads the node's peer list and health about once a second. React never
 * sees an event; it polls `store.version` on a timer (see use-view-model.ts).
 */
import { applyBatch, createStore, refreshDefences, refreshPeers, type DashboardStore } from './store/dashboard-store.js';
import { refreshHealth } from './store/health.js';
import type { DashboardSource } from './source.js';
import { replaceRoutes, routesFrom } from './store/routes.js';

export class DashboardFeed {
  readonly store: DashboardStore;
  private readonly unsubscribe: () => void;
  private readonly stopListeners = new Set<() => void>();
  private lastRefresh = 0;

  constructor(
    private readonly source: DashboardSource,
    private readonly now: () => number = Date.now,
  ) {
    // Subscribe first, then snapshot: batches arrive on a later turn, so none is missed or counted twice.
    this.unsubscribe = source.events.subscribe((batch) => {
      applyBatch(this.store, batch);
      if (this.store.peersStale) this.refresh();
      if (this.store.stopping) for (const fn of this.stopListeners) fn();
    });
    this.store = createStore(source.events.snapshot(), source.ilpAddress, now());
    this.store.nodeAsset = source.accountAsset?.('agent');
    if (source.isStarted === false) {
      this.store.stopping = true;
      this.store.status = 'stopping';
    }
    this.refresh();
  }

  /** Re-reads peers and health now (throttled to twice a second: a flapping peer cannot make it per-event). */
  refresh(force = false): void {
    const t = this.now();
    if (!force && t - this.lastRefresh < 500) return;
    this.lastRefresh = t;
    try {
      refreshPeers(this.store, this.source.listPeers());
      refreshHealth(this.store, this.source.health(), this.source.ilpAddress, t);
      if (this.source.securityStats) refreshDefences(this.store, this.source.securityStats);
      if (this.source.listRoutes && replaceRoutes(this.store.routes, routesFrom(this.source.listRoutes(), t))) this.store.version++;
    } catch {
      // A node that is stopping may refuse; the next refresh catches up.
    }
  }

  /** Calls `fn` once the node says it is stopping (at once if it already has). Returns the remover. */
  onStopping(fn: () => void): () => void {
    if (this.store.stopping) {
      fn();
      return () => undefined;
    }
    this.stopListeners.add(fn);
    return () => this.stopListeners.delete(fn);
  }

  close(): void {
    this.unsubscribe();
    this.stopListeners.clear();
  }
}
