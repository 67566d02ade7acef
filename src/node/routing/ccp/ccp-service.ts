/**
 * Route broadcast (CCP) for the whole node: one receiver and one sender per peer whose sendRoutes /
 * receiveRoutes is on, the table we announce, and the learned routes handed to the routing table.
 *
 * Rules (docs/protocols.md has them for operators):
 * - A learned route whose path contains our address is dropped, as is one for our own address or
 *   below it, or for peer.*. A speaker keeps at most maxRoutesPerPeer prefixes (one warning).
 * - We announce, per prefix, the best route: a static or implicit one (first whose next hop is up),
 *   else the best learned one (child > peer > parent, then the shorter path, then the peer id). The
 *   announced path is our address followed by the route's path.
 * - Each best route goes to every peer with sendRoutes on, never back to its next hop. As
 *   ilp-connector: routes via peers or parents are not sent to a parent. With
 *   `exportPolicy: valley-free`, routes via peers or parents go to children only.
 * - A peer whose link goes down loses its learned routes at once; a speaker silent past its
 *   hold-down loses them too. Either way we ask it for SYNC from epoch 0 when it is back.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import {
  CCP_CONTROL_DESTINATION,
  CCP_UPDATE_DESTINATION,
  deserializeCcpRouteControlPayload,
  deserializeCcpRouteUpdatePayload,
  serializeCcpResponse,
  serializeCcpRouteControlRequest,
} from '../../ilp/ccp.js';
import { BadRequestError, CodecError, PeerUnreachableError } from '../../ilp/errors.js';
import { deserializeReject, IlpPacketType } from '../../ilp/packet.js';
import { isValidIlpAddress } from '../../ilp/address.js';
import { ForwardingTable, type ExportedRoute, type LogEntry } from './forwarding-table.js';
import { CcpReceiver } from './receiver.js';
import { CcpSender } from './sender.js';
import { routesEnabled, type CcpHost, type CcpSettings } from './types.js';

const LOCAL = 'local';
const rank: Record<string, number> = { child: 3, peer: 2, parent: 1 };

/** One peer's route broadcast counts since its sender or receiver was made (a removed peer starts again at 0). */
export interface CcpPeerStats {
  /** prefixes learned from it now */
  routes: number;
  updatesReceived: number;
  updatesSent: number;
  /** our updates it rejected or did not answer */
  updatesFailed: number;
  /** route controls we sent it (always SYNC: we ask for its routes) */
  controlsSent: number;
  /** route controls it sent us, by the mode it asked for */
  controlsReceived: { sync: number; idle: number };
}

/** Counters for /metrics. */
export interface CcpStats {
  /** peer id → its counts (peers with a sender or a receiver) */
  peers: Record<string, CcpPeerStats>;
  announced: number;
}

