/**
 * The BTP WebSocket server. A socket must authenticate with its first frame (RFC 0023: a MESSAGE with
 * `auth`, `auth_username`, `auth_token`); anything else, a wrong token or silence past the auth timeout
 * earns a BTP error and a close. Authenticated sockets are handed to the node as links.
 */
import { WebSocketServer, type WebSocket } from 'ws';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { BtpType, decodeBtp, encodeBtp, readAuth } from './codec.js';
import { portInUseError } from '../http/server-common.js';

export type AuthResult = { ok: true; peerId: string } | { ok: false; message: string };

export interface BtpServerOptions {
  host: string;
  port: number;
  /** largest accepted frame in bytes; a larger one closes the socket with 1009 */
  maxFrameBytes: number;
  /** ms a new socket has to authenticate */
  authTimeoutMs?: number;
  logger: Logger;
  authenticate(username: string, token: string): AuthResult;
  /** Called with an authenticated socket; the auth RESPONSE has already been queued. */
  onAuthenticated(peerId: string, socket: WebSocket): void;
}

export class BtpServer {
  private wss: WebSocketServer | undefined;
  private readonly sockets = new Set<WebSocket>();
  port = 0;

  constructor(private readonly opts: BtpServerOptions) {}

  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      const wss = new WebSocketServer({
        host: this.opts.host,
        port: this.opts.port,
        maxPayload: this.opts.maxFrameBytes,
        perMessageDeflate: false,
        clientTracking: false,
      });
      const onError = (err: Error) => {
        wss.close();
        // a coded error naming the config key, like the HTTP listeners' (the raw EADDRINUSE named neither)
        reject((err as NodeJS.ErrnoException).code === 'EADDRINUSE' ? portInUseError('BTP server', this.opts.host, this.opts.port, 'btpServerPort', err) : err);
      };
      wss.once('error', onError);
      wss.once('listening', () => {
        wss.off('error', onError);
        wss.on('error', (err) => this.opts.logger.error({ err: err.message }, 'btp server error'));
        this.port = (wss.address() as AddressInfo).port;
        resolve(this.port);
      });
      wss.on('connection', (socket) => this.onConnection(socket));
      this.wss = wss;
    });
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.terminate();
    this.sockets.clear();
    const wss = this.wss;
    this.wss = undefined;
    if (wss) await new Promise<void>((resolve) => wss.close(() => resolve()));
  }

  private onConnection(socket: WebSocket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    const timer = setTimeout(() => {
      this.refuse(socket, 0, 'auth timeout: the first frame must authenticate within the timeout');
    }, this.opts.authTimeoutMs ?? 5000);
    socket.once('message', (data: Buffer, isBinary: boolean) => {
      clearTimeout(timer);
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
        socket.send(encodeBtp({ type: BtpType.Response, requestId, protocolData: [] }));
        this.sockets.delete(socket);
        this.opts.onAuthenticated(result.peerId, socket);
      } catch {
        this.refuse(socket, requestId, 'unreadable auth frame');
      }
    });
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
