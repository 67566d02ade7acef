/**
 * The explorer: a web UI served by the node (127.0.0.1:3001 by default, off unless
 * `explorer.enabled`), a JSON API, and a live server-sent event stream, all fed by the node's event
 * stream. Assets ship with the package and are served from memory; the page loads nothing from
 * elsewhere (its Content-Security-Policy says so).
 *
 * It is a read-only view, except for its "send" form and its approve/deny buttons, each off unless
 * the operator enables it (`explorer.allowSend`, `explorer.allowApprove`, never in production) and
 * then needing an admin API key with the `send` or `approve` scope when the admin API has keys (gate.ts).
 * Because it has no login, it defends the things a browser can be tricked into: a Host header that
 * is not ours (DNS rebinding, host-check.ts) is refused, and a cross-site POST (Origin or
 * Sec-Fetch-Site) is refused everywhere.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { isLoopbackHost } from '../../../config/index.js';
import { appError } from '../../../errors/index.js';
import type { NodeApi } from '../node-api.js';
import type { SecurityStats } from '../security-stats.js';
import { createKeyRing, type AdminKey } from '../../../agents/scopes.js';
import { createHostPolicy, installHostCheck } from '../host-check.js';
import { createBaseApp, installErrorHandling, installRequestLog, serverHandle } from '../server-common.js';
import { registerApiRoutes } from './api-routes.js';
import { registerApprovalRoutes, type ExplorerApprovals } from './approval-routes.js';
import type { ExplorerAction } from './gate.js';
import { loadAssets } from './assets.js';
import { ChannelView } from './channel-view.js';
import { EventStore } from './event-store.js';
import { SendPreviews } from './send-previews.js';
import { SseHub } from './sse-hub.js';

export interface ExplorerOptions {
  /** bind address (default from config: 127.0.0.1) */
  host: string;
  /** port (0: any free port) */
  port: number;
  /** events kept in the history ring */
  maxEvents: number;
  /** events older than this are pruned from the history (ms) */
  retentionMs: number;
  logger: Logger;
  /** Enables POST /api/send (default false). */
  allowSend?: boolean;
  /** Enables POST /api/approvals/:id (default false). */
  allowApprove?: boolean;
  /** The admin API's operator key: when set, sending and deciding need a key in X-Api-Key. */
  apiKey?: string;
  /** The admin API's scoped keys (adminApi.keys): when any, sending and deciding need one with the scope. */
  keys?: readonly AdminKey[];
  /** The node's approval queue (the Approvals tab); none: the tab lists nothing. */
  approvals?: ExplorerApprovals;
  /** Host header names accepted besides loopback / the bound address (host-check.ts). */
  allowedHosts?: readonly string[];
  /** Counters of refusals (Host) for /metrics. */
  stats?: SecurityStats;
  /** Folder of the browser assets (default: the package's explorer-ui/). */
  assetDir?: string;
  /** ms between live-stream flushes (default 100). */
  flushMs?: number;
}

/** A running explorer. */
export interface Explorer {
  /** `http://host:port` */
  readonly url: string;
  readonly port: number;
  /** The history (tests and embedders may read it). */
  readonly store: EventStore;
  /** Unsubscribes, ends the live streams and closes the server. Idempotent. */
  close(): Promise<void>;
}

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-resource-policy': 'same-origin',
} as const;

/** Only our own files: no inline script, nothing from another origin, never framed. */
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/**
 * Starts the explorer for `node`: subscribes to its event stream (history, channels, live stream),
 * then listens. Rejects with PORT_IN_USE when the port is taken (and leaves nothing subscribed).
 */