export class CcpService {
  readonly table = new ForwardingTable();
  private readonly receivers = new Map<string, CcpReceiver>();
  private readonly senders = new Map<string, CcpSender>();
  private readonly secret: Buffer;
  private readonly cappedWarned = new Set<string>();
  private sweeper: NodeJS.Timeout | undefined;
  private recomputeTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly host: CcpHost,
    private readonly s: CcpSettings,
    private readonly log: Logger,
  ) {
    this.secret = s.secret ? Buffer.from(s.secret, 'utf8') : randomBytes(32);
  }

  start(): void {
    // expiry and the static part of the table (routes added at runtime, next hops up or down) are checked here
    this.sweeper = setInterval(() => this.sweep(), Math.min(500, this.s.holdDownMs / 4));
    this.sweeper.unref();
    this.recompute();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.sweeper);
    clearTimeout(this.recomputeTimer);
    for (const s of this.senders.values()) s.stop();
  }

  /** A peer's link is up: ask it for its routes, and be ready to send ours. */
  peerUp(peerId: string): void {
    const peer = this.host.peer(peerId);
    if (!peer || this.stopped) return;
    const { send, receive } = routesEnabled(peer);
    if (send && !this.senders.has(peerId)) this.senders.set(peerId, this.newSender(peerId));
    else this.senders.get(peerId)?.idle();
    if (receive) {
      if (!this.receivers.has(peerId)) this.receivers.set(peerId, new CcpReceiver(peerId));
      this.sendControl(peerId);
    }
    this.markDirty();
  }

  /** A peer's link is down (or it was removed): its learned routes go at once. */
  peerDown(peerId: string): void {
    this.senders.get(peerId)?.idle();
    const r = this.receivers.get(peerId);
    if (r) this.withdrawAll(r, r.reset());
    this.markDirty();
  }

  /** A peer was removed from the node. */
  peerRemoved(peerId: string): void {
    this.peerDown(peerId);
    this.senders.get(peerId)?.stop();
    this.senders.delete(peerId);
    this.receivers.delete(peerId);
  }

  /**
   * Answers a peer.route.* Prepare from `peerId`: the serialized Fulfill, or undefined when the
   * destination is not CCP. Throws BadRequestError (F00) for what we refuse.
   */
  handle(peerId: string, destination: string, data: Buffer): Buffer | undefined {
    if (destination !== CCP_CONTROL_DESTINATION && destination !== CCP_UPDATE_DESTINATION) return undefined;
    const decode = <T>(fn: (b: Buffer) => T): T => {
      try {
        return fn(data);
      } catch (err) {
        throw new BadRequestError(`malformed ${destination}: ${err instanceof CodecError ? err.message : String(err)}`);
      }
    };
    if (destination === CCP_CONTROL_DESTINATION) {
      const sender = this.senders.get(peerId);
      if (!sender) {
        // sendRoutes on but no way back yet (an HTTP peer whose URL we do not know, or not up): the asker retries
        const peer = this.host.peer(peerId);
        if (peer && routesEnabled(peer).send) throw new PeerUnreachableError('route control deferred: this node has no link to you to send routes on yet; ask again');
        throw new BadRequestError('route control refused: this node does not send routes to you (sendRoutes is off)');
      }
      sender.handleControl(decode(deserializeCcpRouteControlPayload));
      return serializeCcpResponse();
    }
    const receiver = this.receivers.get(peerId);
    if (!receiver) throw new BadRequestError('route update refused: this node does not accept routes from you (receiveRoutes is off)');
    const update = decode(deserializeCcpRouteUpdatePayload);
    const own = this.host.address();
    const result = receiver.apply(update, Date.now(), {
      ownAddress: own,
      maxRoutes: this.s.maxRoutesPerPeer,
      defaultHoldDownMs: this.s.holdDownMs,
      accept: (prefix) => isValidIlpAddress(prefix) && !prefix.startsWith('peer.') && prefix !== own && !prefix.startsWith(`${own}.`),
    });
    if (result.capped > 0 && !this.cappedWarned.has(peerId)) {
      this.cappedWarned.add(peerId);
      this.log.warn({ peer: peerId, maxRoutesPerPeer: this.s.maxRoutesPerPeer }, 'peer announces more routes than maxRoutesPerPeer: the rest are dropped');
    }
    this.apply(receiver, result.changed);
    if (result.gap) {
      this.sendControl(peerId);
      throw new BadRequestError(`route update starts at epoch ${update.fromEpochIndex} but we hold ${receiver.epoch}: sent route control SYNC`);
    }
    return serializeCcpResponse();
  }

  stats(): CcpStats {
    const peers: Record<string, CcpPeerStats> = {};
    for (const peerId of new Set([...this.senders.keys(), ...this.receivers.keys()])) {
      const s = this.senders.get(peerId);
      const r = this.receivers.get(peerId);
      peers[peerId] = {
        routes: r?.routes.size ?? 0,
        updatesReceived: r?.updates ?? 0,
        updatesSent: s?.sent ?? 0,
        updatesFailed: s?.failed ?? 0,
        controlsSent: r?.controlsSent ?? 0,
        controlsReceived: { sync: s?.controlsReceived.sync ?? 0, idle: s?.controlsReceived.idle ?? 0 },
      };
    }
    return { peers, announced: this.table.size };
  }

  /** Per-peer state for `routes list` and the explorer. */
  peerStatus(): { peerId: string; send?: { mode: string; epoch: number }; receive?: { tableId: string; epoch: number; routes: number; expiresAt: number } }[] {
    const ids = new Set([...this.senders.keys(), ...this.receivers.keys()]);
    return [...ids].sort().map((peerId) => {
      const s = this.senders.get(peerId);
      const r = this.receivers.get(peerId);
      return {
        peerId,
        ...(s ? { send: { mode: s.mode === 1 ? 'SYNC' : 'IDLE', epoch: s.epoch } } : {}),
        ...(r ? { receive: { tableId: r.routingTableId, epoch: r.epoch, routes: r.routes.size, expiresAt: r.expiresAt } } : {}),
      };
    });
  }

  private newSender(peerId: string): CcpSender {
    return new CcpSender(peerId, {
      table: this.table,
      address: () => this.host.address(),
      holdDownMs: this.s.holdDownMs,
      broadcastIntervalMs: this.s.broadcastIntervalMs,
      exportable: (e) => this.exportable(peerId, e),
      connected: () => this.host.peer(peerId)?.connected === true,
      send: (prepare, deadline) => this.host.send(peerId, prepare, deadline),
      onResult: (ok, reason) => {
        if (ok) return;
        this.log.debug({ peer: peerId, reason }, 'route update not accepted: asking the peer for SYNC again');
        // its receiver may have lost our table (restart, gap): a fresh control from our side resyncs both directions
        if (this.receivers.has(peerId)) this.sendControl(peerId);
      },
    });
  }

  private exportable(peerId: string, e: LogEntry): boolean {
    const route = e.route;
    if (!route || route.nextHop === peerId) return false;
    const target = this.host.peer(peerId)?.relation;
    const via = route.nextHop === LOCAL ? 'local' : this.host.peer(route.nextHop)?.relation;
    const upstream = via === 'peer' || via === 'parent';
    if (this.s.exportPolicy === 'valley-free') return !upstream || target === 'child';
    return !(target === 'parent' && upstream);
  }

  private sendControl(peerId: string): void {
    const receiver = this.receivers.get(peerId);
    const peer = this.host.peer(peerId);
    if (!receiver || !peer?.connected || this.stopped) return;
    const deadline = Date.now() + Math.min(60_000, Math.max(5000, this.s.broadcastIntervalMs));
    receiver.controlsSent++;
    this.host
      .send(peerId, serializeCcpRouteControlRequest(receiver.control(), new Date(deadline)), deadline)
      .then((reply) => {
        if (reply[0] === IlpPacketType.Fulfill) {
          receiver.controlFailures = 0;
          return;
        }
        const { message } = deserializeReject(reply);
        // the peer is configured not to send us routes (ours or ilp-connector's wording): ask again only when the link comes back
        if (/sendRoutes is off|configured not to send routes/.test(message)) {
          this.log.info({ peer: peerId, message }, 'peer does not send us routes');
          return;
        }
        throw new Error(`route control rejected: ${message}`);
      })
      .catch((err: unknown) => {
        // the peer may not be ready for CCP yet (ilp-connector registers a peer a moment after its link is up): retry soon, then back off
        const delay = Math.min(this.s.broadcastIntervalMs, 30_000, 250 * 2 ** receiver.controlFailures++);
        this.log.debug({ peer: peerId, err: err instanceof Error ? err.message : String(err), retryInMs: delay }, 'route control failed; retrying');
        const t = setTimeout(() => this.sendControl(peerId), delay);
        t.unref();
      });
  }

  private apply(receiver: CcpReceiver, changed: readonly string[]): void {
    if (changed.length === 0) return;
    for (const prefix of new Set(changed)) {
      const r = receiver.routes.get(prefix);
      if (r) this.host.learned.set({ prefix, nextHop: receiver.peerId, path: r.path, learnedAt: r.learnedAt });
      else this.host.learned.withdraw(prefix, receiver.peerId);
    }
    this.markDirty();
  }

  private withdrawAll(receiver: CcpReceiver, prefixes: readonly string[]): void {
    for (const prefix of prefixes) this.host.learned.withdraw(prefix, receiver.peerId);
  }

  private sweep(): void {
    const now = Date.now();
    for (const r of this.receivers.values()) {
      const gone = r.expire(now);
      if (gone === undefined) continue;
      if (gone.length > 0) this.log.info({ peer: r.peerId, routes: gone.length }, 'peer silent past its hold-down: its routes are dropped');
      this.withdrawAll(r, gone);
      this.sendControl(r.peerId);
    }
    this.recompute();
  }

  /** Recomputes the announced table soon (changes in one burst become one epoch range). */
  private markDirty(): void {
    if (this.recomputeTimer || this.stopped) return;
    this.recomputeTimer = setTimeout(() => {
      this.recomputeTimer = undefined;
      this.recompute();
    }, 10);
    this.recomputeTimer.unref();
  }

  private recompute(): void {
    const own = this.host.address();
    const scheme = own.split('.')[0];
    const up = (hop: string) => hop === LOCAL || this.host.peer(hop)?.connected === true;
    const best = new Map<string, ExportedRoute>();
    const hmac = (prefix: string) => createHmac('sha256', this.secret).update(prefix).digest();
    for (const r of this.host.staticRoutes()) {
      if (best.has(r.prefix) || !up(r.nextHop)) continue;
      best.set(r.prefix, { prefix: r.prefix, nextHop: r.nextHop, path: [own], auth: createHash('sha256').update(hmac(r.prefix)).digest() });
    }
    const learned = new Map<string, { peer: string; path: readonly string[]; auth: Buffer; rank: number }>();
    for (const rc of this.receivers.values()) {
      const relation = this.host.peer(rc.peerId)?.relation ?? 'parent';
      for (const [prefix, r] of rc.routes) {
        if (best.has(prefix)) continue;
        const cand = { peer: rc.peerId, path: r.path, auth: r.auth, rank: rank[relation] ?? 0 };
        const cur = learned.get(prefix);
        if (!cur || better(cand, cur)) learned.set(prefix, cand);
      }
    }
    for (const [prefix, c] of learned) best.set(prefix, { prefix, nextHop: c.peer, path: [own, ...c.path], auth: createHash('sha256').update(c.auth).digest() });
    // as ilp-connector: only prefixes of our own scheme, not the scheme itself, and not our children (our address covers them)
    for (const [prefix, r] of best) {
      if (!prefix.startsWith(`${scheme}.`) || (prefix.startsWith(`${own}.`) && r.path.length === 1)) best.delete(prefix);
    }
    if (this.table.sync(best)) for (const s of this.senders.values()) s.schedule(0);
  }
}

function better(a: { peer: string; path: readonly string[]; rank: number }, b: { peer: string; path: readonly string[]; rank: number }): boolean {
  if (a.rank !== b.rank) return a.rank > b.rank;
  if (a.path.length !== b.path.length) return a.path.length < b.path.length;
  return a.peer < b.peer;
}
