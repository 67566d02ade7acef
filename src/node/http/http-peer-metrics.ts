/**
 * ILP-over-HTTP peering counts, per peer: the client (HttpPeerLink) and the listener (IlpHttpServer)
 * add plain numbers as requests end; prom-client reads them only when Prometheus scrapes (the packet
 * path never touches prom-client, as in metrics.ts).
 *
 * - `ilp_http_peer_requests_total{peer, direction, class}`: `out` are our POSTs to the peer, by what
 *   came back (`2xx` ... `5xx`, `error`: no HTTP answer, the connection failed; `timeout`: none before
 *   the packet's expiry); `in` are the peer's authenticated POSTs to us, by the status we answered.
 * - `ilp_http_peer_request_duration_seconds{peer}`: our POSTs, from the request to the whole response
 *   body, whatever the status, late answers included (requests with no answer at all are not in it:
 *   see `error` and `timeout`).
 * - `ilp_http_peer_late_responses_total{peer}`: answers that came after the packet's expiry (the
 *   request was counted as `timeout`; a late Fulfill is recorded, never booked).
 */
import { Counter, type Registry } from 'prom-client';
import { BucketHistogram, LATENCY_BUCKETS, type Series } from './metrics.js';

/** What an outgoing request ended with. */
export type OutClass = '1xx' | '2xx' | '3xx' | '4xx' | '5xx' | 'error' | 'timeout';

/** One peer's counts. */
export interface HttpPeerCounts {
  readonly out: Record<OutClass, number>;
  /** status class we answered → requests */
  readonly in: Map<string, number>;
  /** answers to our requests that came after their expiry (counted as `timeout` in `out`) */
  late: number;
  /** our requests' durations in seconds, over LATENCY_BUCKETS */
  readonly latency: Series;
}

/** The class of an HTTP status: `2xx` for 200. */
export function statusClass(status: number): OutClass {
  const c = Math.floor(status / 100);
  return c >= 1 && c <= 5 ? (`${c}xx` as OutClass) : 'error';
}

/** Every HTTP peer's counts, kept across a peer's link being replaced (a new URL or token). */
export class HttpPeeringStats {
  readonly peers = new Map<string, HttpPeerCounts>();

  /** The counts of `peerId` (made on first use). */
  of(peerId: string): HttpPeerCounts {
    let c = this.peers.get(peerId);
    if (c === undefined) {
      c = {
        out: { '1xx': 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0, error: 0, timeout: 0 },
        in: new Map(),
        late: 0,
        latency: { counts: new Array<number>(LATENCY_BUCKETS.length).fill(0), sum: 0, count: 0 },
      };
      this.peers.set(peerId, c);
    }
    return c;
  }

  /**
   * A request of ours ended with an answer after `seconds`. `countClass` false: it was already
   * counted (as `timeout`: a late answer), only its duration goes in.
   */
  static answered(c: HttpPeerCounts, status: number, seconds: number, countClass = true): void {
    if (countClass) c.out[statusClass(status)]++;
    const s = c.latency;
    let i = 0;
    while (i < LATENCY_BUCKETS.length && seconds > LATENCY_BUCKETS[i]) i++;
    if (i < LATENCY_BUCKETS.length) s.counts[i]++;
    s.sum += seconds;
    s.count++;
  }

  /** The peer sent us a request and we answered `status`. */
  incoming(peerId: string, status: number): void {
    const m = this.of(peerId).in;
    const k = statusClass(status);
    m.set(k, (m.get(k) ?? 0) + 1);
  }
}

export function registerHttpPeerMetrics(registry: Registry, stats: HttpPeeringStats): void {
  new Counter({
    name: 'ilp_http_peer_requests_total',
    help: 'ILP-over-HTTP requests per peer: out (ours to it, by what came back: 2xx..5xx, error = no answer, timeout = none before expiry) and in (its to us, by the status we answered).',
    labelNames: ['peer', 'direction', 'class'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [peer, c] of stats.peers) {
        for (const [cls, n] of Object.entries(c.out)) if (n > 0 || cls === '2xx') this.inc({ peer, direction: 'out', class: cls }, n);
        for (const [cls, n] of c.in) this.inc({ peer, direction: 'in', class: cls }, n);
      }
    },
  });
  new Counter({
    name: 'ilp_http_peer_late_responses_total',
    help: 'Answers to our ILP-over-HTTP requests that came after the packet expired (the request counts as timeout; a late Fulfill is recorded, never booked).',
    labelNames: ['peer'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [peer, c] of stats.peers) if (c.late > 0) this.inc({ peer }, c.late);
    },
  });
  new BucketHistogram(
    registry,
    'ilp_http_peer_request_duration_seconds',
    'Our ILP-over-HTTP requests per peer, from the POST to the whole response body (any status, late answers included).',
    'peer',
    LATENCY_BUCKETS,
    function* () {
      for (const [peer, c] of stats.peers) if (c.latency.count > 0) yield [peer, c.latency];
    },
  );
}