export async function startExplorer(node: NodeApi, opts: ExplorerOptions): Promise<Explorer> {
  const log = opts.logger.child({ module: 'explorer' });
  const store = new EventStore(opts.maxEvents, opts.retentionMs);
  const channels = new ChannelView();
  const previews = new SendPreviews();
  const hub = new SseHub({ flushMs: opts.flushMs });
  const loopback = isLoopbackHost(opts.host);
  const ring = createKeyRing(opts.apiKey, opts.keys);
  const keyed = ring === undefined ? {} : { ring };
  const send: ExplorerAction = { what: 'Sending', configKey: 'explorer.allowSend', scope: 'send', enabled: opts.allowSend ?? false, ...keyed };
  const approve: ExplorerAction = { what: 'Approving and denying', configKey: 'explorer.allowApprove', scope: 'approve', enabled: opts.allowApprove ?? false, ...keyed };

  const unsubscribe = node.events.subscribe((batch) => {
    for (const e of batch) {
      store.append(e);
      channels.apply(e);
    }
    store.prune();
    hub.publish(batch);
  });
  // Retention also applies when the node is idle (nothing appended, nothing queried).
  const pruner = setInterval(() => store.prune(), Math.min(60_000, Math.max(1000, opts.retentionMs)));
  pruner.unref();

  const app = createBaseApp({ bodyLimit: 64 * 1024 });
  installErrorHandling(app, log);
  installRequestLog(app, log);
  installHostCheck(app, createHostPolicy(opts.host, opts.allowedHosts), 'explorer', opts.stats);
  installGuards(app);
  registerApiRoutes(app, { node, store, channels, previews, send, approve });
  registerApprovalRoutes(app, node, opts.approvals, approve);
  registerStream(app, store, hub);
  registerAssets(app, opts.assetDir, log);

  const server = serverHandle(app, { host: opts.host, port: opts.port, label: 'explorer', key: 'explorer.port', logger: log });
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      unsubscribe();
      clearInterval(pruner);
      hub.close();
      await server.close();
    })();
    return closing;
  };
  try {
    const { url, port } = await server.listen();
    if (!loopback) log.warn({ host: opts.host }, 'explorer listens beyond loopback: anyone who can reach it sees every packet');
    log.info({ url, sendEnabled: send.enabled, approveEnabled: approve.enabled }, 'explorer listening');
    return { url, port, store, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Cross-site POSTs refused always; security headers (the Host check is installed before). */
function installGuards(app: FastifyInstance): void {
  app.addHook('onRequest', (request, reply, done) => {
    void reply.headers(SECURITY_HEADERS);
    if (request.method !== 'GET' && request.method !== 'HEAD' && isCrossSite(request)) {
      done(forbidden('Cross-site requests are refused'));
      return;
    }
    done();
  });
}

function forbidden(message: string) {
  return appError('FORBIDDEN', { message, suggestion: 'Open the explorer at the URL the node prints (http://127.0.0.1:<port>).' });
}

function isCrossSite(request: FastifyRequest): boolean {
  const site = request.headers['sec-fetch-site'];
  if (site === 'cross-site' || site === 'same-site') return true;
  const origin = request.headers.origin;
  if (origin === undefined) return false;
  try {
    return new URL(origin).host !== request.headers.host;
  } catch {
    return true;
  }
}

/** `GET /api/stream[?since=<seq>]`: server-sent events; `Last-Event-ID` wins over `since`. */
function registerStream(app: FastifyInstance, store: EventStore, hub: SseHub): void {
  const streamQuery = {
    type: 'object',
    additionalProperties: false,
    properties: { since: { type: 'string', pattern: '^[0-9]{1,16}$', description: 'an event seq' } },
  } as const;
  app.get<{ Querystring: { since?: string } }>('/api/stream', { schema: { querystring: streamQuery } }, (request, reply) => {
    const header = request.headers['last-event-id'];
    const lastId = typeof header === 'string' && /^[0-9]{1,16}$/.test(header) ? Number(header) : undefined;
    const since = lastId ?? (request.query.since === undefined ? undefined : Number(request.query.since));
    // Events after `since` the ring no longer holds: the client must reload rather than show a gap.
    const reset = since !== undefined && since < store.droppedSeq;
    const replay = { events: since === undefined || reset ? [] : store.after(since), reset };
    reply.hijack();
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) reply.raw.setHeader(k, v);
    hub.attach(reply.raw, replay);
  });
}

/** Serves the UI's files from memory with ETags (revalidated on every load: they change with the package). */
function registerAssets(app: FastifyInstance, dir: string | undefined, log: Logger): void {
  const assets = loadAssets(dir);
  if (!assets.has('/')) log.warn({ dir }, 'explorer assets are missing: the API works, the page does not (run npm run build)');
  app.get('/*', (request, reply) => {
    const path = request.url.split('?')[0];
    const asset = assets.get(path);
    if (asset === undefined) {
      if (path === '/') {
        return reply.code(503).type('text/plain; charset=utf-8').send('The explorer UI assets are missing from this build (run npm run build).');
      }
      throw appError('NOT_FOUND', { what: path });
    }
    void reply.header('etag', asset.etag).header('cache-control', 'no-cache').type(asset.contentType);
    if (asset.contentType.startsWith('text/html')) void reply.header('content-security-policy', CSP);
    if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
    return reply.send(asset.body);
  });
}
