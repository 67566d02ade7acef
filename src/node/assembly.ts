/**
 * How ConnectorNode builds its packet-moving parts from the config: the pipeline, the BTP listener,
 * route broadcast and local delivery. ConnectorNode keeps the lifecycle and decides when; this file
 * says with what.
 */
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { NodeConfig } from '../config/index.js';
import type { LedgerBackend } from '../ledger/index.js';
import type { RateBook } from '../rates/rate-book.js';
import type { Agents } from '../agents/index.js';
import { BtpServer, type BtpServerOptions } from './btp/btp-server.js';
import { IlpHttpServer } from './http/ilp-http-server.js';
import { httpListenerOn } from '../config/rules.js';
import type { SecurityStats } from './http/security-stats.js';
import { InFlightCaps } from './pipeline/in-flight-caps.js';
import { PacketProcessor } from './pipeline/packet-processor.js';
import { LateFulfillLog } from './pipeline/late-fulfills.js';
import { LocalDelivery } from './delivery/local-delivery.js';
import { createHttpDeliveryClient } from './delivery/http-client.js';
import { CcpService } from './routing/ccp/ccp-service.js';
import { createNodeCcpHost } from './routing/ccp/node-host.js';
import type { RoutingTable } from './routing/routing-table.js';
import type { PeerSet } from './peers.js';
import type { EventStream } from './events.js';
import type { AddressLearner } from './address-learner.js';

/** What the pipeline is wired to. */
export interface PipelineParts {
  readonly config: NodeConfig;
  readonly ledger: LedgerBackend;
  readonly routes: RoutingTable;
  readonly peers: PeerSet;
  readonly events: EventStream;
  readonly logger: Logger;
  readonly agents: Agents;
  readonly rates: RateBook;
  readonly stats: SecurityStats;
  readonly address: AddressLearner;
  readonly delivery: LocalDelivery;
  /** route broadcast's handler for peer.route.* Prepares (undefined while it is off) */
  readonly ccp: () => CcpService | undefined;
}

/** The file of the late-fulfill record (pipeline/late-fulfills.ts) in a data directory. */
export const lateFulfillsFile = (dataDir: string): string => join(dataDir, 'late-fulfills.jsonl');

export function createPipeline(p: PipelineParts): PacketProcessor {
  const c = p.config;
  // Quotes (GET /admin/quote, MCP quote) read the same route lookup, peer assets and rates as the pipeline.
  p.agents.setQuoteParts({
    lookup: (d) => p.routes.lookup(d),
    peerAsset: (id) => (p.peers.get(id) === undefined ? null : p.peers.get(id)!.asset),
    rates: p.rates,
    asset: { code: c.assetCode, scale: c.assetScale },
  });
  const lateFulfills = LateFulfillLog.open(lateFulfillsFile(c.dataDir), p.logger);
  p.stats.lateFulfills = () => lateFulfills.totals();
  return new PacketProcessor({
    lateFulfills,
    policies: p.agents.policies,
    ledger: p.ledger,
    routes: p.routes,
    events: p.events,
    logger: p.logger,
    expiry: c.performance,
    feeBps: BigInt(c.feeBps),
    asset: { code: c.assetCode, scale: c.assetScale },
    rates: p.rates,
    caps: new InFlightCaps(c.performance.maxInFlightPerPeer, c.performance.maxInFlightBytesPerPeer, (peer, limit) => p.stats.countInFlightRejected(peer, limit)),
    getPeer: (id) => p.peers.get(id),
    address: () => p.address.value,
    ildcp: (peerId) => p.address.answer(p.peers.get(peerId)),
    peerProtocol: (peerId, destination, data) => p.ccp()?.handle(peerId, destination, data),
    // A Prepare asking for a payee receipt gets one signed with the node's identity key (src/agents/receipts).
    deliverLocal: p.agents.wrapDelivery(p.delivery.deliver),
  });
}

