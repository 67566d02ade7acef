/**
 * Forwarding inside a cluster (docs/scaling.md): a packet whose next hop's link is held by another
 * instance goes to that instance over an internal HTTP link, authenticated by the cluster secret.
 *
 *   POST <instance's forward url>/cluster/forward/<peerId>
 *   authorization: Bearer <cluster.secret>
 *   x-cluster-from: <instanceId>       x-cluster-deadline: <ms epoch: when the sender stops waiting>
 *   body: the ILP Prepare, exactly as the sender would have put it on the peer's link
 *   200, body: the peer's Fulfill or Reject (or this instance's Reject when it cannot reach the peer)
 *
 * The receiving instance is a relay: it puts the Prepare on the peer's link unchanged (same amount,
 * same expiry: no fee, no second shortening), books nothing, reserves nothing, and answers with what
 * the peer answered. The sending instance books the packet as if the link were its own.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { LinkError, type ResponseCallback } from '../node/btp/btp-link.js';
import { PeerUnreachableError, TransferTimedOutError, toReject, type IlpError } from '../node/ilp/errors.js';
import { serializeReject } from '../node/ilp/packet.js';

const PATH = '/cluster/forward/';
const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** What the relay needs from the node. */
export interface RelayHost {
  /** Sends to a peer whose link this instance holds (never relays again); false when it has no open link here. */
  sendHere(peerId: string, ilp: Buffer, deadline: number, cb: ResponseCallback): boolean;
  /** our ILP address (triggeredBy of the relay's own Rejects) */
  address(): string;
}

/** Packets relayed, both ways (the /health cluster view). */
export interface ForwardCounts {
  /** sent to another instance */
  sent: number;
  /** received from another instance and put on a link here */
  relayed: number;
}

/**
 * Other requests an instance serves on the same listener (frames.ts: settlement frames for a lane
 * leader, BTP requests for a peer's link holder): the path after `/cluster/`, the body and headers.
 */
export type ClusterRoute = (path: string, body: Buffer, headers: http.IncomingHttpHeaders) => Promise<{ status: number; type: string; body: Buffer }>;

export interface ForwardServerOptions {
  /** the other `/cluster/<name>/...` paths (frames.ts) */
  routes?: ClusterRoute;
  secret: string;
  host: string;
  port: number;
  maxBodyBytes: number;
  instanceId: string;
  relay: RelayHost;
  logger: Logger;
  counts: ForwardCounts;
}

/** The listener other instances forward to. */
export class ForwardServer {
  private readonly server: http.Server;
  private readonly key: Buffer;

  constructor(private readonly o: ForwardServerOptions) {
    this.key = digest(o.secret);
    this.server = http.createServer({ keepAliveTimeout: 60_000 }, (req, res) => this.onRequest(req, res));
  }

