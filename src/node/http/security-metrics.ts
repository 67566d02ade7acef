/**
 * The /metrics series of the node's defences, read from its SecurityStats at scrape time (no work
 * on the paths that refuse something beyond a number increment).
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { SecurityStats } from './security-stats.js';

function counter(registry: Registry, name: string, help: string, read: () => number): void {
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      this.reset();
      this.inc(read());
    },
  });
}

function gauge(registry: Registry, name: string, help: string, read: () => number): void {
  new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      this.set(read());
    },
  });
}

/** Registers the defence metrics of one node on its registry. */
export function registerSecurityMetrics(registry: Registry, s: SecurityStats): void {
  counter(registry, 'ilp_admin_auth_failures_total', 'Admin API requests refused for a missing or wrong X-Api-Key (401).', () => s.apiKeyFailures);
  counter(registry, 'ilp_admin_auth_throttled_total', 'Admin API requests refused (429) while their address was slowed after repeated wrong keys.', () => s.apiKeyThrottled);
  counter(registry, 'ilp_http_host_refused_total', 'Requests and BTP upgrades refused for a Host header that is not this node (DNS rebinding).', () => s.hostRefused);
  counter(registry, 'ilp_btp_origin_refused_total', 'BTP upgrades refused for a browser Origin header.', () => s.originRefused);
  gauge(registry, 'ilp_btp_preauth_connections', 'BTP connections open and not yet authenticated.', () => s.preAuth?.open ?? 0);
  counter(registry, 'ilp_btp_preauth_refused_total', 'BTP connections closed at once because a pre-auth cap (total or per address) was reached.', () => s.preAuth?.refused ?? 0);
  counter(registry, 'ilp_btp_preauth_timeouts_total', 'BTP connections closed for not authenticating within performance.preAuthTimeoutMs.', () => s.preAuth?.timedOut ?? 0);
  gauge(registry, 'ilp_http_preauth_connections', 'ILP-over-HTTP connections open whose first request has not authenticated yet (queued ones included).', () => s.httpPreAuth?.open ?? 0);
  gauge(registry, 'ilp_http_preauth_queued', 'ILP-over-HTTP connections over their address\'s pre-auth share, waiting unread for one of its connections to authenticate.', () => s.httpPreAuth?.queued ?? 0);
  counter(registry, 'ilp_http_preauth_refused_total', 'ILP-over-HTTP connections closed at once (total cap reached) or evicted from the queue to make room for an address within its share.', () => (s.httpPreAuth?.refused ?? 0) + (s.httpPreAuth?.evicted ?? 0));
  counter(registry, 'ilp_http_preauth_timeouts_total', 'ILP-over-HTTP connections closed for sending no authenticated request within performance.preAuthTimeoutMs.', () => s.httpPreAuth?.timedOut ?? 0);
  new Counter({
    name: 'ilp_inflight_rejected_total',
    help: 'Prepares refused with T03 by a per-peer in-flight cap, by limit (count: maxInFlightPerPeer, bytes: maxInFlightBytesPerPeer).',
    labelNames: ['peer', 'limit'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [key, v] of s.inFlightRejected) {
        const [peer, limit] = key.split('\u0000');
        this.inc({ peer, limit }, v);
      }
    },
  });
  new Gauge({
    name: 'ilp_late_fulfills',
    help: 'Fulfills from a next hop we could not pass upstream (after we stopped waiting, or the source was gone): recorded durably, not booked, per next hop.',
    labelNames: ['peer'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [peer, t] of s.lateFulfills()) this.set({ peer }, t.count);
    },
  });
  new Gauge({
    name: 'ilp_late_fulfill_amount',
    help: 'Sum of the amounts we had forwarded in those late fulfills, in the next hop asset units, per next hop.',
    labelNames: ['peer'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [peer, t] of s.lateFulfills()) this.set({ peer }, Number(t.amount));
    },
  });
}
