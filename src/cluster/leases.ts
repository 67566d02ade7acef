/**
 * One link per peer in the whole cluster. A peer's link lock (session.ts) is its lease:
 * - a peer with a `url` is wanted by every instance; each tries its lock every `leaseCheckMs` and the
 *   one that gets it dials. The holder's death frees the lock (the server ends the session), so another
 *   instance takes the link over at its next try;
 * - an incoming login takes the lock before it is answered: the same peer logged in at another instance
 *   is refused, so it can never spend at two instances at once; the lock goes back when the link closes.
 */
import type { Logger } from 'pino';
import type { ClusterSession } from './session.js';

/** What leases drive on the node. */
export interface LinkHost {
  /** Start dialling a wanted peer (this instance now holds its lease). */
  dial(peerId: string): void;
  /** Stop dialling and close the peer's link (the lease is gone). */
  hangUp(peerId: string, reason: string): void;
  /**
   * Resolves once no reservation of the peer is open here and every booking made here is durable:
   * only then does an incoming link's lease go back (credit limits hold across a handover).
   */
  settled?(peerId: string): Promise<void>;
  /** Reads the books (others' bookings included) after a lease was taken, before the peer is served. */
  taken?(peerId: string): Promise<void>;
}

export class LinkLeases {
  private readonly wanted = new Set<string>();
  /** peers whose lock this instance holds, and why ('settling': an incoming link closed, its packets still open here) */
  private readonly held = new Map<string, 'outbound' | 'inbound' | 'settling'>();
  private session: ClusterSession | undefined;
  private timer: NodeJS.Timeout | undefined;
  private checking = false;

  constructor(
    private readonly host: LinkHost,
    private readonly checkMs: number,
    private readonly logger: Logger,
  ) {}

  /** Peers this instance holds the link of, sorted. */
  heldPeers(): string[] {
    return [...this.held.keys()].sort();
  }

  holds(peerId: string): boolean {
    return this.held.has(peerId);
  }

  /** A session to take locks on (after start or a reconnect); tries the wanted peers at once. */
  attach(session: ClusterSession): void {
    this.session = session;
    if (this.timer === undefined) {
      this.timer = setInterval(() => void this.check(), this.checkMs);
      this.timer.unref();
    }
    void this.check();
  }

  /** The session is gone and every lock with it: hang up every link this instance held. */
  lost(reason: string): void {
    this.session = undefined;
    const held = [...this.held.keys()];
    this.held.clear();
    for (const id of held) this.host.hangUp(id, `cluster session lost (${reason}): the link lease is gone`);
  }

  /** A dialled peer (it has a url): take its link when no instance holds it. */
  want(peerId: string): void {
    this.wanted.add(peerId);
    void this.check();
  }

  /** The peer was removed (or the node stops): stop wanting it and give its lease back. */
  unwant(peerId: string): void {
    this.wanted.delete(peerId);
    this.release(peerId);
  }

  /**
   * An incoming login of `peerId`: undefined when this instance holds (or now took) its link, else
   * why it is refused.
   */
  async claimInbound(peerId: string): Promise<string | undefined> {
    if (this.held.get(peerId) === 'settling') this.held.set(peerId, 'inbound');
    if (this.held.has(peerId)) return undefined;
    const s = this.session;
    if (s === undefined) return 'this cluster instance has lost its database session: connect to another instance';
    let ok = false;
    try {
      ok = await s.tryLink(peerId);
    } catch {
      return 'this cluster instance cannot reach its database: connect to another instance';
    }
    if (!ok) return `peer ${peerId} is already connected to another instance of this cluster`;
    if (this.session !== s) return 'this cluster instance has lost its database session: connect to another instance';
    this.held.set(peerId, 'inbound');
    await this.read(peerId);
    return undefined;
  }

  /**
   * A link closed: an incoming one gives its lease back, unless we dial that peer too (then we keep the
   * lease and dial); a dialled one keeps it (its client redials).
   */
  linkDown(peerId: string): void {
    if (this.held.get(peerId) !== 'inbound') return;
    if (!this.wanted.has(peerId)) {
      this.settleThenRelease(peerId);
      return;
    }
    this.held.set(peerId, 'outbound');
    this.host.dial(peerId);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.session = undefined;
  }

  /**
   * An incoming link closed: the lease goes back once the peer's packets here have ended and their
   * bookings are durable, so the next holder's first read of the books sees all of them. A new login
   * of the peer here meanwhile keeps the lease (claimInbound).
   */
  private settleThenRelease(peerId: string): void {
    this.held.set(peerId, 'settling');
    const settled = this.host.settled?.(peerId) ?? Promise.resolve();
    void settled
      .catch((err: unknown) => this.logger.warn({ peer: peerId, err: err instanceof Error ? err.message : String(err) }, 'waiting for a peer\'s open packets failed; giving its lease back'))
      .then(() => {
        if (this.held.get(peerId) === 'settling') this.release(peerId);
      });
  }

  /** The books as they are now (others' bookings included), before a taken peer is served. */
  private async read(peerId: string): Promise<void> {
    try {
      await this.host.taken?.(peerId);
    } catch (err) {
      this.logger.warn({ peer: peerId, err: (err as Error).message }, 'could not read the books after taking a link lease');
    }
  }

  private release(peerId: string): void {
    if (!this.held.delete(peerId)) return;
    const s = this.session;
    s?.releaseLink(peerId).catch(() => undefined);
  }

  /** Tries the lock of every wanted peer not held; dials those it gets. */
  private async check(): Promise<void> {
    const s = this.session;
    if (this.checking || s === undefined) return;
    this.checking = true;
    try {
      for (const id of [...this.wanted]) {
        if (this.held.has(id) || this.session !== s) continue;
        const ok = await s.tryLink(id);
        if (!ok || this.session !== s) continue;
        if (!this.wanted.has(id)) {
          await s.releaseLink(id);
          continue;
        }
        this.held.set(id, 'outbound');
        await this.read(id);
        this.logger.info({ peer: id }, 'took the link lease: dialling the peer');
        this.host.dial(id);
      }
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'link lease check failed');
    } finally {
      this.checking = false;
    }
  }
}
