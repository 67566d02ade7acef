/**
 * The BTP WebSocket server. A socket must authenticate with its first frame (RFC 0023: a MESSAGE with
 * `auth`, `auth_username`, `auth_token`); anything else, a wrong token or silence past the auth timeout
 * earns a BTP error and a close. Authenticated sockets are handed to the node as links.
 *
 * Before that, on the HTTP upgrade: connections not yet authenticated are capped in total and per
 * address (pre-auth-gate.ts) and must upgrade and authenticate within `preAuth.timeoutMs`; the Host
 * header must name this listener (host-check.ts) and a browser's `Origin` is refused, so no web page
 * can open a BTP socket to the node. Plain HTTP requests get 426.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from 'pino';
import { BtpType, decodeBtp, encodeBtp, readAuth } from './codec.js';
import { portInUseError } from '../http/server-common.js';
import { createHostPolicy, hostRefusedMessage, type HostPolicy } from '../http/host-check.js';
import type { SecurityStats } from '../http/security-stats.js';
import { PreAuthGate, type PreAuthLimits, type PreAuthStats } from './pre-auth-gate.js';

export type AuthResult = { ok: true; peerId: string } | { ok: false; message: string };

export interface BtpServerOptions {
  host: string;
  port: number;
  /** largest accepted frame in bytes; a larger one closes the socket with 1009 */
  maxFrameBytes: number;
  /** ms a new socket has to authenticate (default preAuth.timeoutMs, else 5000) */
  authTimeoutMs?: number;
  /** caps on connections not yet authenticated (default 512 total, 32 per address, 5000 ms) */
  preAuth?: Partial<PreAuthLimits>;
  /** Host header names accepted besides loopback / the bound address */
  allowedHosts?: readonly string[];
  /** take the client address from X-Forwarded-For (behind a reverse proxy) */
  trustProxy?: boolean;
  /** counters of refusals (Host, Origin) */
  stats?: SecurityStats;
  logger: Logger;
  authenticate(username: string, token: string): AuthResult;
  /** Called with an authenticated socket; the auth RESPONSE has already been queued. */
  onAuthenticated(peerId: string, socket: WebSocket): void;
  /**
   * Cluster: asked after the credentials check and before the auth RESPONSE; a string refuses the
   * login with that message (the peer's link is held by another instance).
   */
  claim?(peerId: string): Promise<string | undefined>;
  /** Cluster: a claimed login whose socket closed before it was answered (the claim is given back). */
  unclaim?(peerId: string): void;
}

export class BtpServer {
  private wss: WebSocketServer | undefined;
  private http: Server | undefined;
  private readonly sockets = new Set<WebSocket>();
  /** TCP sockets not yet authenticated, for close() */
  private readonly raw = new Set<Socket>();
  private readonly hosts: HostPolicy;
  private readonly gate: PreAuthGate;
  /** the WebSocket of an upgraded, not yet authenticated TCP socket */
  private readonly upgraded = new WeakMap<Socket, WebSocket>();
  port = 0;

  constructor(private readonly opts: BtpServerOptions) {
    this.hosts = createHostPolicy(opts.host, opts.allowedHosts);
    const timeoutMs = opts.preAuth?.timeoutMs ?? opts.authTimeoutMs ?? 5000;
    const limits = { maxTotal: opts.preAuth?.maxTotal ?? 512, maxPerAddress: opts.preAuth?.maxPerAddress ?? 32, timeoutMs };
    this.gate = new PreAuthGate(limits, opts.logger, (socket) => {
      const ws = this.upgraded.get(socket);
      if (ws === undefined) socket.destroy();
      else this.refuse(ws, 0, 'auth timeout: the first frame must authenticate within the timeout');
    });
  }

