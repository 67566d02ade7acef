/**
 * Peers: who may connect, which sockets serve whom, and the runtime additions kept on disk.
 *
 * Identity is bound to a secret: an inbound socket must name a known peer id (auth_username) and
 * present its token, compared in constant time. We dial peers that have a `url`, authenticating as
 * our nodeId. If both sides dial, the connection opened by the smaller nodeId is kept.
 * An ILP-over-HTTP peer (`transport: http`) has no socket: we POST to its `http.url` (HttpPeerLink)
 * and its requests carry `http.incomingToken`; the pipeline sees the same Peer either way.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { WebSocket } from 'ws';
import type { Logger } from 'pino';
import { BtpClient } from './btp/btp-client.js';
import { BtpLink, LinkError, type LinkHandlers, type ResponseCallback } from './btp/btp-link.js';
import type { AuthResult } from './btp/btp-server.js';
import { HttpPeerLink } from './http/ilp-http-client.js';
import { HttpPeeringStats } from './http/http-peer-metrics.js';
import type { EventStream } from './events.js';
import type { PeerPort } from './pipeline/packet-processor.js';
import { TokenBucket } from './pipeline/rate-limit.js';
import type { PeerRelation } from './types.js';

/** A peer as the node holds it (config and runtime registrations resolve to this). */
export interface PeerSpec {
  id: string;
  url?: string;
  /** every BTP URL of the peer, `url` first (config `urls`): the client tries them in turn */
  urls?: string[];
  /** the BTP secret; unset for an ILP-over-HTTP peer */
  authToken?: string;
  /** unset: btp. http: packets go over ILP-over-HTTP (RFC 0035) with `http`'s endpoint and tokens. */
  transport?: 'btp' | 'http';
  http?: { url?: string; incomingToken?: string; outgoingToken?: string };
  relation: PeerRelation;
  maxPacketAmount?: bigint;
  creditLimit?: bigint;
  settleThreshold?: bigint;
  rateLimit?: { packetsPerSecond: number; burst?: number };
  settlement?: { chain: 'evm' | 'xrpl' | 'aptos'; address: string };
  /** The peer's asset when it differs from the node's (config assetCode/assetScale, or learned by ILDCP). */
  asset?: { code: string; scale: number };
  /** route broadcast (CCP) switches; unset: on for parent and peer, off for child */
  sendRoutes?: boolean;
  receiveRoutes?: boolean;
  /** 'config' peers come from the file; 'runtime' ones were registered through the API. */
  source: 'config' | 'runtime';
}

/** What can carry our Prepares to a peer: its BTP link or its HTTP link. */
export interface IlpSender {
  sendIlp(ilp: Buffer, deadline: number, cb: ResponseCallback, ctx?: unknown): void;
}

export class Peer implements PeerPort {
  link: BtpLink | undefined;
  /** the ILP-over-HTTP link of a `transport: http` peer with an `http.url` */
  http: HttpPeerLink | undefined;
  client: BtpClient | undefined;
  bucket: TokenBucket | undefined;
  /** set while the peer is removed or the node stops, so closing sockets do not trigger reconnects */
  retired = false;
  /** Cluster forwarding: sends through the instance holding this peer's link when none is open here (false: none does). */
  relay: RelaySend | undefined;

  constructor(public spec: PeerSpec) {
    if (spec.rateLimit) this.bucket = new TokenBucket(spec.rateLimit.packetsPerSecond, spec.rateLimit.burst);
  }

  get id(): string {
    return this.spec.id;
  }
  get relation(): PeerRelation {
    return this.spec.relation;
  }
  get maxPacketAmount(): bigint | undefined {
    return this.spec.maxPacketAmount;
  }
  get asset(): { code: string; scale: number } | undefined {
    return this.spec.asset;
  }
  get isHttp(): boolean {
    return this.spec.transport === 'http';
  }
  /** BTP: a socket is open. HTTP: it has an http.url and has not failed downAfterFailures times in a row. */
  get connected(): boolean {
    return this.isHttp ? this.http?.up === true : this.link?.isOpen === true;
  }

