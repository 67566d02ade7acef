/**
 * ConnectorNode: assembles the parts (config, ledger, BTP, routing, pipeline, delivery, HTTP) and owns
 * the lifecycle. This is the library API of the seed README: `new ConnectorNode(configOrPath, logger)`,
 * `start`, `stop`, `sendPacket`, `registerPeer`, `setPacketHandler`, `setLocalDeliveryHandler`, …
 */
import { createRequire } from 'node:module';
import type { Logger } from 'pino';
import { loadConfig, redactUrl, upgradeNotice, type NodeConfig, type NodeConfigInput } from '../config/index.js';
import { Ledger, accounts } from '../ledger/index.js';
import { ConnectorNotStartedError, InvalidArgumentError, PeerNotFoundError } from '../errors/index.js';
import { BtpServer } from './btp/btp-server.js';
import { SecurityStats } from './http/security-stats.js';
import { InFlightCaps } from './pipeline/in-flight-caps.js';
import type { BtpLink } from './btp/btp-link.js';
import type { BtpFrame } from './btp/codec.js';
import type { SettlementModule } from './ports.js';
import { EventStream } from './events.js';
import { deserializeIldcpResponse, serializeIldcpRequest, serializeIldcpResponse } from './ilp/ildcp.js';
import { deserializeIlpPacket, serializePrepare, IlpPacketType, type IlpFulfill, type IlpReject } from './ilp/packet.js';
import { isValidIlpAddress } from './ilp/address.js';
import { LocalDelivery } from './delivery/local-delivery.js';
import { createHttpDeliveryClient } from './delivery/http-client.js';
import { computeConditionFromData } from './delivery/payment-adapter.js';
import { PacketProcessor } from './pipeline/packet-processor.js';
import { LOCAL, RoutingTable } from './routing/routing-table.js';
import { PeerSet, type Peer, type PeerSpec } from './peers.js';
import { RuntimeStore, type RuntimeState } from './runtime-store.js';
import { createLogger } from './logger.js';
import { NodeControl } from './node-control.js';
import { CcpService } from './routing/ccp/ccp-service.js';
import { createNodeCcpHost } from './routing/ccp/node-host.js';
import { registerCcpMetrics } from './routing/ccp/metrics.js';
import { ledgerRoutes } from './http/ledger-routes.js';
import { NodeRates } from '../rates/node-rates.js';
import { ratesRoutes } from '../rates/admin-routes.js';
import type { RateProvider } from '../rates/source.js';
import { createAgents, type Agents, type LocalOutcome } from '../agents/index.js';
import { settlementDisabledRoutes } from './http/settlement-disabled.js';
import type {
  HealthReport,
  LocalDeliveryHandler,
  PaymentHandler,
  PeerAccountBalance,
  PeerInfo,
  PeerRegistrationRequest,
  RemovePeerResult,
  RouteInfo,
  SendPacketParams,
} from './types.js';

/** What sendPacket resolves to: the Fulfill or the Reject, tagged with the ILP packet type. */
export type SendPacketResult = ({ type: typeof IlpPacketType.Fulfill } & IlpFulfill) | ({ type: typeof IlpPacketType.Reject } & IlpReject);

const version = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

// The node's coded errors live in the catalogue (src/errors); re-exported for the library API.
export { ConnectorNotStartedError, InvalidArgumentError, PeerNotFoundError };

type State = 'new' | 'starting' | 'started' | 'stopping' | 'stopped';

export class ConnectorNode {
  readonly config: NodeConfig;
  readonly logger: Logger;
  /** the logger as given: module loggers are its children (so `module` appears once per line) */
  private readonly baseLogger: Logger;
  readonly events: EventStream;
  readonly version = version;
  /** Non-fatal findings of the config loader (unset credit limits, literal secrets, …). */
  readonly configWarnings: readonly string[];
  private state: State = 'new';
  private address: string;
  private addressKnown: boolean;
  private ledger: Ledger | undefined;
  private rates: NodeRates | undefined;
  private rateProvider: RateProvider | undefined;
  private btp: BtpServer | undefined;
  private readonly routes: RoutingTable;
  private readonly peers: PeerSet;
  private readonly delivery: LocalDelivery;
  private processor: PacketProcessor | undefined;
  private agents: Agents | undefined;
  private readonly store: RuntimeStore;
  private runtime: RuntimeState = { peers: [], routes: [], removedRoutes: [] };
  private sweeper: NodeJS.Timeout | undefined;
  private statsTimer: NodeJS.Timeout | undefined;
  private startedAt = 0;
  private addressWaiters: (() => void)[] = [];
  private control: NodeControl | undefined;
  private stopPromise: Promise<void> | undefined;
  private settlement: SettlementModule | undefined;
  /** Counters of the node's defences (Host/Origin refusals, key failures, caps, late fulfills). */
  readonly securityStats = new SecurityStats();
  /** route broadcast (CCP); undefined when routing.enabled is false */
  private ccp: CcpService | undefined;