  /** Connections not yet authenticated, and how many were refused or timed out. */
  get preAuth(): PreAuthStats {
    return this.gate;
  }

  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      const wss = new WebSocketServer({ noServer: true, maxPayload: this.opts.maxFrameBytes, perMessageDeflate: false, clientTracking: false });
      const http = createServer((_req, res) => {
        res.writeHead(426, { 'content-type': 'text/plain; charset=utf-8', connection: 'close', upgrade: 'websocket' });
        res.end('This is a BTP (WebSocket) endpoint: connect with a BTP client.\n');
      });
      // An idle TCP connection is dropped by the gate's timer, not by HTTP's own (slower) ones.
      http.headersTimeout = 0;
      http.requestTimeout = 0;
      http.on('connection', (socket: Socket) => this.onTcp(socket));
      http.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => this.onUpgrade(req, socket, head));
      const onError = (err: Error) => {
        http.close();
        // a coded error naming the config key, like the HTTP listeners' (the raw EADDRINUSE named neither)
        reject((err as NodeJS.ErrnoException).code === 'EADDRINUSE' ? portInUseError('BTP server', this.opts.host, this.opts.port, 'btpServerPort', err) : err);
      };
      http.once('error', onError);
      http.listen(this.opts.port, this.opts.host, () => {
        http.off('error', onError);
        http.on('error', (err) => this.opts.logger.error({ err: err.message }, 'btp server error'));
        this.port = (http.address() as AddressInfo).port;
        resolve(this.port);
      });
      this.wss = wss;
      this.http = http;
    });
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.terminate();
    this.sockets.clear();
    for (const s of this.raw) s.destroy();
    this.raw.clear();
    this.gate.clear();
    const wss = this.wss;
    const http = this.http;
    this.wss = undefined;
    this.http = undefined;
    if (wss) await new Promise<void>((resolve) => wss.close(() => resolve()));
    if (http) await new Promise<void>((resolve) => http.close(() => resolve()));
  }

  private onTcp(socket: Socket): void {
    const address = this.opts.trustProxy ? '' : (socket.remoteAddress ?? '');
    if (!this.gate.admit(socket, address)) {
      socket.destroy();
      return;
    }
    this.raw.add(socket);
    socket.once('close', () => {
      this.raw.delete(socket);
      this.gate.release(socket);
    });
  }

  private onUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const wss = this.wss;
    const deny = (status: number, message: string) => {
      this.opts.logger.info({ reason: message, status }, 'btp upgrade refused');
      socket.end(`HTTP/1.1 ${status} ${status === 403 ? 'Forbidden' : 'Too Many Requests'}\r\nconnection: close\r\ncontent-type: text/plain\r\n\r\n${message}\n`);
      socket.destroySoon();
    };
    if (wss === undefined) return void socket.destroy();
    const stats = this.opts.stats;
    if (!this.hosts.allows(req.headers.host)) {
      if (stats) stats.hostRefused++;
      return deny(403, hostRefusedMessage('BTP server', req.headers.host));
    }
    // Browsers always send Origin on a WebSocket upgrade; BTP clients (ws, ilp-plugin-btp) do not.
    if (req.headers.origin !== undefined) {
      if (stats) stats.originRefused++;
      return deny(403, 'BTP does not accept connections from web pages (an Origin header was sent)');
    }
    if (this.opts.trustProxy && !this.gate.assignAddress(socket, forwardedFor(req))) return deny(429, 'too many unauthenticated connections from this address');
    wss.handleUpgrade(req, socket, head, (ws) => {
      this.upgraded.set(socket, ws);
      this.onConnection(ws, socket);
    });
  }

  private onConnection(socket: WebSocket, tcp: Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.once('message', (data: Buffer, isBinary: boolean) => {
      let requestId = 0;
      try {
        if (!isBinary) throw new Error('text frame');
        const frame = decodeBtp(data);
        requestId = frame.requestId;
        const auth = frame.type === BtpType.Message ? readAuth(frame) : undefined;
        if (!auth) {
          this.refuse(socket, requestId, 'the first frame must be a BTP auth message (auth, auth_username, auth_token)');
          return;
        }
        const result = this.opts.authenticate(auth.username, auth.token);
        if (!result.ok) {
          this.refuse(socket, requestId, result.message);
          return;
        }
        if (this.opts.claim === undefined) {
          this.accept(socket, tcp, requestId, result.peerId);
          return;
        }
        const id = requestId;
        this.opts.claim(result.peerId).then(
          (refused) => (refused === undefined ? this.accept(socket, tcp, id, result.peerId) : this.refuse(socket, id, refused)),
          () => this.refuse(socket, id, 'could not claim the link'),
        );
      } catch {
        this.refuse(socket, requestId, 'unreadable auth frame');
      }
    });
  }

  private accept(socket: WebSocket, tcp: Socket, requestId: number, peerId: string): void {
    if (socket.readyState !== 1) {
      this.opts.unclaim?.(peerId);
      return;
    }
    socket.send(encodeBtp({ type: BtpType.Response, requestId, protocolData: [] }));
    this.gate.release(tcp);
    this.raw.delete(tcp);
    this.sockets.delete(socket);
    this.opts.onAuthenticated(peerId, socket);
  }

  private refuse(socket: WebSocket, requestId: number, message: string): void {
    this.opts.logger.info({ reason: message }, 'btp auth refused');
    try {
      socket.send(
        encodeBtp({
          type: BtpType.Error,
          requestId,
          code: 'F00',
          name: 'NotAcceptedError',
          triggeredAt: new Date(),
          data: Buffer.from(message, 'utf8'),
          protocolData: [],
        }),
        () => socket.close(1008, 'auth failed'),
      );
    } catch {
      socket.terminate();
    }
  }
}

/** The client address a trusted proxy appended last to X-Forwarded-For ('' when none). */
export function forwardedFor(req: IncomingMessage): string {
  const h = req.headers['x-forwarded-for'];
  const v = Array.isArray(h) ? h[h.length - 1] : h;
  if (v === undefined) return '';
  const parts = v.split(',');
  return parts[parts.length - 1].trim();
}
