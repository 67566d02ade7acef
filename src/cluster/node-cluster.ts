/**
 * How a ConnectorNode becomes a cluster instance (`cluster.enabled`): the cluster drives the peer set's
 * dialling through link leases and answers the BTP listener's claims on incoming logins.
 */
import type { Logger } from 'pino';
import type { NodeConfig } from '../config/index.js';
import { postgresOptions } from '../node/ledger-backend.js';
import type { PeerSet } from '../node/peers.js';
import { Cluster } from './cluster.js';

/** The peer set's dial gate: leases decide who dials (undefined when the cluster is off). */
export function clusterDialGate(c: NodeConfig, cluster: () => Cluster | undefined): { want(id: string): void; unwant(id: string): void } | undefined {
  if (!c.cluster.enabled) return undefined;
  return { want: (id) => cluster()?.leases.want(id), unwant: (id) => cluster()?.leases.unwant(id) };
}

/** The cluster instance of a node, not started (undefined when the cluster is off). */
export function createCluster(c: NodeConfig, peers: PeerSet, logger: Logger, info: () => Record<string, unknown>): Cluster | undefined {
  if (!c.cluster.enabled) return undefined;
  const { url, tls } = postgresOptions(c);
  const k = c.cluster;
  return new Cluster({
    target: { url, ...(tls ? { tls } : {}) },
    ...(k.instanceId !== undefined ? { instanceId: k.instanceId } : {}),
    heartbeatMs: k.heartbeatMs,
    deadAfterMs: k.deadAfterMs,
    leaseCheckMs: k.leaseCheckMs,
    logger,
    host: { dial: (id) => peers.dialNow(id), hangUp: (id, reason) => peers.hangUp(id, reason) },
    peerIds: () => peers.all().map((p) => p.id),
    info,
  });
}

/** The BTP listener's claim hooks for a cluster instance (none when the cluster is off). */
export function clusterClaims(cluster: Cluster | undefined): { claim?: (id: string) => Promise<string | undefined>; unclaim?: (id: string) => void } {
  if (cluster === undefined) return {};
  return { claim: (id) => cluster.leases.claimInbound(id), unclaim: (id) => cluster.leases.linkDown(id) };
}
