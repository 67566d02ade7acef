/**
 * The health server (default port 8080, always on): `/health`, `/health/live`, `/health/ready` and,
 * when a provider is given, Prometheus `/metrics`. No auth: it is what load balancers and orchestrators
 * probe, so it carries status only, never a way to act on the node.
 */
import type { Logger } from 'pino';
import type { HealthReport, HealthStatus } from '../types.js';
import type { NodeApi } from './node-api.js';
import type { SecurityStats } from './security-stats.js';
import { createHostPolicy, installHostCheck } from './host-check.js';
import { createBaseApp, installErrorHandling, installRequestLog, serverHandle, type HttpServerHandle } from './server-common.js';

export interface HealthServerOptions {
  host: string;
  port: number;
  logger: Logger;
  /** Host header names accepted besides loopback / the bound address (host-check.ts). */
  allowedHosts?: readonly string[];
  /** The node's admin API URL once it listens (undefined: the node serves none); named in every 404. */
  adminUrl?: () => string | undefined;
  /** Counters of refusals (Host) for /metrics. */
  stats?: SecurityStats;
  /** Renders the metrics exposition (prom-client's registry.metrics()); without it /metrics is 404. */
  metrics?: () => Promise<{ contentType: string; body: string }>;
}

/** 200 when the node serves traffic (healthy or degraded), 503 when starting or unhealthy. */
export function healthStatusCode(status: HealthStatus): 200 | 503 {
  return status === 'healthy' || status === 'degraded' ? 200 : 503;
}

/** The `/health` answer shared by the health and admin servers; a failing health check is a 503, not a 500. */
export function healthReply(node: NodeApi): { statusCode: 200 | 503; body: HealthReport | Record<string, unknown> } {
  try {
    const report = node.health();
    return { statusCode: healthStatusCode(report.status), body: report };
  } catch {
    return {
      statusCode: 503,
      body: { status: 'unhealthy', nodeId: node.nodeId, timestamp: new Date().toISOString(), reasons: ['health check failed'] },
    };
  }
}

/** `/health/ready`: ready once start() finished and the ledger and BTP listener are up. */
export function readiness(node: NodeApi): { ready: true } | { ready: false; reason: string } {
  if (!node.isReady()) {
    let reason = 'node is starting';
    try {
      reason = node.health().reasons[0] ?? reason;
    } catch {
      // keep the generic reason
    }
    return { ready: false, reason };
  }
  try {
    const { checks, reasons } = node.health();
    if (!checks.ledger) return { ready: false, reason: reasons.find((r) => r.startsWith('ledger')) ?? 'ledger is not open' };
    if (!checks.btp) return { ready: false, reason: 'BTP server is not listening' };
  } catch {
    return { ready: false, reason: 'health check failed' };
  }
  return { ready: true };
}

/** Creates the health server; nothing listens until listen(). */
export function createHealthServer(node: NodeApi, opts: HealthServerOptions): HttpServerHandle {
  const log = opts.logger.child({ module: 'health-server' });
  const app = createBaseApp({ bodyLimit: 1024 });
  const adminUrl = opts.adminUrl;
  installErrorHandling(app, log, adminUrl && (() => {
    const url = adminUrl();
    return url === undefined ? 'this is the health port; this node serves no admin API (adminApi.enabled is off)' : `this is the health port; the admin API is at ${url}`;
  }));
  installRequestLog(app, log);
  installHostCheck(app, createHostPolicy(opts.host, opts.allowedHosts), 'health server', opts.stats);

  app.get('/health', (_request, reply) => {
    const { statusCode, body } = healthReply(node);
    return reply.code(statusCode).header('cache-control', 'no-store').send(body);
  });

  app.get('/health/live', () => ({ status: 'alive', timestamp: new Date().toISOString() }));

  app.get('/health/ready', (_request, reply) => {
    const r = readiness(node);
    reply.header('cache-control', 'no-store');
    return r.ready ? reply.code(200).send({ status: 'ready' }) : reply.code(503).send({ status: 'not_ready', reason: r.reason });
  });

  const metrics = opts.metrics;
  if (metrics) {
    app.get('/metrics', async (_request, reply) => {
      const { contentType, body } = await metrics();
      return reply.code(200).type(contentType).send(body);
    });
  }

  return serverHandle(app, { host: opts.host, port: opts.port, label: 'health server', key: 'healthCheckPort', logger: log });
}
