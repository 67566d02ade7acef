/**
 * The ILP-over-HTTP listener (RFC 0035, synchronous mode). A peer POSTs one OER Prepare per request
 * to `/ilp/<peerId>` (or to `/ilp`, the peer then found by its token, as `ilp-plugin-http` sends it);
 * the response body is the Fulfill or Reject, status 200, whatever the packet's fate.
 *
 * What a request must get past, in this order, before its body is read:
 * - the pre-auth gate: connections that have not sent an authenticated request yet are capped in
 *   total and per address and get `preAuth.timeoutMs` to do it (the BTP listener's gate). A
 *   connection leaves the gate when its first request's token verifies: every request carries the
 *   token, so an established keep-alive connection is never pre-auth again. One over its address's
 *   share waits unread, in a queue, until one of that address's connections verifies or closes (a
 *   peer with 100 packets in flight opens 100 sockets at once; pre-auth-gate.ts);
 * - the Host check (host-check.ts): 403; a browser's `Origin`: 403 (no CORS, no web page may post);
 * - path and method: 404;
 * - the token (`Authorization: Bearer <token>`, or the bare token), compared in constant time: 401;
 * - `Content-Type` application/octet-stream or application/ilp+octet-stream (or none): 415;
 * - `Content-Length` (or the bytes as they arrive) within `maxBodyBytes`: 413, and the connection closes.
 * Refusals are JSON `{error, message, code}` like every other listener's.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Logger } from 'pino';
import { appError, type AppError } from '../../errors/index.js';
import { PreAuthGate, type PreAuthLimits, type PreAuthStats } from '../btp/pre-auth-gate.js';
import { createHostPolicy, hostRefusedMessage, type HostPolicy } from './host-check.js';
import { portInUseError } from './server-common.js';
import type { SecurityStats } from './security-stats.js';
import type { HttpPeeringStats } from './http-peer-metrics.js';

export interface IlpHttpServerOptions {
  host: string;
  port: number;
  /** largest request body (bytes) */
  maxBodyBytes: number;
  preAuth: PreAuthLimits;
  allowedHosts?: readonly string[];
  stats?: SecurityStats;
  /** counts each authenticated request by peer and the status we answered */
  peering?: HttpPeeringStats;
  logger: Logger;
  /**
   * The peer a token belongs to: `peerId` from the path, or undefined for `/ilp` (then any HTTP
   * peer's token). Undefined when the token is wrong. Must compare in constant time.
   */
  authenticate(peerId: string | undefined, token: string): string | undefined;
  /** One Prepare from `peerId`; `reply` must be called exactly once with the Fulfill or Reject. */
  onPrepare(peerId: string, body: Buffer, reply: (ilp: Buffer) => void): void;
}

const ACCEPTED_TYPES = new Set(['application/octet-stream', 'application/ilp+octet-stream']);
const PATH_PREFIX = '/ilp';
const PEER_ID = /^[a-zA-Z0-9_~-]+$/;

