/**
 * Dials a configured peer and keeps the connection up: authenticate, keep alive with pings, and
 * reconnect forever with exponential backoff and jitter (the seed gave up after five tries).
 */
import { redactSecretsOf } from '../../config/index.js';
import { WebSocket } from 'ws';
import type { Logger } from 'pino';
import { BtpType, decodeBtp, encodeAuthMessage } from './codec.js';

export interface BtpClientOptions {
  peerId: string;
  url: string;
  /** Every URL of the peer (`url` among them): after a failed dial or a dropped connection the next one is tried. */
  urls?: string[];
  /** our nodeId, sent as auth_username */
  username: string;
  token: string;
  maxFrameBytes: number;
  logger: Logger;
  /** ms between pings; a missing pong by the next ping closes the socket */
  pingIntervalMs?: number;
  /** first and largest reconnect delay, ms */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Called with an authenticated socket. */
  onAuthenticated(socket: WebSocket): void;
  onReconnecting?(attempt: number, delayMs: number, lastError: string): void;
  /** When it returns true, the client waits instead of dialling (another socket serves the peer). */
  shouldWait?(): boolean;
}

export class BtpClient {
  private socket: WebSocket | undefined;
  private stopped = false;
  private attempt = 0;
  private timer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private readonly urls: string[];
  private at = 0;
  lastError = '';

  constructor(private readonly opts: BtpClientOptions) {
    this.urls = opts.urls !== undefined && opts.urls.length > 0 ? opts.urls : [opts.url];
    this.at = Math.max(0, this.urls.indexOf(opts.url));
  }

  /** The URL dialled now (or next). */
  get url(): string {
    return this.urls[this.at];
  }

  start(): void {
    this.stopped = false;
    this.dial();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.pingTimer);
    const s = this.socket;
    this.socket = undefined;
    if (s && s.readyState <= 1) s.close(1000, 'peer removed or node stopping');
  }

  /** Drops the current socket at once (tests, and a peer re-registered with another URL). */
  dropConnection(): void {
    this.socket?.terminate();
  }

  private dial(): void {
    if (this.stopped) return;
    if (this.opts.shouldWait?.()) {
      this.schedule('another connection serves this peer');
      return;
    }
    const url = this.url;
    const socket = new WebSocket(url, { maxPayload: this.opts.maxFrameBytes, perMessageDeflate: false, handshakeTimeout: 5000 });
    this.socket = socket;
    let authenticated = false;
    const authId = (Math.random() * 0xffffffff) >>> 0;
    socket.on('open', () => socket.send(encodeAuthMessage(authId, this.opts.username, this.opts.token)));
    socket.on('error', (err) => {
      // an error may quote the URL; its user info or token never reaches a log or an event
      this.lastError = redactSecretsOf(err.message, url);
    });
    const onAuthReply = (data: Buffer) => {
      try {
        const frame = decodeBtp(data);
        if (frame.requestId !== authId) return;
        if (frame.type === BtpType.Response) {
          authenticated = true;
          socket.off('message', onAuthReply);
          this.attempt = 0;
          this.keepAlive(socket);
          this.opts.onAuthenticated(socket);
        } else if (frame.type === BtpType.Error) {
          this.lastError = `auth refused by ${this.opts.peerId}: ${frame.data.toString('utf8')}`;
          this.opts.logger.error({ peer: this.opts.peerId, reason: this.lastError }, 'btp auth refused');
          socket.close(1000, 'auth refused');
        }
      } catch {
        this.lastError = 'unreadable auth reply';
        socket.terminate();
      }
    };
    socket.on('message', onAuthReply);
    socket.once('close', () => {
      clearInterval(this.pingTimer);
      if (this.socket === socket) this.socket = undefined;
      // with several URLs, the next one is tried (a cluster instance that died, or refuses this peer)
      this.at = (this.at + 1) % this.urls.length;
      if (!this.stopped) this.schedule(authenticated ? 'connection closed' : this.lastError || 'connection failed');
    });
  }

  private keepAlive(socket: WebSocket): void {
    let alive = true;
    socket.on('pong', () => {
      alive = true;
    });
    clearInterval(this.pingTimer);
    this.pingTimer = setInterval(() => {
      if (!alive) {
        this.lastError = 'keepalive: no pong';
        socket.terminate();
        return;
      }
      alive = false;
      socket.ping();
    }, this.opts.pingIntervalMs ?? 20_000);
    this.pingTimer.unref();
  }

  private schedule(reason: string): void {
    const min = this.opts.minBackoffMs ?? 100;
    const max = this.opts.maxBackoffMs ?? 30_000;
    const base = Math.min(max, min * 2 ** Math.min(this.attempt, 20));
    const delay = Math.round(base / 2 + Math.random() * (base / 2)); // "equal jitter"
    this.attempt++;
    this.opts.onReconnecting?.(this.attempt, delay, reason);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.dial(), delay);
  }
}
