/**
 * The explorer's live stream as server-sent events (`GET /api/stream`): plain HTTP that browsers
 * reconnect on their own, so no WebSocket dependency is needed for a one-way feed.
 *
 * Events are serialized once per flush, however many clients listen, and flushed at most every
 * `flushMs` (a busy node produces thousands of events per second; a browser wants a few frames).
 * Each message carries `id: <seq>`: a browser that reconnects sends `Last-Event-ID` and the hub
 * replays what it missed from the ring. A client that cannot keep up (its socket buffer passes
 * `maxBufferedBytes`) is disconnected rather than letting the node's memory grow; it reconnects
 * and resumes from the ring the same way.
 */
import type { ServerResponse } from 'node:http';
import type { NodeEvent } from '../../events.js';

export interface SseHubOptions {
  /** ms between flushes (default 100) */
  flushMs?: number;
  /** ms between keep-alive comments (default 15000) */
  heartbeatMs?: number;
  /** bytes buffered on one client's socket before it is dropped (default 4 MiB) */
  maxBufferedBytes?: number;
}

interface Client {
  res: ServerResponse;
}

/** A client reconnects this many ms after a drop (the SSE `retry` field). */
const RETRY_MS = 1000;

export class SseHub {
  private readonly clients = new Set<Client>();
  private queue: NodeEvent[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly flushMs: number;
  private readonly maxBufferedBytes: number;
  private closed = false;

  constructor(opts: SseHubOptions = {}) {
    this.flushMs = opts.flushMs ?? 100;
    this.maxBufferedBytes = opts.maxBufferedBytes ?? 4 * 1024 * 1024;
    this.heartbeat = setInterval(() => this.write(': keep-alive\n\n'), opts.heartbeatMs ?? 15_000);
    this.heartbeat.unref();
  }

  get clientCount(): number {
    return this.clients.size;
  }

  /**
   * Takes over a response: writes the SSE headers, then `replay` (the events the client missed, or
   * a `reset` when the ring no longer holds them), then live events until the client goes away.
   */
  attach(res: ServerResponse, replay: { events: NodeEvent[]; reset: boolean }): void {
    if (this.closed) {
      res.writeHead(503).end();
      return;
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-content-type-options': 'nosniff',
      // Reverse proxies (nginx) must not buffer a live stream.
      'x-accel-buffering': 'no',
    });
    res.write(`retry: ${RETRY_MS}\n\n`);
    if (replay.reset) res.write('event: reset\ndata: {}\n\n');
    if (replay.events.length > 0) res.write(serialize(replay.events));
    const client: Client = { res };
    this.clients.add(client);
    const drop = () => this.clients.delete(client);
    res.on('close', drop);
    res.on('error', drop);
  }

  /** Queues a batch for the next flush; free when nobody listens. */
  publish(batch: readonly NodeEvent[]): void {
    if (this.clients.size === 0 || this.closed) return;
    for (const e of batch) this.queue.push(e);
    this.flushTimer ??= setTimeout(this.flush, this.flushMs);
  }

  /** Ends every stream and stops the timers. */
  close(): void {
    this.closed = true;
    clearInterval(this.heartbeat);
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    this.queue = [];
    for (const c of this.clients) c.res.end();
    this.clients.clear();
  }

  private readonly flush = (): void => {
    this.flushTimer = undefined;
    if (this.queue.length === 0) return;
    const text = serialize(this.queue);
    this.queue = [];
    this.write(text);
  };

  private write(text: string): void {
    for (const c of this.clients) {
      const socket = c.res.socket;
      if (c.res.writableEnded || socket === null) {
        this.clients.delete(c);
        continue;
      }
      if (c.res.writableLength > this.maxBufferedBytes) {
        // Too slow: drop it; the browser reconnects with Last-Event-ID and resumes from the ring.
        this.clients.delete(c);
        socket.destroy();
        continue;
      }
      c.res.write(text);
    }
  }
}

/** `id: <seq>\ndata: <json>\n\n` per event (JSON has no raw newlines, so one data line each). */
export function serialize(events: readonly NodeEvent[]): string {
  let out = '';
  for (const e of events) out += `id: ${e.seq}\ndata: ${JSON.stringify(e)}\n\n`;
  return out;
}
