/**
 * The node's HTTP surfaces (health + metrics on the health port, the admin API) and the NodeApi
 * adapter they read. Kept apart from ConnectorNode so the packet path never depends on HTTP.
 */
import type { ConnectorNode } from './connector-node.js';
import type { NodeApi } from './http/node-api.js';
import { createAdminServer, type AdminRoutePlugin } from './http/admin-server.js';
import { createHealthServer } from './http/health-server.js';
import { createMetrics, type NodeMetrics } from './http/metrics.js';
import { startExplorer, type Explorer } from './http/explorer/index.js';
import type { ExplorerApprovals } from './http/explorer/approval-routes.js';
import { IlpPacketType } from './ilp/packet.js';
import { computeConditionFromData } from './delivery/payment-adapter.js';
import type { IlpSendRequest, IlpSendResponse } from './types.js';

interface Server {
  listen(): Promise<{ url: string; port: number }>;
  close(): Promise<void>;
}


export class NodeControl {
  private health: Server | undefined;
  private admin: Server | undefined;
  /** the node's metrics, when metrics.enabled (other parts register their own series in its registry) */
  metrics: NodeMetrics | undefined;
  private explorer: Explorer | undefined;
  readonly urls: { health?: string; admin?: string; explorer?: string } = {};
  healthPort = 0;
  /** The metrics registry while metrics are on (others register their own gauges on it). */
  get metricsRegistry(): NodeMetrics['registry'] | undefined {
    return this.metrics?.registry;
  }
  constructor(
    private readonly node: ConnectorNode,
    /** Admin routes added by other parts (settlement, ledger), registered before listen. */
    private readonly adminPlugins: AdminRoutePlugin[] = [],
    /** The approval queue, for the explorer's Approvals tab. */
    private readonly approvals?: ExplorerApprovals,
  ) {}

  api(): NodeApi {
    const node = this.node;
    return {
      get nodeId() {
        return node.nodeId;
      },
      get ilpAddress() {
        return node.ilpAddress;
      },
      version: node.version,
      events: node.events,
      security: node.securityStats,
      health: () => node.health(),
      isReady: () => node.isReady(),
      listPeers: () => node.listPeers(),
      registerPeer: (r, opts) => node.addPeer(r, opts),
      updatePeer: (id, patch) => node.updatePeer(id, patch),
      removePeer: (id, removeRoutes) => node.removePeer(id, removeRoutes),
      listRoutes: () => node.listRoutes(),
      addRoute: (r) => node.addRoute(r),
      removeRoute: (p) => node.removeRoute(p),
      getBalance: (id) => node.getBalance(id),
      getAccounts: () => node.getAccounts(),
      accountAsset: (account) => node.accountAsset(account),
      sendIlp: (r) => sendIlp(node, r),
    };
  }

  async start(): Promise<void> {
    const c = this.node.config;
    const logger = this.node.moduleLogger('http');
    const api = this.api();
    if (c.metrics.enabled) this.metrics = createMetrics(this.node.events, api);
    const metrics = this.metrics;
    const { allowedHosts, trustProxy } = c.security;
    const stats = this.node.securityStats;
    this.health = createHealthServer(api, { host: c.healthCheckHost, port: c.healthCheckPort, logger, allowedHosts, stats, adminUrl: () => this.urls.admin, ...(metrics ? { metrics: () => metrics.render() } : {}) });
    const h = await this.health.listen();
    this.urls.health = h.url;
    this.healthPort = h.port;
    if (c.adminApi.enabled) {
      this.admin = createAdminServer(api, {
        host: c.adminApi.host,
        port: c.adminApi.port,
        apiKey: c.adminApi.apiKey,
        keys: c.adminApi.keys,
        allowedIps: c.adminApi.allowedIps ? [...c.adminApi.allowedIps] : undefined,
        allowedHosts,
        trustProxy,
        stats,
        maxBodyBytes: c.adminApi.maxBodyBytes,
        logger,
        plugins: this.adminPlugins,
      });
      this.urls.admin = (await this.admin.listen()).url;
    }
    if (c.explorer.enabled) {
      const { host, port, maxEvents, retentionMs } = c.explorer;
      // The send form and the approve buttons are never on in production, whatever explorer.allowSend
      // and allowApprove say; with admin keys, they need one with the send / approve scope (gate.ts).
      const development = c.security.environment !== 'production';
      const allowSend = c.explorer.allowSend && development;
      const allowApprove = c.explorer.allowApprove && development;
      const { apiKey, keys } = c.adminApi;
      const approvals = this.approvals;
      this.explorer = await startExplorer(api, {
        host, port, maxEvents, retentionMs, logger, allowedHosts, stats, allowSend, allowApprove,
        ...(apiKey ? { apiKey } : {}), ...(keys ? { keys } : {}), ...(approvals ? { approvals } : {}),
      });
      this.urls.explorer = this.explorer.url;
    }
  }

  async stop(): Promise<void> {
    this.metrics?.close();
    await Promise.all([this.admin?.close(), this.health?.close(), this.explorer?.close()]);
  }
}

async function sendIlp(node: ConnectorNode, r: IlpSendRequest): Promise<IlpSendResponse> {
  const data = r.data ? Buffer.from(r.data, 'base64') : Buffer.alloc(0);
  const { condition } = computeConditionFromData(data);
  let packetId: string | undefined;
  const outcome = await node.sendLocal(
    {
      destination: r.destination,
      amount: BigInt(r.amount),
      executionCondition: condition,
      expiresAt: new Date(Date.now() + (r.timeoutMs ?? 30_000)),
      data,
      ...(r.receipt === true ? { receipt: true } : {}),
    },
    (id) => (packetId = id),
  );
  if (outcome.pending) return { accepted: false, fulfilled: false, pending: true, approvalId: outcome.approval.id, expiresAt: outcome.approval.expiresAt };
  const result = outcome.result;
  const id = packetId === undefined ? {} : { packetId };
  if (result.type === IlpPacketType.Fulfill) {
    return {
      accepted: true,
      fulfilled: true,
      fulfillment: result.fulfillment.toString('base64'),
      ...(result.data.length > 0 ? { data: result.data.toString('base64') } : {}),
      ...id,
      ...('receipt' in result && result.receipt !== undefined ? { receipt: result.receipt } : {}),
    };
  }
  return {
    accepted: false,
    fulfilled: false,
    code: result.code,
    message: result.message,
    triggeredBy: result.triggeredBy,
    ...(result.data.length > 0 ? { data: result.data.toString('base64') } : {}),
    ...id,
  };
}
