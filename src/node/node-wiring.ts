/**
 * How ConnectorNode's parts reach each other: the peer links (BTP requests to the packet pipeline or
 * the settlement engine; a link up or down told to settlement, route broadcast, the address learner
 * and the cluster's leases) and the admin surface (the routes and metrics other parts add to it).
 * The parts are read through getters when an event happens: most exist only once the node started.
 */
import type { Logger } from 'pino';
import type { NodeConfig } from '../config/index.js';
import type { LedgerBackend } from '../ledger/index.js';
import type { Agents } from '../agents/index.js';
import type { Cluster } from '../cluster/cluster.js';
import { clusterDialGate, clusterRelay } from '../cluster/node-cluster.js';
import { ratesRoutes } from '../rates/admin-routes.js';
import type { NodeRates } from '../rates/node-rates.js';
import type { AddressLearner } from './address-learner.js';
import type { BtpLink } from './btp/btp-link.js';
import type { BtpFrame } from './btp/codec.js';
import type { EventStream } from './events.js';
import type { AdminRoutePlugin } from './http/admin-server.js';
import { registerHttpPeerMetrics } from './http/http-peer-metrics.js';
import { registerLedgerMetrics } from './http/ledger-metrics.js';
import { ledgerRoutes } from './http/ledger-routes.js';
import { settlementDisabledRoutes } from './http/settlement-disabled.js';
import type { NodeControl } from './node-control.js';
import { PeerSet, type IlpSender, type Peer } from './peers.js';
import type { PacketProcessor } from './pipeline/packet-processor.js';
import type { SettlementModule } from './ports.js';
import type { CcpService } from './routing/ccp/ccp-service.js';
import { registerCcpMetrics } from './routing/ccp/metrics.js';
import { onSettlementFrame } from './settlement-wiring.js';

/** The parts a peer link's events reach. */
export interface LinkParts {
  processor: () => PacketProcessor | undefined;
  settlement: () => SettlementModule | undefined;
  ccp: () => CcpService | undefined;
  cluster: () => Cluster | undefined;
  address: AddressLearner;
  events: EventStream;
  logger: Logger;
}

/** The node's peers, their links wired to the parts. */
export function createPeerSet(c: NodeConfig, p: LinkParts): PeerSet {
  const handlers = {
    onIlpRequest: (link: BtpLink, requestId: number, ilp: Buffer) => p.processor()?.handle(link.peerId, requestId, ilp, link),
    onOtherRequest: (link: BtpLink, frame: BtpFrame) => onSettlementFrame(p.settlement(), link, frame),
  };
  const onLinkUp = (peer: Peer, link: IlpSender) => {
    p.settlement()?.onPeerConnected(peer.id);
    p.ccp()?.peerUp(peer.id);
    p.address.linkUp(peer, link);
  };
  const onLinkDown = (peer: Peer) => {
    p.ccp()?.peerDown(peer.id);
    p.cluster()?.leases.linkDown(peer.id);
  };
  const httpDownAfterFailures = c.http.downAfterFailures;
  const relay = clusterRelay(c, p.cluster);
  return new PeerSet({ nodeId: c.nodeId, maxFrameBytes: c.performance.maxFrameBytes, logger: p.logger, events: p.events, handlers, onLinkUp, onLinkDown, httpDownAfterFailures, dialGate: clusterDialGate(c, p.cluster), ...(relay ? { relay } : {}) });
}

/** The parts that add admin routes or metrics. */
export interface SurfaceParts {
  ledger: () => LedgerBackend | undefined;
  rates: () => NodeRates | undefined;
  settlement: SettlementModule | undefined;
  agents: Agents;
  ccp: CcpService | undefined;
  peers: PeerSet;
}

/** The admin routes of the ledger, rates, settlement (or its "disabled" answers) and agents. */
export function adminPlugins(p: SurfaceParts): AdminRoutePlugin[] {
  return [...ledgerRoutes(p.ledger), ...ratesRoutes(p.rates), ...(p.settlement?.adminRoutes() ?? [settlementDisabledRoutes]), ...p.agents.adminRoutes()];
}

/** Registers the other parts' metrics once the admin surface is up (when metrics are on). */
export function registerPartMetrics(control: NodeControl, p: SurfaceParts): void {
  const ccp = p.ccp;
  if (ccp && control.metrics) registerCcpMetrics(control.metrics.registry, () => ccp.stats());
  if (control.metricsRegistry) registerHttpPeerMetrics(control.metricsRegistry, p.peers.httpStats);
  if (control.metricsRegistry) p.rates()!.registerMetrics(control.metricsRegistry);
  if (control.metricsRegistry) p.agents.registerMetrics(control.metricsRegistry);
  if (control.metricsRegistry) registerLedgerMetrics(control.metricsRegistry, p.ledger);
}