  readonly send = (ilp: Buffer, deadline: number, cb: ResponseCallback, ctx?: unknown): void => {
    if (this.isHttp) {
      // even while down: a packet routed here is the probe that brings it back up
      if (this.http) this.http.sendIlp(ilp, deadline, cb, ctx);
      else cb(new LinkError(`HTTP peer ${this.id} has no http.url: we cannot send to it`, 'closed'), undefined, undefined, ctx);
      return;
    }
    const link = this.link;
    if (link === undefined || !link.isOpen) {
      if (this.relay?.(this.id, ilp, deadline, cb, ctx) === true) return;
      cb(new LinkError(`peer ${this.id} is not connected`, 'closed'), undefined, undefined, ctx);
      return;
    }
    link.sendIlp(ilp, deadline, cb, ctx);
  };

  /** Sends on this process's own link only (what a cluster relay does): false when it has none to send on. */
  sendHere(ilp: Buffer, deadline: number, cb: ResponseCallback): boolean {
    if (this.isHttp) {
      if (this.http === undefined) return false;
      this.http.sendIlp(ilp, deadline, cb);
      return true;
    }
    const link = this.link;
    if (link === undefined || !link.isOpen) return false;
    link.sendIlp(ilp, deadline, cb);
    return true;
  }
}

/** Forwards a Prepare to the cluster instance holding `peerId`'s link; false when no other instance does. */
export type RelaySend = (peerId: string, ilp: Buffer, deadline: number, cb: ResponseCallback, ctx?: unknown) => boolean;

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

export interface PeerSetOptions {
  nodeId: string;
  maxFrameBytes: number;
  logger: Logger;
  events: EventStream;
  handlers: Omit<LinkHandlers, 'onClose'>;
  /** HTTP peers: consecutive transport failures that make one down (config http.downAfterFailures). */
  httpDownAfterFailures?: number;
  /** Called after a link is up (ILDCP for a parent, settlement resend, …); for an HTTP peer, when it is (again) reachable. */
  onLinkUp(peer: Peer, link: IlpSender): void;
  /** Called after a peer's link closed (route broadcast withdraws its routes). */
  onLinkDown?(peer: Peer): void;
  /**
   * Cluster (src/cluster): a peer with a url is dialled only once this instance holds its link lease;
   * `want` asks for it (the lease holder calls `dialNow`), `unwant` gives it up when the peer goes.
   */
  dialGate?: { want(peerId: string): void; unwant(peerId: string): void };
  /** Cluster forwarding (src/cluster/forward.ts): where a Prepare goes when the peer's link is held by another instance. */
  relay?: RelaySend;
}

export class PeerSet {
  private readonly peers = new Map<string, Peer>();
  /** ILP-over-HTTP requests per peer, both ways, for /metrics */
  readonly httpStats = new HttpPeeringStats();

  constructor(private readonly o: PeerSetOptions) {}

  get(id: string): Peer | undefined {
    return this.peers.get(id);
  }

  all(): Peer[] {
    return [...this.peers.values()];
  }

  /** Adds a peer and, when it has a url, starts dialling it. */
  add(spec: PeerSpec): Peer {
    const peer = new Peer(spec);
    peer.relay = this.o.relay;
    this.peers.set(spec.id, peer);
    if (peer.isHttp) this.startHttp(peer);
    else if (spec.url && this.o.dialGate) this.o.dialGate.want(spec.id);
    else if (spec.url) this.dial(peer);
    return peer;
  }

  /** Cluster: this instance now holds the peer's link lease: dial it (if it is still here and not dialled). */
  dialNow(id: string): void {
    const peer = this.peers.get(id);
    if (peer === undefined || peer.retired || peer.isHttp || peer.spec.url === undefined || peer.client !== undefined) return;
    this.dial(peer);
  }

  /** Cluster: the link lease is gone: stop dialling and close the link, without retiring the peer. */
  hangUp(id: string, reason: string): void {
    const peer = this.peers.get(id);
    if (peer === undefined) return;
    peer.client?.stop();
    peer.client = undefined;
    peer.link?.close(1000, reason);
  }