  get port(): number {
    return (this.server.address() as AddressInfo | null)?.port ?? 0;
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.o.port, this.o.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = req.url ?? '';
    const other = this.o.routes !== undefined && url.startsWith('/cluster/') && !url.startsWith(PATH);
    if (req.method !== 'POST' || (!url.startsWith(PATH) && !other)) return this.plain(res, 404, 'not found: POST /cluster/forward/<peerId>');
    const auth = req.headers.authorization ?? '';
    const given = digest(auth.startsWith('Bearer ') ? auth.slice(7) : '');
    if (!timingSafeEqual(given, this.key)) return this.plain(res, 401, 'wrong cluster secret: every instance must have the same cluster.secret');
    const peerId = decodeURIComponent(url.slice(PATH.length));
    const deadline = Number(req.headers['x-cluster-deadline']);
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > this.o.maxBodyBytes) {
        this.plain(res, 413, `a forwarded Prepare is larger than ${this.o.maxBodyBytes} bytes`);
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (res.headersSent) return;
      const ilp = Buffer.concat(chunks);
      if (other) {
        this.o.routes!(url.slice('/cluster/'.length), ilp, req.headers)
          .then((r) => {
            if (res.writableEnded || res.destroyed) return;
            res.writeHead(r.status, { 'content-type': r.type, 'content-length': r.body.length });
            res.end(r.body);
          })
          .catch((err: unknown) => this.plain(res, 500, err instanceof Error ? err.message : String(err)));
        return;
      }
      if (!Number.isFinite(deadline)) return this.plain(res, 400, 'x-cluster-deadline is missing or not a number');
      const answer = (buf: Buffer) => {
        if (res.writableEnded || res.destroyed) return;
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': buf.length });
        res.end(buf);
      };
      const sent = this.o.relay.sendHere(peerId, ilp, deadline, (err, reply) => {
        if (err === undefined && reply !== undefined) return answer(reply);
        if (err?.kind === 'late' && reply !== undefined) {
          this.o.logger.warn({ peer: peerId, from: req.headers['x-cluster-from'] }, 'a relayed packet was answered after the forwarding instance stopped waiting');
          return;
        }
        answer(this.reject(err?.kind === 'timeout' ? new TransferTimedOutError(`no answer from ${peerId} before expiry`) : new PeerUnreachableError(err?.message ?? `${peerId} answered without an ILP packet`)));
      });
      if (sent) this.o.counts.relayed++;
      else answer(this.reject(new PeerUnreachableError(`next hop ${peerId} is not connected to cluster instance ${this.o.instanceId}`)));
    });
  }

  private reject(err: IlpError): Buffer {
    return serializeReject(toReject(err, this.o.relay.address()));
  }

  private plain(res: http.ServerResponse, status: number, text: string): void {
    if (res.headersSent) return;
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
    res.end(text);
  }
}

/** Sends Prepares to other instances' forward listeners (one keep-alive pool). */
export class ForwardClient {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

  constructor(
    private readonly secret: string,
    private readonly instanceId: string,
    private readonly counts: ForwardCounts,
  ) {}

  /** Forwards `ilp` for `peerId` to the instance at `baseUrl`; `cb` gets its answer exactly once. */
  send(baseUrl: string, target: string, peerId: string, ilp: Buffer, deadline: number, cb: ResponseCallback, ctx?: unknown): void {
    const wait = deadline - Date.now();
    if (wait <= 0) {
      cb(new LinkError(`no time left to forward to cluster instance ${target}`, 'timeout'), undefined, undefined, ctx);
      return;
    }
    this.counts.sent++;
    let done = false;
    const finish = (err: LinkError | undefined, reply?: Buffer) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      cb(err, reply, undefined, ctx);
    };
    const req = http.request(`${baseUrl}${PATH}${encodeURIComponent(peerId)}`, {
      method: 'POST',
      agent: this.agent,
      headers: {
        authorization: `Bearer ${this.secret}`,
        'content-type': 'application/octet-stream',
        'content-length': ilp.length,
        'x-cluster-from': this.instanceId,
        'x-cluster-deadline': String(deadline),
      },
    });
    const timer = setTimeout(() => {
      finish(new LinkError(`no answer from ${peerId} through cluster instance ${target} before expiry`, 'timeout'));
      req.destroy();
    }, wait);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        if (res.statusCode === 200) finish(undefined, body);
        else finish(new LinkError(`cluster instance ${target} refused the forward (${res.statusCode}): ${body.toString('utf8').slice(0, 200)}`, 'closed'));
      });
      res.on('error', (err) => finish(new LinkError(`cluster instance ${target}: ${err.message}`, 'closed')));
    });
    req.on('error', (err) => finish(new LinkError(`cluster instance ${target} is unreachable: ${err.message}`, 'closed')));
    req.end(ilp);
  }

  /** POSTs `body` to `<baseUrl>/cluster/<path>` (frames.ts); the answer's status and body, or the reason it has none. */
  post(baseUrl: string, path: string, body: Buffer, headers: Record<string, string>, timeoutMs: number): Promise<{ status: number; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const req = http.request(`${baseUrl}/cluster/${path}`, {
        method: 'POST',
        agent: this.agent,
        timeout: timeoutMs,
        headers: { authorization: `Bearer ${this.secret}`, 'content-type': 'application/octet-stream', 'content-length': body.length, 'x-cluster-from': this.instanceId, ...headers },
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
