/**
 * ConnectorNode: assembles the parts (config, ledger, BTP, routing, pipeline, delivery, HTTP) and owns
 * the lifecycle. This is the library API of the seed README: `new ConnectorNode(configOrPath, logger)`,
 * `start`, `stop`, `sendPacket`, `registerPeer`, `setPacketHandler`, `setLocalDeliveryHandler`, …
 * Peer and route changes belong to the ControlPlane (./control; its API on the node: peer-route-api.ts),
 * our address to the AddressLearner; how the parts reach each other is node-wiring.ts.
 */
import { createRequire } from 'node:module';
import type { Logger } from 'pino';
import { loadConfig, upgradeNotice, type NodeConfig, type NodeConfigInput } from '../config/index.js';
import type { LedgerBackend } from '../ledger/index.js';
import { openLedgerBackend } from './ledger-backend.js';
import { AccountAssets, reconcileLedgerAssets } from './ledger-assets.js';
import { ConnectorNotStartedError, InvalidArgumentError, PeerNotFoundError } from '../errors/index.js';
import type { BtpServer } from './btp/btp-server.js';
import { SecurityStats } from './http/security-stats.js';
import { NodeRates } from '../rates/node-rates.js';
import type { RateProvider } from '../rates/source.js';
import type { SettlementModule } from './ports.js';
import { EventStream } from './events.js';
import { sendFromAgent, type SendPacketResult } from './local-send.js';
import type { LocalDelivery } from './delivery/local-delivery.js';
import { computeConditionFromData } from './delivery/payment-adapter.js';
import type { PacketProcessor } from './pipeline/packet-processor.js';
import { RoutingTable } from './routing/routing-table.js';
import type { PeerSet } from './peers.js';
import type { RuntimeStore } from './runtime-store.js';
import { createLogger } from './logger.js';
import { NodeControl } from './node-control.js';
import type { CcpService } from './routing/ccp/ccp-service.js';
import { createAgents, type Agents, type LocalOutcome } from '../agents/index.js';
import { ControlPlane } from './control/control-plane.js';
import { PeerRouteApi } from './peer-route-api.js';
import { AddressLearner } from './address-learner.js';
import { startStats } from './stats-timer.js';
import { loadSettlement } from './settlement-wiring.js';
import { adminPlugins, createPeerSet, registerPartMetrics } from './node-wiring.js';
import { accountList, healthReport, peerBalance, type AccountLine } from './node-views.js';
import { ledgerOpenFailed, wireLedgerEvents } from './ledger-events.js';
import { refreshImplicitRoutes } from './routing/implicit-routes.js';
import { announceStarted, createBtpServer, createCcp, createDelivery, createPipeline, drainWithin, startIlpHttpServer } from './assembly.js';
import type { IlpHttpServer } from './http/ilp-http-server.js';
import type { Cluster } from '../cluster/cluster.js';
import { clusterClaims, createCluster, fetchRuntime, runtimeAdopter, runtimeStoreFor } from '../cluster/node-cluster.js';
import { ClusterShared } from '../cluster/shared-wiring.js';
import type { HealthReport, LocalDeliveryHandler, PaymentHandler, PeerAccountBalance } from './types.js';
import type { SendPacketParams } from './types.js';

export type { SendPacketResult } from './local-send.js';

const version = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

// The node's coded errors live in the catalogue (src/errors); re-exported for the library API.
export { ConnectorNotStartedError, InvalidArgumentError, PeerNotFoundError };

type State = 'new' | 'starting' | 'started' | 'stopping' | 'stopped';

export class ConnectorNode extends PeerRouteApi {
  readonly config: NodeConfig;
  readonly logger: Logger;
  /** the logger as given: module loggers are its children (so `module` appears once per line) */
  private readonly baseLogger: Logger;
  readonly events: EventStream;
  readonly version = version;
  /** Non-fatal findings of the config loader (unset credit limits, literal secrets, …). */
  readonly configWarnings: readonly string[];
  private state: State = 'new';
  private readonly address: AddressLearner;
  private ledger: LedgerBackend | undefined;
  private rates: NodeRates | undefined;
  private rateProvider: RateProvider | undefined;
  /** Counters of the node's defences (Host/Origin refusals, key failures, caps, late fulfills). */
  readonly securityStats = new SecurityStats();
  private btp: BtpServer | undefined;
  /** the ILP-over-HTTP listener (RFC 0035), when on */
  private ilpHttp: IlpHttpServer | undefined;
  protected readonly routes: RoutingTable;
  protected readonly peers: PeerSet;
  private readonly assets: AccountAssets;
  private readonly delivery: LocalDelivery;
  private processor: PacketProcessor | undefined;
  private agents: Agents | undefined;
  /** route broadcast (CCP); undefined when routing.enabled is false */
  private ccp: CcpService | undefined;
  /** The one owner of peer and route changes. */
  readonly controlPlane: ControlPlane;
  private sweeper: NodeJS.Timeout | undefined;
  private stopStats: (() => void) | undefined;
  private startedAt = 0;
  private control: NodeControl | undefined;
  private stopPromise: Promise<void> | undefined;
  private settlement: SettlementModule | undefined;
  /** this process as a cluster instance (cluster.enabled) */
  private cluster: Cluster | undefined;
  /** rates, policies, approvals and receipts shared by the cluster's instances */
  private shared: ClusterShared | undefined;
  private readonly runtimeStore: RuntimeStore;