export class IlpHttpServer {
  private server: Server | undefined;
  private readonly hosts: HostPolicy;
  private readonly gate: PreAuthGate;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly o: IlpHttpServerOptions) {
    this.hosts = createHostPolicy(o.host, o.allowedHosts);
    this.gate = new PreAuthGate(o.preAuth, o.logger, (socket) => socket.destroy(), 'ILP-over-HTTP', {
      // after node:http's own connection listener, which starts reading on the next tick
      hold: (socket) => process.nextTick(() => {
        if (this.gate.isQueued(socket)) socket.pause();
      }),
      resume: (socket) => socket.resume(),
      evict: (socket) => socket.destroy(),
    });
  }

  /** Connections that have not authenticated yet, and those refused or timed out. */
  get preAuth(): PreAuthStats {
    return this.gate;
  }

  /** Binds host:port; resolves with the bound port. PORT_IN_USE names `http.port`. */
  listen(): Promise<number> {
    const server = createServer({ keepAlive: true }, this.onRequest);
    // A connection that has not authenticated is bounded by the gate; headers and body by these.
    server.headersTimeout = this.o.preAuth.timeoutMs;
    server.requestTimeout = Math.max(10_000, this.o.preAuth.timeoutMs);
    server.on('connection', (socket: Socket) => {
      if (!this.gate.admit(socket, socket.remoteAddress ?? '')) {
        socket.destroy();
        return;
      }
      this.sockets.add(socket);
      socket.once('close', () => {
        this.gate.release(socket);
        this.sockets.delete(socket);
      });
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(err.code === 'EADDRINUSE' ? portInUseError('ILP-over-HTTP', this.o.host, this.o.port, 'http.port', err) : err),
      );
      server.listen(this.o.port, this.o.host, () => {
        this.port = (server.address() as AddressInfo).port;
        this.o.logger.debug({ host: this.o.host, port: this.port }, 'ILP-over-HTTP listening');
        resolve(this.port);
      });
    });
  }

  /** Stops listening and drops every connection (requests in flight get no answer). */
  close(): Promise<void> {
    const server = this.server;
    if (!server) return Promise.resolve();
    this.server = undefined;
    this.gate.clear();
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => server.close(() => resolve()));
  }

  private readonly onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const refusal = this.check(req);
    if (typeof refusal !== 'string') {
      this.refuse(req, res, refusal);
      return;
    }
    const peerId = refusal;
    this.gate.release(req.socket);
    const declared = Number(req.headers['content-length'] ?? 0);
    const limit = this.o.maxBodyBytes;
    if (declared > limit) {
      this.o.peering?.incoming(peerId, 413);
      this.refuse(req, res, appError('PAYLOAD_TOO_LARGE', { limit, suggestion: 'An ILP packet is at most about 33 kB: send one Prepare per request.' }), true);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > limit) {
        over = true;
        this.o.peering?.incoming(peerId, 413);
        this.refuse(req, res, appError('PAYLOAD_TOO_LARGE', { limit }), true);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (over) return;
      const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
      this.o.onPrepare(peerId, body, (ilp) => {
        if (res.writableEnded || res.destroyed) return;
        this.o.peering?.incoming(peerId, 200);
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': ilp.length });
        res.end(ilp);
      });
    });
  };

  /** The authenticated peer id, or why the request is refused (before its body is read). */
  private check(req: IncomingMessage): string | AppError {
    if (!this.hosts.allows(req.headers.host)) {
      if (this.o.stats) this.o.stats.hostRefused++;
      return appError('FORBIDDEN', { message: hostRefusedMessage('ILP-over-HTTP listener', req.headers.host) });
    }
    if (req.headers.origin !== undefined) {
      if (this.o.stats) this.o.stats.originRefused++;
      return appError('FORBIDDEN', { message: 'browser requests (an Origin header) are refused: ILP-over-HTTP is for connectors, not web pages' });
    }
    const url = req.url ?? '';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    let pathPeer: string | undefined;
    if (path.startsWith(`${PATH_PREFIX}/`)) {
      pathPeer = safeDecode(path.slice(PATH_PREFIX.length + 1));
      if (pathPeer === undefined || !PEER_ID.test(pathPeer)) return notFound(req.method, path);
    } else if (path !== PATH_PREFIX) return notFound(req.method, path);
    if (req.method !== 'POST') return notFound(req.method, path);
    const token = tokenOf(req.headers.authorization);
    const peerId = token === undefined ? undefined : this.o.authenticate(pathPeer, token);
    if (peerId === undefined) {
      if (this.o.stats) this.o.stats.httpTokenFailures++;
      return appError('UNAUTHORIZED', {
        message: token === undefined ? 'missing Authorization header: send Authorization: Bearer <token>' : 'unknown peer or wrong token',
        suggestion: "Send the peer's http.incomingToken of this node as Authorization: Bearer <token>.",
      });
    }
    const type = (req.headers['content-type'] ?? 'application/octet-stream').split(';')[0].trim().toLowerCase();
    if (!ACCEPTED_TYPES.has(type)) {
      this.o.peering?.incoming(peerId, 415);
      return appError('UNSUPPORTED_MEDIA_TYPE', {
        contentType: type,
        suggestion: "Send the OER Prepare as the body with 'Content-Type: application/octet-stream'.",
      });
    }
    return peerId;
  }

  private refuse(req: IncomingMessage, res: ServerResponse, e: AppError, closeAfter = false): void {
    this.o.logger.debug({ code: e.code, status: e.httpStatus, path: (req.url ?? '').split('?')[0] }, 'ILP-over-HTTP request refused');
    if (res.headersSent) return;
    const body = JSON.stringify({ error: e.httpError ?? 'Error', message: e.message, code: e.code });
    const headers: Record<string, string | number> = { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) };
    if (e.code === 'UNAUTHORIZED') headers['www-authenticate'] = 'Bearer';
    // A body we will not read (or did not finish) leaves the connection unusable: close it.
    const unread = closeAfter || !req.complete;
    if (unread) headers.connection = 'close';
    res.writeHead(e.httpStatus ?? 500, headers);
    res.end(body);
    if (unread) {
      req.resume();
      res.once('finish', () => req.socket.destroySoon());
    }
  }
}

function notFound(method: string | undefined, path: string): AppError {
  return appError('NOT_FOUND', { message: `No route ${method ?? 'GET'} ${path.slice(0, 200)}: POST one ILP Prepare to /ilp/<peerId> or /ilp` });
}

function safeDecode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

/** `Bearer <token>` or the bare token (ilp-plugin-http before 1.6 sends it bare). */
function tokenOf(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const h = header.trim();
  const token = /^bearer\s+/i.test(h) ? h.replace(/^bearer\s+/i, '') : h;
  return token === '' ? undefined : token;
}