  /**
   * @param configOrPath a YAML file path, or a config object (the schema's input shape)
   * @param logger a pino logger (default: createLogger(nodeId, config.logLevel) to stderr)
   */
  constructor(
    configOrPath?: string | NodeConfigInput,
    logger?: Logger,
    opts?: { env?: Record<string, string | undefined>; overrides?: Record<string, unknown>; cwd?: string },
  ) {
    const loaded = loadConfig(configOrPath, { env: opts?.env, overrides: opts?.overrides, cwd: opts?.cwd });
    this.config = loaded.config;
    this.configWarnings = loaded.warnings;
    this.baseLogger = logger ?? createLogger(this.config.nodeId, this.config.logLevel);
    this.logger = this.baseLogger.child({ module: 'node' });
    this.events = new EventStream(this.config.nodeId);
    this.addressKnown = this.config.ilpAddress !== undefined;
    this.address = this.config.ilpAddress ?? `local.${this.config.nodeId}`;
    this.store = new RuntimeStore(this.config.dataDir);
    this.routes = new RoutingTable((id) => this.peers.get(id)?.relation);
    this.peers = new PeerSet({
      nodeId: this.config.nodeId,
      maxFrameBytes: this.config.performance.maxFrameBytes,
      logger: this.baseLogger.child({ module: 'btp' }),
      events: this.events,
      handlers: {
        onIlpRequest: (link, requestId, ilp) => this.onIlpRequest(link, requestId, ilp),
        onOtherRequest: (link, frame) => this.onOtherRequest(link, frame),
      },
      onLinkUp: (peer, link) => this.onLinkUp(peer, link),
      onLinkDown: (peer) => this.ccp?.peerDown(peer.id),
    });
    const ld = this.config.localDelivery;
    const http = ld.enabled && ld.handlerUrl
      ? createHttpDeliveryClient({ handlerUrl: ld.handlerUrl, timeoutMs: ld.timeout, authToken: ld.authToken, logger: this.baseLogger.child({ module: 'delivery' }) })
      : undefined;
    this.delivery = new LocalDelivery(() => this.address, this.baseLogger.child({ module: 'delivery' }), http);
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
    return this.address;
  }

  /** The BTP port actually bound (useful with btpServerPort: 0). */
  get btpPort(): number {
    return this.btp?.port ?? 0;
  }

  get isStarted(): boolean {
    return this.state === 'started';
  }

