/**
 * What the dashboard needs from a node: a narrow, read-only view that `ConnectorNode` satisfies
 * structurally. The dashboard never calls anything else on the node (stopping is the caller's job).
 */
import type { EventSnapshot, EventListener } from '../node/events.js';
import type { PeerInfo, RouteInfo } from '../node/types.js';
import type { HealthInput } from './store/health.js';

/** One peer as the peers pane shows it (a subset of the node's PeerInfo). */
export type DashboardPeer = Readonly<Pick<PeerInfo, 'id' | 'relation' | 'connected' | 'balance' | 'creditLimit' | 'settleThreshold' | 'settlement' | 'asset' | 'transport' | 'http'>>;

/** One route as the routes pane shows it (a subset of the node's RouteInfo). */
export type DashboardRoute = Readonly<Pick<RouteInfo, 'prefix' | 'nextHop' | 'source' | 'path' | 'ageMs'>>;

/** The node's defence counters (ConnectorNode's securityStats), read about once a second. */
export interface DefenceCounters {
  /** Prepares refused with T03 by a per-peer in-flight cap, by `peer\0limit` */
  readonly inFlightRejected: ReadonlyMap<string, number>;
  /** the BTP pre-auth gate's counters, once it runs */
  readonly preAuth?: { readonly refused: number } | undefined;
  /** late fulfills per next hop (durable) */
  lateFulfills(): ReadonlyMap<string, { count: number; amount: bigint }>;
}

/** Where one of the node's surfaces answers, as the header shows it: `admin http://127.0.0.1:8081`. */
export interface DashboardEndpoint {
  readonly label: string;
  readonly url: string;
}

/** The node as the dashboard sees it. */
export interface DashboardSource {
  readonly nodeId: string;
  /** Read on every refresh: a child learns it from its parent after start. */
  readonly ilpAddress: string;
  readonly events: {
    subscribe(listener: EventListener): () => void;
    snapshot(): EventSnapshot;
  };
  /** Called about once a second (never per event or per frame). */
  listPeers(): readonly DashboardPeer[];
  /** Called with the peers; absent: the routes pane stays hidden. */
  listRoutes?(): readonly DashboardRoute[];
  /**
   * The asset an account's balance is an amount of (`agent` names the node's own asset). Absent:
   * amounts show as units without an asset.
   */
  accountAsset?(account: string): { code: string; scale: number };
  /** Called about once a second for the uptime and status (and, on a cluster instance, its cluster fields). */
  health(): HealthInput;
  /** Read with the health; absent: the defence line counts late fulfills from events only. */
  readonly securityStats?: DefenceCounters;
  /**
   * false once the node has begun to stop: a dashboard mounted after `node:stopping` went out (a
   * signal during its start) closes at once instead of waiting for an event that will not come.
   */
  readonly isStarted?: boolean;
}
