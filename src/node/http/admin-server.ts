/**
 * The node's one admin HTTP server (default 127.0.0.1:8081): the core routes (peers, routes, balances,
 * `/admin/ilp/send`), `GET /health`, and whatever later issues add (channels, settlement, ledger) through
 * `plugins` / `addRoutes`, so there is never a second admin server.
 *
 * Every route, added ones included, sits behind the same IP allowlist and X-Api-Key check (admin-auth.ts)
 * and the same error boundary: throw an AppError (src/errors) and the client gets its status and
 * `{error, message, code}`. Bodies are limited to `maxBodyBytes` (413). No CORS headers are ever sent:
 * the API is for the CLI and the agent's own processes, not for browsers on other origins.
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { registerCoreAdminRoutes } from './admin-routes.js';
import { installAdminAuth } from './admin-auth.js';
import type { AdminKey } from '../../agents/scopes.js';
import { healthReply } from './health-server.js';
import { createHostPolicy, installHostCheck } from './host-check.js';
import type { NodeApi } from './node-api.js';
import type { SecurityStats } from './security-stats.js';
import { createBaseApp, installErrorHandling, installRequestLog, serverHandle, type HttpServerHandle } from './server-common.js';

/** What an admin route plugin receives besides the fastify instance. */
export interface AdminRouteContext {
  node: NodeApi;
  /** The admin server's child logger. */
  logger: Logger;
}

/**
 * Adds routes to the admin server. Runs inside the admin server's auth and error handling; register
 * paths under `/admin/` and validate bodies with JSON schemas (see schemas.ts for shared field schemas).
 */
export type AdminRoutePlugin = (app: FastifyInstance, ctx: AdminRouteContext) => void | Promise<void>;

export interface AdminServerOptions {
  host: string;
  port: number;
  /** When set, every route but `GET /health` needs `X-Api-Key: <apiKey>`. */
  apiKey?: string;
  /** Scoped keys (adminApi.keys): each route needs its scope (src/agents/scopes.ts). */
  keys?: readonly AdminKey[];
  /** Addresses and CIDR networks (IPv4 and IPv6) allowed to connect; empty or unset: any. */
  allowedIps?: string[];
  /** Host header names accepted besides loopback / the bound address (host-check.ts). */
  allowedHosts?: readonly string[];
  /** Client address from X-Forwarded-For (behind a reverse proxy), for the per-address key-failure limit. */
  trustProxy?: boolean;
  /** Counters of refusals (Host, key failures) for /metrics. */
  stats?: SecurityStats;
  /** Largest request body in bytes (default 65536); larger bodies get 413. */
  maxBodyBytes?: number;
  logger: Logger;
  /** Route plugins from later issues, registered before listen. */
  plugins?: AdminRoutePlugin[];
}

export interface AdminServer extends HttpServerHandle {
  /** Registers more routes; only before listen(). */
  addRoutes(plugin: AdminRoutePlugin): void;
  /** The fastify instance, for tests (`inject`) and plugins that need its decorators. */
  readonly app: FastifyInstance;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** Creates the admin server; nothing listens until listen(). */
export function createAdminServer(node: NodeApi, opts: AdminServerOptions): AdminServer {
  const log = opts.logger.child({ module: 'admin-api' });
  const app = createBaseApp({ bodyLimit: opts.maxBodyBytes ?? 65536, trustProxy: opts.trustProxy });
  const ctx: AdminRouteContext = { node, logger: log };

  installErrorHandling(app, log);
  installRequestLog(app, log);
  installHostCheck(app, createHostPolicy(opts.host, opts.allowedHosts), 'admin API', opts.stats);
  installAdminAuth(app, { apiKey: opts.apiKey, keys: opts.keys, allowedIps: opts.allowedIps, logger: log, ...(opts.stats ? { stats: opts.stats } : {}) });
  app.addHook('onSend', async (_request, reply) => {
    reply.header('cache-control', 'no-store');
  });

  app.get('/health', (_request, reply) => {
    const { statusCode, body } = healthReply(node);
    return reply.code(statusCode).send(body);
  });
  registerCoreAdminRoutes(app, node);

  let started = false;
  const addRoutes = (plugin: AdminRoutePlugin): void => {
    if (started) throw new Error('admin routes must be added before the admin server listens');
    // A child context inherits the root's hooks (auth) and error handler.
    void app.register(async (scope) => {
      await plugin(scope, ctx);
    });
  };
  for (const plugin of opts.plugins ?? []) addRoutes(plugin);

  if (!LOOPBACK.has(opts.host) && !opts.apiKey && (opts.keys ?? []).length === 0) {
    log.warn({ host: opts.host }, 'admin API listens beyond loopback without an apiKey: anyone who can reach it can move funds');
  }

  const handle = serverHandle(app, { host: opts.host, port: opts.port, label: 'admin API', key: 'adminApi.port', logger: log });
  return {
    app,
    addRoutes,
    listen() {
      started = true;
      return handle.listen();
    },
    close: () => handle.close(),
  };
}