  /** Ports and URLs of the HTTP surfaces once started. */
  get endpoints(): { btp: number; health?: string; admin?: string; explorer?: string } {
    return { btp: this.btpPort, ...this.control?.urls };
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
    this.runtime = this.store.load();
    this.ledger = await Ledger.open({
      dataDir: c.dataDir,
      sync: c.ledger.sync,
      journalRetentionMs: c.ledger.journalRetentionMs,
      onWarning: (message, details) => this.logger.warn(details, message),
    });
    this.ledger.onBalanceChanged = (changes) => {
      if (!this.events.active) return;
      for (const [account, balance] of changes) this.events.emit({ type: 'balance:changed', account, balance: balance.toString() });
    };
    this.ledger.onFault = (fault) => {
      this.logger.error({ reason: fault.reason, dataDir: c.dataDir }, 'ledger write failed: refusing payments (T00) until the store works again');
      this.events.emit({ type: 'ledger:fault', reason: fault.reason, dataDir: c.dataDir });
    };
    this.ledger.onRecovered = (info) => {
      this.logger.warn(info, 'ledger store reopened: losses booked, taking payments again');
      this.events.emit({ type: 'ledger:recovered', ...info });
    };
    this.ledger.onSettlementRequired = (peerId, owed, threshold) => {
      this.events.emit({ type: 'settlement:required', peerId, owed: owed.toString(), threshold: threshold.toString() });
      this.settlement?.onSettlementRequired(peerId, owed, threshold);
    };

    this.rates = new NodeRates({
      config: c.rates,
      assetCode: c.assetCode,
      dataDir: c.dataDir,
      logger: this.baseLogger.child({ module: 'rates' }),
      emit: (e) => this.events.emit(e),
    });
    if (this.rateProvider) this.rates.setProvider(this.rateProvider);
    await this.rates.start();

    this.agents = createAgents(c, this.baseLogger.child({ module: 'agents' }), () => this.address);
    this.processor = new PacketProcessor({
      policies: this.agents.policies,
      ledger: this.ledger,
      routes: this.routes,
      events: this.events,
      logger: this.baseLogger.child({ module: 'pipeline' }),
      expiry: c.performance,
      feeBps: BigInt(c.feeBps),
      asset: { code: c.assetCode, scale: c.assetScale },
      rates: this.rates.book,
      getPeer: (id) => this.peers.get(id),
      address: () => this.address,
      ildcp: (peerId) => this.answerIldcp(peerId),
      peerProtocol: (peerId, destination, data) => this.ccp?.handle(peerId, destination, data),
      deliverLocal: this.delivery.deliver,
      caps: new InFlightCaps(c.performance.maxInFlightPerPeer, c.performance.maxInFlightBytesPerPeer, (peer, limit) => this.securityStats.countInFlightRejected(peer, limit)),
    });

    const specs: PeerSpec[] = [
      ...c.peers.map((p): PeerSpec => ({
        id: p.id,
        url: p.url,
        authToken: p.authToken,
        relation: p.relation,
        maxPacketAmount: p.maxPacketAmount,
        creditLimit: p.creditLimit,
        settleThreshold: p.settleThreshold,
        rateLimit: p.rateLimit,
        settlement: p.settlement,
        asset: p.assetCode !== undefined || p.assetScale !== undefined ? { code: p.assetCode ?? c.assetCode, scale: p.assetScale ?? c.assetScale } : undefined,
        sendRoutes: p.sendRoutes,
        receiveRoutes: p.receiveRoutes,
        source: 'config',
      })),
      ...this.runtime.peers.filter((r) => !c.peers.some((p) => p.id === r.id)),
    ];
    for (const spec of specs) {
      if (spec.creditLimit === undefined) this.logger.warn({ peer: spec.id }, 'peer has no creditLimit: it may owe us without limit');
    }

    for (const r of c.routes) {
      if (!this.runtime.removedRoutes.includes(r.prefix)) this.routes.add({ prefix: r.prefix, nextHop: this.hop(r.nextHop), priority: r.priority, source: 'config' });
    }
    for (const r of this.runtime.routes) this.routes.add({ ...r, nextHop: this.hop(r.nextHop), source: 'runtime' });

    if (c.routing.enabled) {
      const host = createNodeCcpHost({ routes: this.routes, peer: (id) => this.peers.get(id), address: () => this.address });
      this.ccp = new CcpService(host, c.routing, this.baseLogger.child({ module: 'ccp' }));
    }
    this.btp = new BtpServer({
      host: c.btpServerHost,
      port: c.btpServerPort,
      maxFrameBytes: c.performance.maxFrameBytes,
      preAuth: { maxTotal: c.performance.maxPreAuthConnections, maxPerAddress: c.performance.maxPreAuthPerAddress, timeoutMs: c.performance.preAuthTimeoutMs },
      allowedHosts: c.security.allowedHosts,
      trustProxy: c.security.trustProxy,
      stats: this.securityStats,
      logger: this.baseLogger.child({ module: 'btp-server' }),
      authenticate: this.peers.authenticate,
      onAuthenticated: this.peers.acceptInbound,
    });
    await this.btp.listen();
    this.securityStats.preAuth = this.btp.preAuth;

    if (c.settlement.enabled) this.settlement = await this.loadSettlement(this.ledger);

    this.control = new NodeControl(this, [
      ...ledgerRoutes(() => this.ledgerHandle),
      ...ratesRoutes(() => this.rates),
      ...(this.settlement?.adminRoutes() ?? [settlementDisabledRoutes]),
      ...this.agents.adminRoutes(),
    ]);
    await this.control.start();
    if (this.ccp && this.control.metrics) registerCcpMetrics(this.control.metrics.registry, () => this.ccp!.stats());
    const registry = this.control.metricsRegistry;
    if (registry) this.rates.registerMetrics(registry);
    await this.settlement?.start();

    for (const spec of specs) this.addPeer(spec);
    this.refreshImplicitRoutes();
    this.ccp?.start();
    this.sweeper = setInterval(() => this.sweep(), 25);
    this.sweeper.unref();
    this.startStats();
    this.startedAt = Date.now();
    this.state = 'started';

    if (!this.addressKnown) await this.waitForAddress(10_000);
    this.events.emit({
      type: 'node:started',
      ilpAddress: this.address,
      btpPort: this.btpPort,
      healthPort: this.control.healthPort,
      adminUrl: this.control.urls.admin,
      dataDir: c.dataDir,
    });
    this.logger.info({ ilpAddress: this.address, btpPort: this.btpPort, ...this.control.urls, dataDir: c.dataDir }, 'node started');
    this.logger.info(upgradeNotice());
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
    if (this.processor) {
      // Packets in flight end by their expiry, at most maxHoldTimeMs away; wait no longer than that.
      let timer: NodeJS.Timeout | undefined;
      const limit = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.config.performance.maxHoldTimeMs + 1000)));
      await Promise.race([this.processor.drain(), limit]);
      clearTimeout(timer);
    }
    clearInterval(this.sweeper);
    clearInterval(this.statsTimer);
    this.ccp?.stop();
    await this.settlement?.stop();
    this.rates?.stop();
    this.peers.closeAll();
    await this.btp?.close();
    await this.control?.stop();
    await this.agents?.close();
    await this.ledger?.close();
    this.events.flushNow();
    this.state = 'stopped';
    for (const w of this.addressWaiters) w();
    this.addressWaiters = [];
  }

  /**
   * Sets the function the node polls for rates (instead of rates.source.url), every
   * rates.source.pollIntervalMs (default 60000 ms). Call before start().
   */
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
    return this.agents!.payments.send(params, (p) => this.sendRaw(p, onPacketId));
  }

  private sendRaw(params: SendPacketParams, onPacketId?: (packetId: string) => void): Promise<SendPacketResult> {
    if (this.state !== 'started') return Promise.reject(new ConnectorNotStartedError('sendPacket'));
    const processor = this.processor!;
    if (!Buffer.isBuffer(params.executionCondition) || params.executionCondition.length !== 32) {
      return Promise.resolve(this.localReject('F00', 'executionCondition must be a 32-byte Buffer'));
    }
    if (params.executionCondition.every((b) => b === 0)) {
      return Promise.resolve(
        this.localReject('F00', 'executionCondition is all zeros, which no fulfillment can match: use computeConditionFromData(data).condition'),
      );
    }
    let buf: Buffer;
    try {
      buf = serializePrepare({
        amount: BigInt(params.amount),
        expiresAt: params.expiresAt,
        executionCondition: params.executionCondition,
        destination: params.destination,
        data: params.data ?? Buffer.alloc(0),
      });
    } catch (err) {
      return Promise.resolve(this.localReject('F00', `invalid packet: ${err instanceof Error ? err.message : String(err)}`));
    }
    return new Promise((resolve) => {
      const packetId = processor.handle(LOCAL, 0, buf, { respondIlp: (_requestId, ilp) => resolve(toResult(ilp)) });
      if (packetId !== undefined) onPacketId?.(packetId);
    });
  }

  /** The simple handler (seed PaymentRequest → PaymentResponse). Shares one slot with setLocalDeliveryHandler. */
  setPacketHandler(handler: PaymentHandler | null): void {
    this.delivery.setPacketHandler(handler);
  }

  /** The raw handler (fulfill or reject in ILP terms). Shares one slot with setPacketHandler. */
  setLocalDeliveryHandler(handler: LocalDeliveryHandler | null): void {
    this.delivery.setLocalDeliveryHandler(handler);
  }

  /** Adds a peer at runtime, or updates its limits and routes (persisted in the data directory). */
  async registerPeer(request: PeerRegistrationRequest): Promise<PeerInfo> {
    return (await this.upsertPeer(request)).peer;
  }

  /** registerPeer, telling whether the peer is new. */
  async upsertPeer(request: PeerRegistrationRequest): Promise<{ peer: PeerInfo; created: boolean }> {
    this.requireStarted('registerPeer');
    const spec = parsePeerRequest(request, this.config.nodeId);
    const existing = this.peers.get(spec.id);
    const created = existing === undefined;
    if (existing) {
      const urlChanged = existing.spec.url !== spec.url || existing.spec.authToken !== spec.authToken;
      if (urlChanged) this.peers.remove(spec.id);
      else existing.spec = { ...spec, source: existing.spec.source };
    }
    if (created || !this.peers.get(spec.id)) this.addPeer(spec);
    for (const r of request.routes ?? []) {
      this.routes.add({ prefix: r.prefix, nextHop: spec.id, priority: r.priority ?? 0, source: 'runtime' });
      this.runtime.routes = this.runtime.routes.filter((x) => !(x.prefix === r.prefix && x.nextHop === spec.id));
      this.runtime.routes.push({ prefix: r.prefix, nextHop: spec.id, priority: r.priority ?? 0 });
    }
    this.runtime.peers = this.runtime.peers.filter((p) => p.id !== spec.id);
    this.runtime.peers.push(spec);
    await this.store.save(this.runtime);
    this.refreshImplicitRoutes();
    return { peer: this.peerInfo(this.peers.get(spec.id)!), created };
  }

  /** Removes a peer (its ledger account is kept; a non-zero balance draws a warning). */
  async removePeer(peerId: string, removeRoutes = true): Promise<RemovePeerResult> {
    this.requireStarted('removePeer');
    const peer = this.peers.remove(peerId);
    if (!peer) throw new PeerNotFoundError(peerId);
    this.ccp?.peerRemoved(peerId);
    const removedRoutes = removeRoutes ? this.routes.removeNextHop(peerId, ['config', 'runtime']) : [];
    this.runtime.peers = this.runtime.peers.filter((p) => p.id !== peerId);
    this.runtime.routes = this.runtime.routes.filter((r) => !removeRoutes || r.nextHop !== peerId);
    await this.store.save(this.runtime);
    this.refreshImplicitRoutes();
    const balance = this.ledger!.balance(accounts.peer(peerId));
    const warning = balance !== 0n ? `peer ${peerId} still has a balance of ${balance}; its ledger account is kept` : undefined;
    if (warning) this.logger.warn({ peer: peerId, balance: balance.toString() }, 'removed a peer with a non-zero balance');
    return { peerId, removedRoutes, warning };
  }

  listPeers(): PeerInfo[] {
    return this.peers.all().map((p) => this.peerInfo(p));
  }

  listRoutes(): RouteInfo[] {
    const now = Date.now();
    return this.routes.list().map((r) => ({
      prefix: r.prefix,
      nextHop: r.nextHop,
      priority: r.priority,
      source: r.source,
      ...(r.source === 'ccp' ? { path: [...(r.path ?? [])], ageMs: now - (r.learnedAt ?? now) } : {}),
    }));
  }

  /** Adds a route at runtime (persisted). Returns a warning when nextHop names no known peer. */
  async addRoute(route: { prefix: string; nextHop: string; priority?: number }): Promise<{ route: RouteInfo; warning?: string }> {
    if (!isValidIlpAddress(route.prefix) && !/^(g|private|example|self|test[1-3]?|local)$/.test(route.prefix)) {
      throw new InvalidArgumentError(`route prefix ${JSON.stringify(route.prefix)} is not an ILP address prefix (e.g. g.alice)`);
    }
    const nextHop = this.hop(route.nextHop);
    const priority = route.priority ?? 0;
    this.routes.add({ prefix: route.prefix, nextHop, priority, source: 'runtime' });
    this.runtime.routes = this.runtime.routes.filter((r) => !(r.prefix === route.prefix && r.nextHop === nextHop));
    this.runtime.routes.push({ prefix: route.prefix, nextHop, priority });
    this.runtime.removedRoutes = this.runtime.removedRoutes.filter((p) => p !== route.prefix);
    await this.store.save(this.runtime);
    const warning = nextHop !== LOCAL && !this.peers.get(nextHop) ? `nextHop ${nextHop} is not a known peer yet` : undefined;
    return { route: { prefix: route.prefix, nextHop, priority, source: 'runtime' }, warning };
  }

  /** Removes every route for `prefix`; false when there was none. */
  async removeRoute(prefix: string): Promise<boolean> {
    const removed = this.routes.remove(prefix, 'config') + this.routes.remove(prefix, 'runtime');
    if (removed === 0) return false;
    this.runtime.routes = this.runtime.routes.filter((r) => r.prefix !== prefix);
    if (this.config.routes.some((r) => r.prefix === prefix)) this.runtime.removedRoutes.push(prefix);
    await this.store.save(this.runtime);
    return true;
  }

  /** The seed's balance body for one peer. */
  getBalance(peerId: string): PeerAccountBalance {
    if (!this.peers.get(peerId) && this.ledger?.balance(accounts.peer(peerId)) === 0n) throw new PeerNotFoundError(peerId);
    const b = this.ledger?.balance(accounts.peer(peerId)) ?? 0n;
    return {
      peerId,
      balances: [
        {
          tokenId: this.config.assetCode,
          netBalance: b.toString(),
          creditBalance: (b > 0n ? b : 0n).toString(),
          debitBalance: (b < 0n ? -b : 0n).toString(),
        },
      ],
    };
  }

  /** Every ledger account with its balance (and what is reserved on peer accounts). */
  getAccounts(): { account: string; balance: string; reserved?: string }[] {
    const ledger = this.ledger;
    if (!ledger) return [];
    const out: { account: string; balance: string; reserved?: string }[] = [];
    const seen = new Set<string>();
    for (const [account, balance] of ledger.balances()) {
      seen.add(account);
      const peerId = account.startsWith('peer:') ? account.slice(5) : undefined;
      out.push({ account, balance: balance.toString(), ...(peerId ? { reserved: ledger.reserved(peerId).toString() } : {}) });
    }
    for (const p of this.peers.all()) {
      if (!seen.has(accounts.peer(p.id))) out.push({ account: accounts.peer(p.id), balance: '0', reserved: ledger.reserved(p.id).toString() });
    }
    return out.sort((a, b) => a.account.localeCompare(b.account));
  }

  /** Ledger access for the settlement engine and the ledger commands. */
  get ledgerHandle(): Ledger | undefined {
    return this.ledger;
  }

  health(): HealthReport {
    const peers = this.peers.all().map((p) => ({ id: p.id, connected: p.connected }));
    const connected = peers.filter((p) => p.connected).length;
    const fault = this.ledger?.fault;
    const ledgerOk = this.ledger !== undefined && this.state === 'started' && fault === undefined;
    const btpOk = this.btp !== undefined && this.btp.port > 0 && this.state === 'started';
    const reasons: string[] = [];
    if (fault !== undefined) reasons.push(`ledger write failed (${fault.reason}): refusing payments until the store works again`);
    else if (!ledgerOk) reasons.push('ledger is not open');
    if (!btpOk) reasons.push('BTP server is not listening');
    for (const p of peers) if (!p.connected) reasons.push(`peer ${p.id} is not connected`);
    const gate = this.securityStats.preAuth;
    if (gate && Date.now() - gate.lastRefusedAt < 60_000) reasons.push(`BTP pre-auth cap reached: ${gate.refused} connections refused since start`);
    if (!this.addressKnown) reasons.push('ILP address not yet learned from the parent');
    const stale = this.rates?.staleAssets() ?? [];
    if (stale.length > 0) reasons.push(`rates are stale for ${stale.join(', ')}: pairs touching them get T00`);
    let status: HealthReport['status'];
    if (this.state === 'new' || this.state === 'starting') status = 'starting';
    else if (!ledgerOk || !btpOk) status = 'unhealthy';
    else if (connected < peers.length || !this.addressKnown || stale.length > 0) status = 'degraded';
    else status = 'healthy';
    return {
      status,
      uptime: this.startedAt ? Math.floor((Date.now() - this.startedAt) / 1000) : 0,
      peersConnected: connected,
      totalPeers: peers.length,
      timestamp: new Date().toISOString(),
      nodeId: this.nodeId,
      ilpAddress: this.address,
      version,
      checks: { ledger: ledgerOk, btp: btpOk, peers },
      reasons,
      ...(gate ? { preAuth: { open: gate.open, refused: gate.refused, ...(gate.lastRefusedAt > 0 ? { lastRefusedAt: new Date(gate.lastRefusedAt).toISOString() } : {}) } } : {}),
    };
  }

  /** true once started and the address is known. */
  isReady(): boolean {
    return this.state === 'started' && this.addressKnown;
  }

  /** Drops a peer's socket at once (tests and operators); a dialled peer reconnects. */
  dropPeerConnection(peerId: string): boolean {
    const peer = this.peers.get(peerId);
    if (!peer?.link) return false;
    peer.link.socket.terminate();
    return true;
  }

  // ---------------------------------------------------------------- internals

  private addPeer(spec: PeerSpec): Peer {
    const peer = this.peers.add(spec);
    this.ledger?.setLimits(spec.id, { creditLimit: spec.creditLimit, settleThreshold: spec.settleThreshold });
    if (spec.relation === 'parent' && this.routes.defaultNextHop === undefined) this.routes.setDefault(spec.id);
    return peer;
  }

  /** Route targets: our nodeId means local delivery. */
  private hop(nextHop: string): string {
    return nextHop === this.config.nodeId ? LOCAL : nextHop;
  }

  /** Own address → local; `<address>.<childId>` → that child; a parent is the default route. */
  private refreshImplicitRoutes(): void {
    for (const r of this.routes.list()) if (r.source === 'implicit') this.routes.remove(r.prefix, 'implicit');
    if (this.addressKnown) {
      this.routes.add({ prefix: this.address, nextHop: LOCAL, priority: 0, source: 'implicit' });
      for (const p of this.peers.all()) {
        if (p.relation === 'child') this.routes.add({ prefix: `${this.address}.${p.id}`, nextHop: p.id, priority: 0, source: 'implicit' });
      }
    }
    const parent = this.peers.all().find((p) => p.relation === 'parent');
    this.routes.setDefault(parent?.id);
  }

  private onIlpRequest(link: BtpLink, requestId: number, ilp: Buffer): void {
    const processor = this.processor;
    if (!processor) return;
    processor.handle(link.peerId, requestId, ilp, link);
  }

  /** Settlement sub-protocols (BTP TRANSFER or MESSAGE without `ilp`), handed to the engine. */
  private onOtherRequest(link: BtpLink, frame: BtpFrame): void {
    const taken = this.settlement?.onPeerRequest(link.peerId, frame, (reply) => {
      if (reply.ok) link.respond({ type: 1, requestId: frame.requestId, protocolData: reply.protocolData ?? [] });
      else link.respondError(frame.requestId, reply.code, 'NotAcceptedError', reply.message);
    });
    if (!taken) link.respondError(frame.requestId, 'F00', 'NotAcceptedError', 'unsupported sub-protocol: settlement is not enabled on this node');
  }

  /** Loads the settlement engine (and through it the chain SDKs) only when settlement is enabled. */
  private async loadSettlement(ledger: Ledger): Promise<SettlementModule> {
    const { createSettlementModule } = await import('../settlement/index.js');
    return createSettlementModule({
      config: this.config,
      ledger,
      events: this.events,
      logger: this.baseLogger.child({ module: 'settlement' }),
      dataDir: this.config.dataDir,
      peers: () =>
        this.peers.all().map((p) => ({ id: p.id, connected: p.connected, settleThreshold: p.spec.settleThreshold, settlement: p.spec.settlement })),
      request: (peerId, frame, deadline, cb) => {
        const link = this.peers.get(peerId)?.link;
        if (!link?.isOpen) {
          cb(new Error(`peer ${peerId} is not connected`));
          return;
        }
        link.request(frame, deadline, (err, _ilp, response) => cb(err, response));
      },
    });
  }

  private answerIldcp(peerId: string): Buffer | undefined {
    const peer = this.peers.get(peerId);
    if (peer?.relation !== 'child' || !this.addressKnown) return undefined;
    // a child's asset is its own when configured (it learns it here), else the node's
    const asset = peer.asset ?? { code: this.config.assetCode, scale: this.config.assetScale };
    return serializeIldcpResponse({ clientAddress: `${this.address}.${peerId}`, assetScale: asset.scale, assetCode: asset.code });
  }

  private onLinkUp(peer: Peer, link: BtpLink): void {
    this.settlement?.onPeerConnected(peer.id);
    this.ccp?.peerUp(peer.id);
    if (peer.relation !== 'parent' || this.config.ilpAddress !== undefined) return;
    const request = serializeIldcpRequest({ expiresAt: new Date(Date.now() + 30_000) });
    link.sendIlp(request, Date.now() + 30_000, (err, ilp) => {
      if (err || !ilp) {
        this.logger.warn({ peer: peer.id, err: err?.message }, 'ILDCP request to the parent failed');
        return;
      }
      try {
        if (ilp[0] !== IlpPacketType.Fulfill) throw new Error('parent rejected peer.config');
        const info = deserializeIldcpResponse(ilp);
        const expected = peer.asset ?? { code: this.config.assetCode, scale: this.config.assetScale };
        if (info.assetCode !== expected.code || info.assetScale !== expected.scale) {
          this.logger.error({ parent: peer.id, ...info, expected }, "the parent's asset differs from the one configured for it (peers[].assetCode/assetScale, else the node's); refusing the address");
          return;
        }
        this.address = info.clientAddress;
        this.addressKnown = true;
        this.refreshImplicitRoutes();
        this.logger.info({ ilpAddress: this.address, parent: peer.id }, 'learned ILP address from parent');
        const waiters = this.addressWaiters;
        this.addressWaiters = [];
        for (const w of waiters) w();
      } catch (e) {
        this.logger.warn({ peer: peer.id, err: e instanceof Error ? e.message : String(e) }, 'unusable ILDCP answer from the parent');
      }
    });
  }

  private waitForAddress(timeoutMs: number): Promise<void> {
    if (this.addressKnown) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(resolve, timeoutMs);
      this.addressWaiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  private sweep(): void {
    const now = Date.now();
    for (const p of this.peers.all()) p.link?.sweep(now);
  }

  private startStats(): void {
    let lastFulfilled = 0;
    let lastRejected = 0;
    let last = Date.now();
    this.statsTimer = setInterval(() => {
      const snap = this.events.snapshot().totals;
      const now = Date.now();
      const secs = Math.max(0.001, (now - last) / 1000);
      const fulfilled = snap.fulfilled - lastFulfilled;
      const rejected = snap.rejected - lastRejected;
      lastFulfilled = snap.fulfilled;
      lastRejected = snap.rejected;
      last = now;
      const inFlight = this.processor?.inFlightCount ?? 0;
      this.events.setInFlight(inFlight);
      this.events.emit({
        type: 'node:stats',
        packetsIn: Math.round((fulfilled + rejected) / secs),
        fulfilledPerSec: Math.round(fulfilled / secs),
        rejectedPerSec: Math.round(rejected / secs),
        inFlight,
        totalFulfilled: snap.fulfilled,
        totalRejected: snap.rejected,
      });
    }, 1000);
    this.statsTimer.unref();
  }

  private localReject(code: string, message: string): SendPacketResult {
    return { type: IlpPacketType.Reject, code, message, triggeredBy: this.address, data: Buffer.alloc(0) };
  }

  private requireStarted(method: string): void {
    if (this.state !== 'started') throw new ConnectorNotStartedError(method);
  }

  private peerInfo(p: Peer): PeerInfo {
    const routes = this.routes.list().filter((r) => r.nextHop === p.id);
    return {
      id: p.id,
      relation: p.relation,
      connected: p.connected,
      direction: p.spec.url ? 'outbound' : 'inbound',
      // a secret inside the URL (user:pass@, ?token=) is never shown: it belongs in authToken
      url: redactUrl(p.spec.url),
      ilpAddresses: [...new Set(routes.map((r) => r.prefix))],
      routeCount: routes.length,
      balance: (this.ledger?.balance(accounts.peer(p.id)) ?? 0n).toString(),
      creditLimit: p.spec.creditLimit?.toString(),
      settleThreshold: p.spec.settleThreshold?.toString(),
      settlement: p.spec.settlement,
    };
  }
}

