/**
 * Shapes shared by the bench orchestrator (run.ts) and the load generator process (loadgen.ts).
 */
import type { LatencySummary } from './stats.js';

/** Where one of the load generator's BTP clients connects, and how it authenticates. */
export interface BtpEndpoint {
  url: string;
  username: string;
  token: string;
}

/** What the load generator is told to do (passed as JSON in BENCH_LOADGEN_CONFIG). */
export interface LoadgenConfig {
  /** `remote`: sender and receiver dial a target. `direct`: the sender dials a server inside the loadgen. */
  mode: 'remote' | 'direct';
  sender?: BtpEndpoint;
  receiver?: BtpEndpoint;
  /** ILP destination of every Prepare (the receiver's address). */
  destination: string;
  /** Amount of every Prepare (decimal string). */
  amount: string;
  /** Packets in flight (closed loop), 1..1024. */
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  /** How long to keep retrying the connection and the first packet (ms). */
  readyTimeoutMs: number;
  /** Bytes of ILP data per Prepare (default 64). */
  dataBytes?: number;
  /**
   * Set: ILP-over-HTTP instead of BTP (loadgen-http.ts). The sender POSTs to `senderUrl` with
   * `senderToken`; the receiver listens on 127.0.0.1:`receiverPort` and wants `receiverToken`.
   */
  http?: { senderUrl: string; senderToken: string; receiverPort: number; receiverToken: string };
}

/** What the load generator reports when it is done. */
export interface LoadgenResult {
  concurrency: number;
  /** Length of the measurement window, ms. */
  windowMs: number;
  /** Fulfills received inside the window. */
  fulfilledInWindow: number;
  /** Fulfilled packets per second over the window. */
  pps: number;
  /** Latency of the Fulfills received inside the window. */
  latency: LatencySummary;
  /** Rejects (and BTP errors, as `BTP-<code>`) by code, warm-up + window + drain, readiness probes excluded. */
  rejects: Record<string, number>;
  /** Rejects of the readiness probes (before the warm-up). */
  probeRejects: Record<string, number>;
  totals: {
    sent: number;
    fulfilled: number;
    rejected: number;
    /** Prepares the receiver saw (and fulfilled). */
    receiverPrepares: number;
    /** Frames the receiver got that were not ILP Prepares. */
    receiverOther: number;
    /** Responses with an unknown or stale request id. */
    unexpected: number;
    /** Packets still unanswered when the drain timed out. */
    stuck: number;
  };
  /** receiverPrepares === fulfilled (every Fulfill the sender got was produced by our receiver, and vice versa). */
  countsMatch: boolean;
  /** Load generator CPU over the window, percent of one core. */
  loadgenCpuPercent: number;
}

/** Messages the load generator sends to its parent over IPC. */
export type LoadgenMessage =
  | { type: 'connected' }
  | { type: 'window-start' }
  | { type: 'window-end' }
  | { type: 'result'; result: LoadgenResult }
  | { type: 'error'; message: string };