  /**
   * @param configOrPath a YAML file path, or a config object (the schema's input shape)
   * @param logger a pino logger (default: createLogger(nodeId, config.logLevel) to stderr)
   * @param opts env (default process.env); overrides (win over all); defaults (under the file, as the CLI's); cwd
   */
  constructor(
    configOrPath?: string | NodeConfigInput,
    logger?: Logger,
    opts?: { env?: Record<string, string | undefined>; overrides?: Record<string, unknown>; defaults?: Record<string, unknown>; cwd?: string },
  ) {
    super();
    const loaded = loadConfig(configOrPath, { env: opts?.env, overrides: opts?.overrides, defaults: opts?.defaults, cwd: opts?.cwd });
    const c = (this.config = loaded.config);
    this.configWarnings = loaded.warnings;
    this.baseLogger = logger ?? createLogger(c.nodeId, c.logLevel);
    this.logger = this.baseLogger.child({ module: 'node' });
    this.events = new EventStream(c.nodeId);
    const configured = c.ilpAddress === undefined ? {} : { configured: c.ilpAddress };
    const asset = { assetCode: c.assetCode, assetScale: c.assetScale };
    this.address = new AddressLearner({ nodeId: c.nodeId, ...configured, ...asset, logger: this.logger, onLearned: () => this.refreshImplicitRoutes() });
    this.routes = new RoutingTable((id) => this.peers.get(id)?.relation, (id) => this.peers.get(id)?.connected === true || this.cluster?.canForwardTo(id) === true);
    this.peers = createPeerSet(c, { processor: () => this.processor, settlement: () => this.settlement, ccp: () => this.ccp, cluster: () => this.cluster, address: this.address, events: this.events, logger: this.moduleLogger('btp') });
    this.assets = new AccountAssets({ code: c.assetCode, scale: c.assetScale }, (id) => this.peers.get(id));
    this.controlPlane = new ControlPlane({
      config: c,
      peers: this.peers,
      routes: this.routes,
      store: (this.runtimeStore = runtimeStoreFor(c)),
      events: this.events,
      logger: this.baseLogger.child({ module: 'control' }),
      ledger: () => this.ledger,
      peersChanged: () => this.refreshImplicitRoutes(),
      peerRemoved: (peerId) => this.ccp?.peerRemoved(peerId),
    });
    this.delivery = createDelivery(c, () => this.address.value, this.moduleLogger('delivery'));
  }

  get nodeId(): string {
    return this.config.nodeId;
  }

  /** A logger for one part of the node (`module` field), child of the logger given to the constructor. */
  moduleLogger(module: string): Logger {
    return this.baseLogger.child({ module });
  }

  /** This node's ILP address (learned from the parent by ILDCP when it has one and none is configured). */
  get ilpAddress(): string {
    return this.address.value;
  }

  /** The BTP port actually bound (useful with btpServerPort: 0). */
  get btpPort(): number {
    return this.btp?.port ?? 0;
  }

  get isStarted(): boolean {
    return this.state === 'started';
  }

  /** Ports and URLs of the HTTP surfaces once started (`ilpHttp`: the ILP-over-HTTP port, when on). */
  get endpoints(): { btp: number; ilpHttp?: number; health?: string; admin?: string; explorer?: string } {
    return { btp: this.btpPort, ...(this.ilpHttp ? { ilpHttp: this.ilpHttp.port } : {}), ...this.control?.urls };
  }

  /** Opens the ledger, listens for BTP, starts the HTTP surfaces, dials peers. */
  async start(): Promise<void> {
    if (this.state === 'started' || this.state === 'starting') return;
    if (this.state !== 'new') throw new Error('a stopped ConnectorNode cannot be restarted: create a new one');
    this.state = 'starting';
    try {
      await this.doStart();
    } catch (err) {
      this.state = 'started';
      await this.stop().catch(() => undefined);
      this.state = 'stopped';
      throw err;
    }
  }

