/**
 * How a ConnectorNode becomes a cluster instance (`cluster.enabled`): the cluster drives the peer set's
 * dialling through link leases and answers the BTP listener's claims on incoming logins.
 */
import type { Logger } from 'pino';
import type { NodeConfig } from '../config/index.js';
import type { LedgerBackend } from '../ledger/index.js';
import { postgresOptions } from '../node/ledger-backend.js';
import type { PeerSet, RelaySend } from '../node/peers.js';
import type { ResponseCallback } from '../node/btp/btp-link.js';
import type { ControlPlane } from '../node/control/control-plane.js';
import { RuntimeStore } from '../node/runtime-store.js';
import { Cluster, defaultInstanceId } from './cluster.js';
import { ClusterRuntimeStore } from './runtime-store.js';

/** This process's instance id (config, else `<hostname>-<pid>`). */
const instanceIdOf = (c: NodeConfig): string => c.cluster.instanceId ?? defaultInstanceId();

/** Where runtime peer and route changes are kept: runtime.json, and in a cluster the database too. */
export function runtimeStoreFor(c: NodeConfig): RuntimeStore {
  if (!c.cluster.enabled) return new RuntimeStore(c.dataDir);
  const { url, tls } = postgresOptions(c);
  return new ClusterRuntimeStore(c.dataDir, { url, ...(tls ? { tls } : {}) }, () => instanceIdOf(c));
}

/** Before restore: a cluster instance starts from the cluster's runtime state. */
export async function fetchRuntime(store: RuntimeStore): Promise<void> {
  if (store instanceof ClusterRuntimeStore) await store.fetch();
}

/**
 * What a cluster instance does when another changed the runtime state: read it and adopt it, one
 * read at a time (so an older read never lands after a newer one), once the node has started.
 */
export function runtimeAdopter(store: RuntimeStore, control: ControlPlane, started: () => boolean, logger: Logger): () => void {
  let chain = Promise.resolve();
  return () => {
    if (!(store instanceof ClusterRuntimeStore)) return;
    chain = chain.then(async () => {
      if (!started()) return;
      const state = await store.fetch();
      if (state !== undefined) await control.adopt(state);
      logger.info({ version: store.version }, 'adopted the cluster\'s runtime peers and routes');
    }).catch((err: unknown) => logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not adopt the cluster\'s runtime changes'));
  };
}

/** The peer set's dial gate: leases decide who dials (undefined when the cluster is off). */
export function clusterDialGate(c: NodeConfig, cluster: () => Cluster | undefined): { want(id: string): void; unwant(id: string): void } | undefined {
  if (!c.cluster.enabled) return undefined;
  return { want: (id) => cluster()?.leases.want(id), unwant: (id) => cluster()?.leases.unwant(id) };
}

/** The peer set's relay: forwarding to the instance holding a peer's link (undefined without cluster.secret). */
export function clusterRelay(c: NodeConfig, cluster: () => Cluster | undefined): RelaySend | undefined {
  if (!c.cluster.enabled || c.cluster.secret === undefined) return undefined;
  return (peerId, ilp, deadline, cb, ctx) => cluster()?.relay(peerId, ilp, deadline, cb, ctx) ?? false;
}

/** The cluster instance of a node, not started (undefined when the cluster is off). */
export function createCluster(c: NodeConfig, peers: PeerSet, ledger: LedgerBackend, logger: Logger, info: () => Record<string, unknown>, address: () => string, runtimeChanged?: () => void): Cluster | undefined {
  if (!c.cluster.enabled) return undefined;
  const { url, tls } = postgresOptions(c);
  const k = c.cluster;
  const forward = k.secret === undefined ? undefined : {
    secret: k.secret,
    host: k.forwardHost,
    port: k.forwardPort,
    ...(k.advertiseHost === undefined ? {} : { advertiseHost: k.advertiseHost }),
    maxBodyBytes: c.performance.maxFrameBytes,
    relay: { sendHere: (id: string, ilp: Buffer, deadline: number, cb: ResponseCallback) => peers.get(id)?.sendHere(ilp, deadline, cb) ?? false, address },
  };
  return new Cluster({
    target: { url, ...(tls ? { tls } : {}) },
    instanceId: instanceIdOf(c),
    heartbeatMs: k.heartbeatMs,
    deadAfterMs: k.deadAfterMs,
    leaseCheckMs: k.leaseCheckMs,
    logger,
    host: { dial: (id) => peers.dialNow(id), hangUp: (id, reason) => peers.hangUp(id, reason), settled: (id) => settled(ledger, id), taken: () => readBooks(ledger) },
    peerIds: () => peers.all().map((p) => p.id),
    info,
    ...(runtimeChanged ? { runtimeChanged } : {}),
    ...(forward ? { forward } : {}),
    lanes: c.settlement.enabled && (c.settlement.evm !== undefined || c.settlement.xrpl !== undefined || c.settlement.aptos !== undefined),
    requestHere: (id, frame, deadline, cb) => {
      const link = peers.get(id)?.link;
      if (link?.isOpen !== true) return false;
      link.request(frame, deadline, cb);
      return true;
    },
  });
}

/** Resolves once no reservation of `peerId` is open in this instance and every booking is durable. */
async function settled(ledger: LedgerBackend, peerId: string): Promise<void> {
  while (ledger.reserved(peerId) !== 0n && ledger.fault === undefined) await new Promise((r) => setTimeout(r, 10));
  await ledger.flush();
}

/** A PostgreSQL ledger reads back every instance's bookings now (others have no such read). */
async function readBooks(ledger: LedgerBackend): Promise<void> {
  const refresh = (ledger as { refreshBalances?: () => Promise<void> }).refreshBalances;
  await refresh?.call(ledger);
}

/** The BTP listener's claim hooks for a cluster instance (none when the cluster is off). */
export function clusterClaims(cluster: Cluster | undefined): { claim?: (id: string) => Promise<string | undefined>; unclaim?: (id: string) => void } {
  if (cluster === undefined) return {};
  return { claim: (id) => cluster.leases.claimInbound(id), unclaim: (id) => cluster.leases.linkDown(id) };
}
