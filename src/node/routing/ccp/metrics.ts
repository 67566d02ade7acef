/**
 * Route broadcast metrics, read from the CCP service when Prometheus scrapes (nothing is counted on
 * the packet path).
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { CcpStats } from './ccp-service.js';

export function registerCcpMetrics(registry: Registry, stats: () => CcpStats): void {
  new Gauge({
    name: 'ilp_routes_learned',
    help: 'Prefixes learned by CCP, per announcing peer.',
    labelNames: ['peer'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [peer, n] of Object.entries(stats().routesByPeer)) this.set({ peer }, n);
    },
  });
  new Gauge({
    name: 'ilp_routes_announced',
    help: 'Prefixes in the table we announce by CCP.',
    registers: [registry],
    collect() {
      this.set(stats().announced);
    },
  });
  new Counter({
    name: 'ilp_route_updates_total',
    help: 'CCP route updates, by direction (received, sent, failed: rejected or timed out) and route controls sent (control).',
    labelNames: ['direction'],
    registers: [registry],
    collect() {
      const s = stats();
      this.reset();
      this.inc({ direction: 'received' }, s.updatesReceived);
      this.inc({ direction: 'sent' }, s.updatesSent);
      this.inc({ direction: 'failed' }, s.updatesFailed);
      this.inc({ direction: 'control' }, s.controlsSent);
    },
  });
}