  private async doStart(): Promise<void> {
    const c = this.config;
    await fetchRuntime(this.runtimeStore);
    const specs = this.controlPlane.restore();
    const onWarning = (message: string, details: object) => this.logger.warn(details, message);
    const ledger = (this.ledger = await openLedgerBackend(c, onWarning).catch(ledgerOpenFailed({ events: this.events, logger: this.logger, dataDir: c.dataDir })));
    wireLedgerEvents(ledger, { events: this.events, logger: this.logger, dataDir: c.dataDir, settlement: () => this.settlement });
    this.assets.load(await reconcileLedgerAssets(ledger, { code: c.assetCode, scale: c.assetScale }, specs, c.dataDir));
    const adopt = runtimeAdopter(this.runtimeStore, this.controlPlane, () => this.isStarted, this.moduleLogger('cluster'));
    this.cluster = createCluster(c, this.peers, ledger, this.moduleLogger('cluster'), () => ({ pid: process.pid, btpPort: this.btpPort }), () => this.address.value, adopt);
    await this.cluster?.start();
    const shared = (this.shared = await ClusterShared.open(c, this.cluster, this.moduleLogger('cluster')));

    this.rates = new NodeRates({
      config: c.rates,
      assetCode: c.assetCode,
      dataDir: c.dataDir,
      logger: this.moduleLogger('rates'),
      emit: (e) => this.events.emit(e),
      assetsInUse: () => [c.assetCode, ...this.peers.all().map((p) => p.asset?.code ?? c.assetCode)],
    });
    if (this.rateProvider) this.rates.setProvider(this.rateProvider);
    await this.rates.start();
    this.agents = createAgents(c, this.moduleLogger('agents'), () => this.address.value, (e) => this.events.emit(e), {
      send: (p, memo) => this.rawSend(p, undefined, memo),
      booked: (account) => ledger.balance(account),
      ...(shared ? { approvalStore: shared.approvalStore, receipts: shared.receipts } : {}),
    });
    await shared?.attach(this.rates, this.agents);
    const { routes, peers, events, delivery, address, securityStats: stats } = this;
    this.processor = createPipeline({ config: c, ledger, routes, peers, events, delivery, address, stats, agents: this.agents, rates: this.rates.book, logger: this.moduleLogger('pipeline'), ccp: () => this.ccp });
    this.ccp = createCcp(c, routes, peers, () => address.value, this.moduleLogger('ccp'));
    this.btp = createBtpServer(c, peers, stats, this.moduleLogger('btp-server'), clusterClaims(this.cluster));
    await this.btp.listen();
    this.securityStats.preAuth = this.btp.preAuth;
    this.ilpHttp = await startIlpHttpServer(c, peers, stats, this.moduleLogger('ilp-http'), () => this.processor);

    if (c.settlement.enabled) {
      this.settlement = await loadSettlement({ config: c, ledger, events: this.events, logger: this.moduleLogger('settlement'), peers: this.peers, cluster: this.cluster });
    }

    const surface = { ledger: () => this.ledgerHandle, rates: () => this.rates, settlement: this.settlement, agents: this.agents, ccp: this.ccp, peers };
    this.control = new NodeControl(this, adminPlugins(surface), this.agents.approvals);
    await this.control.start();
    registerPartMetrics(this.control, surface);
    await this.settlement?.start();

    for (const spec of specs) this.controlPlane.install(spec);
    this.refreshImplicitRoutes();
    this.ccp?.start();
    this.sweeper = setInterval(() => this.sweep(), 25);
    this.sweeper.unref();
    this.stopStats = startStats(this.events, () => this.processor?.inFlightCount ?? 0);
    this.startedAt = Date.now();
    this.state = 'started';

    if (!this.address.known) await this.address.wait(10_000);
    const started = { ilpAddress: this.address.value, btpPort: this.btpPort, healthPort: this.control.healthPort, urls: this.control.urls, dataDir: c.dataDir };
    announceStarted(this.events, this.logger, started, upgradeNotice());
  }

  /** Stops gracefully: new packets get T03, packets in flight finish (bounded by their expiry), the ledger is flushed. Idempotent. */
  stop(): Promise<void> {
    if (this.stopPromise) return this.stopPromise;
    if (this.state === 'new') {
      this.state = 'stopped';
      return Promise.resolve();
    }
    this.stopPromise = this.doStop();
    return this.stopPromise;
  }