  /**
   * Puts `spec` in place of the peer with its id. A new url or token means a new connection (the old
   * socket authenticated with the old secret); other fields change in place, the link stays up.
   */
  replace(spec: PeerSpec): Peer {
    const peer = this.peers.get(spec.id);
    if (!peer) return this.add(spec);
    const transportChanged = JSON.stringify([peer.spec.transport, peer.spec.http]) !== JSON.stringify([spec.transport, spec.http]);
    if (peer.spec.url !== spec.url || String(peer.spec.urls) !== String(spec.urls) || peer.spec.authToken !== spec.authToken || transportChanged) {
      this.remove(spec.id);
      return this.add(spec);
    }
    const rateChanged = JSON.stringify(peer.spec.rateLimit) !== JSON.stringify(spec.rateLimit);
    peer.spec = spec;
    if (rateChanged) peer.bucket = spec.rateLimit ? new TokenBucket(spec.rateLimit.packetsPerSecond, spec.rateLimit.burst) : undefined;
    return peer;
  }

  /** Removes a peer: closes its socket and stops dialling. */
  remove(id: string): Peer | undefined {
    const peer = this.peers.get(id);
    if (!peer) return undefined;
    this.peers.delete(id);
    this.retire(peer);
    if (peer.spec.url !== undefined) this.o.dialGate?.unwant(id);
    return peer;
  }

  /** Stops every client and closes every link. */
  closeAll(): void {
    for (const peer of this.peers.values()) this.retire(peer);
  }

  /** Constant-time check of an inbound socket's credentials (BtpServer's authenticate). */
  readonly authenticate = (username: string, token: string): AuthResult => {
    if (username === '') {
      return { ok: false, message: 'auth_username is empty: send your peer id as auth_username (BTP no-auth mode is not offered)' };
    }
    const peer = this.peers.get(username);
    // Compare even for unknown ids so the timing does not tell which ids exist.
    const expected = digest(peer?.spec.authToken ?? `\u0000unknown:${username}`);
    // an HTTP peer has no BTP secret: it never authenticates a socket
    const ok = timingSafeEqual(expected, digest(token)) && peer !== undefined && !peer.isHttp && peer.spec.authToken !== undefined;
    if (!ok) return { ok: false, message: 'unknown peer id or wrong auth_token' };
    return { ok: true, peerId: username };
  };

  /**
   * Constant-time check of an ILP-over-HTTP request's token: against `peerId`'s http.incomingToken,
   * or, for a request that names no peer (`POST /ilp`), against every HTTP peer's. The peer id, or
   * undefined when the token is wrong.
   */
  readonly authenticateHttp = (peerId: string | undefined, token: string): string | undefined => {
    const given = digest(token);
    if (peerId !== undefined) {
      const peer = this.peers.get(peerId);
      const incoming = peer?.isHttp === true ? peer.spec.http?.incomingToken : undefined;
      const ok = timingSafeEqual(digest(incoming ?? `\u0000unknown:${peerId}`), given) && incoming !== undefined;
      return ok ? peerId : undefined;
    }
    let found: string | undefined;
    for (const peer of this.peers.values()) {
      const incoming = peer.isHttp ? peer.spec.http?.incomingToken : undefined;
      if (incoming === undefined) continue;
      // every HTTP peer is compared, whichever matches: no early exit to time
      if (timingSafeEqual(digest(incoming), given) && found === undefined) found = peer.id;
    }
    return found;
  };

  /** An inbound socket authenticated as `peerId`. */
  readonly acceptInbound = (peerId: string, socket: WebSocket): void => {
    const peer = this.peers.get(peerId);
    if (!peer) {
      socket.close(1008, 'peer removed');
      return;
    }
    this.attach(peer, socket, 'inbound');
  };