export function createBtpServer(c: NodeConfig, peers: PeerSet, stats: SecurityStats, logger: Logger, claims: Pick<BtpServerOptions, 'claim' | 'unclaim'> = {}): BtpServer {
  return new BtpServer({
    ...claims,
    host: c.btpServerHost,
    port: c.btpServerPort,
    maxFrameBytes: c.performance.maxFrameBytes,
    preAuth: { maxTotal: c.performance.maxPreAuthConnections, maxPerAddress: c.performance.maxPreAuthPerAddress, timeoutMs: c.performance.preAuthTimeoutMs },
    allowedHosts: c.security.allowedHosts,
    trustProxy: c.security.trustProxy,
    stats,
    logger,
    authenticate: peers.authenticate,
    onAuthenticated: peers.acceptInbound,
  });
}

/**
 * The ILP-over-HTTP listener, listening, or undefined when it is off (`http.enabled`, or unset and no
 * configured peer has transport http). Its Prepares enter the pipeline like a BTP link's.
 */
export async function startIlpHttpServer(c: NodeConfig, peers: PeerSet, stats: SecurityStats, logger: Logger, pipeline: () => PacketProcessor | undefined): Promise<IlpHttpServer | undefined> {
  if (!httpListenerOn(c)) return undefined;
  const p = c.performance;
  const server = new IlpHttpServer({
    host: c.http.host,
    port: c.http.port,
    maxBodyBytes: c.http.maxBodyBytes,
    preAuth: { maxTotal: p.maxPreAuthConnections, maxPerAddress: p.maxPreAuthPerAddress, timeoutMs: p.preAuthTimeoutMs },
    allowedHosts: c.security.allowedHosts,
    stats,
    peering: peers.httpStats,
    logger,
    authenticate: peers.authenticateHttp,
    onPrepare: (peerId, body, reply) => {
      const processor = pipeline();
      if (processor) processor.handle(peerId, 0, body, { respondIlp: (_id, ilp) => reply(ilp) });
    },
  });
  await server.listen();
  stats.httpPreAuth = server.preAuth;
  return server;
}

/** Route broadcast, or undefined when `routing.enabled` is false. */
export function createCcp(c: NodeConfig, routes: RoutingTable, peers: PeerSet, address: () => string, logger: Logger): CcpService | undefined {
  if (!c.routing.enabled) return undefined;
  return new CcpService(createNodeCcpHost({ routes, peer: (id) => peers.get(id), address }), c.routing, logger);
}

/** Local delivery: the in-process handler, or the HTTP handler of `localDelivery.handlerUrl`. */
export function createDelivery(c: NodeConfig, address: () => string, logger: Logger): LocalDelivery {
  const ld = c.localDelivery;
  const http = ld.enabled && ld.handlerUrl ? createHttpDeliveryClient({ handlerUrl: ld.handlerUrl, timeoutMs: ld.timeout, authToken: ld.authToken, logger }) : undefined;
  return new LocalDelivery(address, logger, http);
}

/** Waits for the packets in flight to end, at most `limitMs` (they end by their expiry anyway). */
export async function drainWithin(processor: PacketProcessor | undefined, limitMs: number): Promise<void> {
  if (!processor) return;
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<void>((resolve) => (timer = setTimeout(resolve, limitMs)));
  await Promise.race([processor.drain(), limit]);
  clearTimeout(timer);
}

/** The `node:started` event and the start log lines. */
export function announceStarted(events: EventStream, logger: Logger, s: { ilpAddress: string; btpPort: number; healthPort: number; urls: { health?: string; admin?: string; explorer?: string }; dataDir: string }, notice: string): void {
  events.emit({ type: 'node:started', ilpAddress: s.ilpAddress, btpPort: s.btpPort, healthPort: s.healthPort, adminUrl: s.urls.admin, explorerUrl: s.urls.explorer, dataDir: s.dataDir });
  logger.info({ ilpAddress: s.ilpAddress, btpPort: s.btpPort, ...s.urls, dataDir: s.dataDir }, 'node started');
  logger.info(notice);
}