  private async doStop(): Promise<void> {
    this.state = 'stopping';
    this.events.emit({ type: 'node:stopping', reason: 'stop() called' });
    // Packets in flight end by their expiry, at most maxHoldTimeMs away; wait no longer than that.
    await drainWithin(this.processor, this.config.performance.maxHoldTimeMs + 1000);
    await this.processor?.close();
    clearInterval(this.sweeper);
    this.stopStats?.();
    this.ccp?.stop();
    await this.settlement?.stop();
    this.rates?.stop();
    this.peers.closeAll();
    await this.cluster?.stop();
    await this.btp?.close();
    await this.ilpHttp?.close();
    await this.control?.stop();
    await this.agents?.close();
    await this.shared?.close();
    await this.ledger?.close();
    this.events.flushNow();
    this.state = 'stopped';
    this.address.release();
  }

  /** Sets the function the node polls for rates (instead of rates.source.url). Call before start(). */
  setRateProvider(provider: RateProvider): void {
    if (this.state !== 'new') throw new Error('setRateProvider must be called before start()');
    this.rateProvider = provider;
  }

  /**
   * Sends a packet from the local agent through the node. Resolves to the Fulfill or the Reject.
   * Under a local policy (docs/agents.md) a denied send resolves to a Reject naming the rule, and one
   * above the approval line resolves once it was approved and ended (or was denied or timed out).
   * `onPacketId` receives the id the node gave the packet (the `packetId` of its events) before the
   * answer; it is not called when the packet is refused before it enters the pipeline.
   */
  async sendPacket(params: SendPacketParams, onPacketId?: (packetId: string) => void): Promise<SendPacketResult> {
    const outcome = await this.sendLocal(params, onPacketId);
    return outcome.pending ? outcome.done : outcome.result;
  }

  /** sendPacket, but a send waiting for approval answers at once with the approval. */
  sendLocal(params: SendPacketParams, onPacketId?: (packetId: string) => void): Promise<LocalOutcome> {
    if (this.state !== 'started') return Promise.reject(new ConnectorNotStartedError('sendPacket'));
    return this.agents!.payments.send(params, (p, memo) => this.rawSend(p, onPacketId, memo));
  }

  /** A send through the pipeline, past the local policy (LocalPayments applied it; `memo`: its spend memo account). */
  private rawSend(p: SendPacketParams, onPacketId?: (packetId: string) => void, memo?: string): Promise<SendPacketResult> {
    return this.state === 'started' ? sendFromAgent(this.processor!, p, this.address.value, onPacketId, memo) : Promise.reject(new ConnectorNotStartedError('sendPacket'));
  }

  /** The simple handler (seed PaymentRequest → PaymentResponse). Shares one slot with setLocalDeliveryHandler. */
  setPacketHandler(handler: PaymentHandler | null): void {
    this.delivery.setPacketHandler(handler);
  }

  /** The raw handler (fulfill or reject in ILP terms). Shares one slot with setPacketHandler. */
  setLocalDeliveryHandler(handler: LocalDeliveryHandler | null): void {
    this.delivery.setLocalDeliveryHandler(handler);
  }

  /** The seed's balance body for one peer. */
  getBalance(peerId: string): PeerAccountBalance {
    return peerBalance(this.ledger, this.peers, peerId, this.assets, this.securityStats.lateFulfills());
  }

  /** Every ledger account with its balance (and what is reserved on peer accounts). */
  getAccounts(): AccountLine[] {
    return accountList(this.ledger, this.peers, this.assets, this.securityStats.lateFulfills());
  }

  /** The asset an account's balance is an amount of (its peer's, the one its id names, else the node's). */
  accountAsset(account: string): { code: string; scale: number } {
    return this.assets.of(account);
  }

  /** Ledger access for the settlement engine and the ledger commands. */
  get ledgerHandle(): LedgerBackend | undefined {
    return this.ledger;
  }

  health(): HealthReport {
    return healthReport({
      phase: this.state,
      ledgerOpen: this.ledger !== undefined,
      ledgerFault: this.ledger?.fault,
      preAuth: this.securityStats.preAuth,
      staleRates: this.rates?.staleAssets() ?? [],
      btpListening: this.btp !== undefined && this.btp.port > 0,
      addressKnown: this.address.known,
      peers: this.peers,
      startedAt: this.startedAt,
      nodeId: this.nodeId,
      ilpAddress: this.address.value,
      version,
      identityKey: this.agents?.identity.publicKey,
      cluster: this.cluster,
    });
  }

  /** true once started and the address is known. */
  isReady(): boolean {
    return this.state === 'started' && this.address.known;
  }

  // ---------------------------------------------------------------- internals

  /** Own address → local; `<address>.<childId>` → that child; a parent is the default route. */
  private refreshImplicitRoutes(): void {
    refreshImplicitRoutes(this.routes, this.peers.all(), this.address.known ? this.address.value : undefined);
  }

  private sweep(): void {
    const now = Date.now();
    for (const p of this.peers.all()) p.link?.sweep(now);
  }
}

export { computeConditionFromData };