  /** An HTTP peer with a URL gets its link; it counts as up until its requests fail. */
  private startHttp(peer: Peer): void {
    const h = peer.spec.http;
    if (h?.url === undefined || h.outgoingToken === undefined) return;
    const link = new HttpPeerLink({
      peerId: peer.id,
      url: h.url,
      token: h.outgoingToken,
      downAfterFailures: this.o.httpDownAfterFailures ?? 3,
      logger: this.o.logger,
      counts: this.httpStats.of(peer.id),
      onUp: () => this.httpUp(peer, link, 'answers again'),
      onDown: (reason) => {
        this.o.events.emit({ type: 'peer:disconnected', peerId: peer.id, reason });
        this.o.onLinkDown?.(peer);
      },
    });
    peer.http = link;
    // after the caller has finished adding it (route broadcast asks the peer set for it)
    setImmediate(() => {
      if (!peer.retired && peer.http === link && link.up) this.httpUp(peer, link, 'added');
    });
  }

  private httpUp(peer: Peer, link: HttpPeerLink, why: string): void {
    this.o.events.emit({ type: 'peer:connected', peerId: peer.id, direction: 'outbound' });
    this.o.logger.info({ peer: peer.id, transport: 'http', why }, 'HTTP peer up');
    this.o.onLinkUp(peer, link);
  }

  private dial(peer: Peer): void {
    const spec = peer.spec;
    const client = new BtpClient({
      peerId: spec.id,
      url: spec.url!,
      ...(spec.urls ? { urls: spec.urls } : {}),
      username: this.o.nodeId,
      token: spec.authToken ?? '',
      maxFrameBytes: this.o.maxFrameBytes,
      logger: this.o.logger,
      onAuthenticated: (socket) => this.attach(peer, socket, 'outbound'),
      onReconnecting: (attempt, delayMs, lastError) => {
        if (peer.retired) return;
        this.o.events.emit({ type: 'peer:reconnecting', peerId: spec.id, attempt, delayMs });
        if (attempt === 1 || attempt % 10 === 0) {
          this.o.logger.info({ peer: spec.id, attempt, delayMs, reason: lastError }, 'reconnecting to peer');
        }
      },
      // An inbound link opened by a smaller nodeId than ours is the one both sides keep.
      shouldWait: () => peer.link?.isOpen === true && peer.link.direction === 'inbound' && spec.id < this.o.nodeId,
    });
    peer.client = client;
    client.start();
  }

  private attach(peer: Peer, socket: WebSocket, direction: 'inbound' | 'outbound'): void {
    const current = peer.link;
    if (current?.isOpen) {
      const dialer = (d: 'inbound' | 'outbound') => (d === 'inbound' ? peer.id : this.o.nodeId);
      // Same side reconnecting: the new socket wins. Both sides dialling: the smaller dialer's wins.
      const keepNew = current.direction === direction || dialer(direction) < dialer(current.direction);
      if (!keepNew) {
        socket.close(1000, 'duplicate connection: the one opened by the smaller node id is kept');
        return;
      }
    }
    const link = new BtpLink(peer.id, socket, direction, { ...this.o.handlers, onClose: (l, code, reason) => this.onClose(peer, l, code, reason) }, this.o.logger);
    if (current?.isOpen) {
      // what is in flight on the old socket is answered on the new one, or times out there and is released
      current.handOver(link);
      current.close(1000, 'replaced by a newer connection');
    }
    peer.link = link;
    this.o.events.emit({ type: 'peer:connected', peerId: peer.id, direction });
    this.o.logger.info({ peer: peer.id, direction }, 'peer connected');
    this.o.onLinkUp(peer, link);
  }

  private onClose(peer: Peer, link: BtpLink, code: number, reason: string): void {
    if (peer.link !== link) return;
    peer.link = undefined;
    this.o.events.emit({ type: 'peer:disconnected', peerId: peer.id, reason: reason || `socket closed (${code})` });
    if (!peer.retired) this.o.logger.warn({ peer: peer.id, code, reason }, 'peer disconnected');
    this.o.onLinkDown?.(peer);
  }

  private retire(peer: Peer): void {
    peer.retired = true;
    peer.client?.stop();
    const http = peer.http;
    if (http) {
      const wasUp = http.up;
      http.close();
      peer.http = undefined;
      if (wasUp) {
        this.o.events.emit({ type: 'peer:disconnected', peerId: peer.id, reason: 'peer removed or node stopping' });
        this.o.onLinkDown?.(peer);
      }
    }
    peer.link?.close(1000, 'peer removed or node stopping');
  }
}
