/**
 * Route broadcast metrics, read from the CCP service when Prometheus scrapes (nothing is counted on
 * the packet path). Every series is per peer; a peer removed and added again starts at 0 (a counter
 * reset, which Prometheus' rate() handles).
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
      for (const [peer, s] of Object.entries(stats().peers)) this.set({ peer }, s.routes);
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
    help: 'CCP route updates per peer, by direction: received (from it), sent (to it and accepted), failed (sent to it and rejected or unanswered).',
    labelNames: ['peer', 'direction'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [peer, s] of Object.entries(stats().peers)) {
        this.inc({ peer, direction: 'received' }, s.updatesReceived);
        this.inc({ peer, direction: 'sent' }, s.updatesSent);
        this.inc({ peer, direction: 'failed' }, s.updatesFailed);
      }
    },
  });
  new Counter({
    name: 'ilp_route_controls_total',
    help: 'CCP route control messages per peer: sent (we ask it for SYNC: at link up, after a gap, a failed update or its hold-down) and received (by the mode it asks for).',
    labelNames: ['peer', 'direction', 'mode'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [peer, s] of Object.entries(stats().peers)) {
        this.inc({ peer, direction: 'sent', mode: 'SYNC' }, s.controlsSent);
        this.inc({ peer, direction: 'received', mode: 'SYNC' }, s.controlsReceived.sync);
        this.inc({ peer, direction: 'received', mode: 'IDLE' }, s.controlsReceived.idle);
      }
    },
  });
}