function toResult(ilp: Buffer): SendPacketResult {
  const packet = deserializeIlpPacket(ilp);
  if (packet.type === IlpPacketType.Fulfill) return { type: IlpPacketType.Fulfill, ...packet.fulfill };
  if (packet.type === IlpPacketType.Reject) return { type: IlpPacketType.Reject, ...packet.reject };
  throw new Error('unexpected ILP packet type in a response');
}

const ID = /^[a-zA-Z0-9_~-]+$/;
function amount(v: bigint | string | undefined, name: string): bigint | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'bigint') return v;
  if (!/^[0-9]+$/.test(v)) throw new InvalidArgumentError(`${name} must be an unsigned integer (decimal string), got ${JSON.stringify(v)}`);
  return BigInt(v);
}

function parsePeerRequest(r: PeerRegistrationRequest, nodeId: string): PeerSpec {
  if (typeof r.id !== 'string' || !ID.test(r.id)) throw new InvalidArgumentError('id must match [a-zA-Z0-9_~-]+');
  if (r.id === nodeId) throw new InvalidArgumentError('a peer cannot have our own nodeId');
  if (r.url !== undefined && !/^wss?:\/\/[^/]+/.test(r.url)) throw new InvalidArgumentError('url must be a ws:// or wss:// URL');
  if (typeof r.authToken !== 'string' || r.authToken.length === 0) throw new InvalidArgumentError('authToken must be a non-empty string');
  const relation = r.relation ?? 'peer';
  if (!['parent', 'peer', 'child'].includes(relation)) throw new InvalidArgumentError('relation must be parent, peer or child');
  for (const route of r.routes ?? []) {
    if (!isValidIlpAddress(route.prefix)) throw new InvalidArgumentError(`route prefix ${JSON.stringify(route.prefix)} is not an ILP address`);
  }
  return {
    id: r.id,
    url: r.url,
    authToken: r.authToken,
    relation,
    maxPacketAmount: amount(r.maxPacketAmount, 'maxPacketAmount'),
    creditLimit: amount(r.creditLimit, 'creditLimit'),
    settleThreshold: amount(r.settleThreshold, 'settleThreshold'),
    rateLimit: r.rateLimit,
    settlement: r.settlement,
    source: 'runtime',
  };
}

export { computeConditionFromData };
