/**
 * Bounds the connections that have not authenticated yet (BTP and ILP-over-HTTP listeners): in total
 * and per client address. A connection past either cap is destroyed at once (no handshake, no timer,
 * no log line per connection); the refusals are counted and logged at most once per interval, so a
 * flood of idle sockets costs the node a file descriptor for an instant and nothing else.
 *
 * With a `queue` (the ILP-over-HTTP listener), a connection over its address's share is not
 * destroyed while the total has room: it waits unread (`hold`) until one of its address's admitted
 * connections authenticates or closes, then takes that place (`resume`). An HTTP peer with 100
 * packets in flight opens 100 keep-alive sockets at once, each authenticated by its first request;
 * the queue lets that burst in a share at a time. What an address without a token gets is unchanged:
 * at most `maxPerAddress` of its connections are read, and the total stays within `maxTotal`. A
 * waiting connection gives way (`evict`, oldest first) to a new one from an address within its
 * share, so queued sockets never keep out an address the per-address cap would admit.
 */
import type { Socket } from 'node:net';
import type { Logger } from 'pino';

export interface PreAuthLimits {
  /** Connections not yet authenticated, in total. */
  maxTotal: number;
  /** Connections not yet authenticated from one address. */
  maxPerAddress: number;
  /** ms a connection has to upgrade and authenticate. */
  timeoutMs: number;
}

/** What the gate does with a connection over its address's share (see the header). */
export interface PreAuthQueue {
  /** The socket waits: stop reading it. */
  hold(socket: Socket): void;
  /** Its turn came: read it. */
  resume(socket: Socket): void;
  /** It gives way to a connection within its address's share: close it. */
  evict(socket: Socket): void;
}

/** Counters of the gate, read by /metrics and health. */
export interface PreAuthStats {
  /** Connections open and not yet authenticated. */
  readonly open: number;
  /** Connections refused since start because a cap was reached. */
  readonly refused: number;
  /** Connections closed since start because they did not authenticate in time. */
  readonly timedOut: number;
  /** ms epoch of the last refusal (0: never). */
  readonly lastRefusedAt: number;
  /** Of `open`, connections waiting unread for their address's share (queue mode only). */
  readonly queued?: number;
  /** Waiting connections closed to make room for one within its address's share (queue mode only). */
  readonly evicted?: number;
}

interface Entry {
  /** '' when not counted per address */
  address: string;
  timer: NodeJS.Timeout;
  /** over its address's share, waiting unread */
  queued: boolean;
}

/** One refusal log line per this many ms at most. */
const LOG_INTERVAL_MS = 10_000;

export class PreAuthGate implements PreAuthStats {
  open = 0;
  refused = 0;
  timedOut = 0;
  lastRefusedAt = 0;
  evicted = 0;
  private refusedSinceLog = 0;
  private lastLogAt = 0;
  /** Admitted (not queued) pending connections per address. */
  private readonly byAddress = new Map<string, number>();
  private readonly pending = new Map<Socket, Entry>();
  /** Queued sockets, oldest first: all of them, and per address. */
  private readonly waiting = new Set<Socket>();
  private readonly waitingBy = new Map<string, Set<Socket>>();

  constructor(
    readonly limits: PreAuthLimits,
    private readonly logger: Logger,
    /** Called when a pending socket's time is up (it is released first). */
    private readonly onTimeout: (socket: Socket) => void,
    /** Named in the refusal log line. */
    private readonly listener = 'BTP',
    /** Queue connections over their address's share instead of refusing them (see the header). */
    private readonly queue?: PreAuthQueue,
  ) {}

  get queued(): number {
    return this.waiting.size;
  }

  /** True while `socket` waits for its address's share. */
  isQueued(socket: Socket): boolean {
    return this.waiting.has(socket);
  }

  /**
   * Admits a new connection, or refuses it (false: the caller destroys it). `address` '' skips the
   * per-address count (behind a trusted proxy the address is known only from the upgrade request).
   */
  admit(socket: Socket, address: string): boolean {
    const n = address === '' ? 0 : (this.byAddress.get(address) ?? 0);
    const overShare = n >= this.limits.maxPerAddress;
    if (overShare && this.queue === undefined) {
      this.refuse(address, 'address');
      return false;
    }
    // a connection within its share may take a waiting one's place; a waiting one may not
    if (this.open >= this.limits.maxTotal && (overShare || !this.evictOldest())) {
      this.refuse(address, 'total');
      return false;
    }
    this.open++;
    const timer = setTimeout(() => {
      if (!this.release(socket)) return;
      this.timedOut++;
      this.onTimeout(socket);
    }, this.limits.timeoutMs);
    timer.unref();
    this.pending.set(socket, { address, timer, queued: overShare });
    if (overShare) {
      this.waiting.add(socket);
      let mine = this.waitingBy.get(address);
      if (mine === undefined) this.waitingBy.set(address, (mine = new Set()));
      mine.add(socket);
      this.queue?.hold(socket);
    } else if (address !== '') this.byAddress.set(address, n + 1);
    return true;
  }

  /** Counts an admitted socket under the address a trusted proxy named (false: over the cap, refused). */
  assignAddress(socket: Socket, address: string): boolean {
    const entry = this.pending.get(socket);
    if (entry === undefined || entry.address !== '' || address === '') return true;
    const n = this.byAddress.get(address) ?? 0;
    if (n >= this.limits.maxPerAddress) {
      this.release(socket);
      this.refuse(address, 'address');
      return false;
    }
    this.byAddress.set(address, n + 1);
    entry.address = address;
    return true;
  }

  /** The socket authenticated or closed: it no longer counts. True when it was pending. */
  release(socket: Socket): boolean {
    const entry = this.pending.get(socket);
    if (entry === undefined) return false;
    this.pending.delete(socket);
    clearTimeout(entry.timer);
    this.open--;
    if (entry.queued) {
      this.unqueue(socket, entry.address);
      return true;
    }
    if (entry.address !== '') {
      const n = (this.byAddress.get(entry.address) ?? 1) - 1;
      if (n <= 0) this.byAddress.delete(entry.address);
      else this.byAddress.set(entry.address, n);
      this.promote(entry.address);
    }
    return true;
  }

  /** Stops every timer (server closing). */
  clear(): void {
    for (const { timer } of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
    this.byAddress.clear();
    this.waiting.clear();
    this.waitingBy.clear();
    this.open = 0;
  }

  /** The oldest waiting socket of `address` takes the share a released one left. */
  private promote(address: string): void {
    const mine = this.waitingBy.get(address);
    if (mine === undefined) return;
    const next = mine.values().next().value as Socket;
    this.unqueue(next, address);
    const entry = this.pending.get(next);
    if (entry !== undefined) entry.queued = false;
    this.byAddress.set(address, (this.byAddress.get(address) ?? 0) + 1);
    this.queue?.resume(next);
  }

  private unqueue(socket: Socket, address: string): void {
    this.waiting.delete(socket);
    const mine = this.waitingBy.get(address);
    mine?.delete(socket);
    if (mine?.size === 0) this.waitingBy.delete(address);
  }

  /** Closes the oldest waiting socket to free a place; false when none waits. */
  private evictOldest(): boolean {
    const oldest = this.waiting.values().next();
    if (oldest.done === true) return false;
    this.release(oldest.value);
    this.evicted++;
    this.queue?.evict(oldest.value);
    return true;
  }

  private refuse(address: string, cap: 'total' | 'address'): void {
    this.refused++;
    this.refusedSinceLog++;
    const now = Date.now();
    this.lastRefusedAt = now;
    if (now - this.lastLogAt < LOG_INTERVAL_MS) return;
    this.lastLogAt = now;
    this.logger.warn(
      {
        cap,
        address: address === '' ? undefined : address,
        refused: this.refusedSinceLog,
        open: this.open,
        maxTotal: this.limits.maxTotal,
        maxPerAddress: this.limits.maxPerAddress,
      },
      `${this.listener} connections refused: too many not yet authenticated (performance.maxPreAuthConnections / maxPreAuthPerAddress)`,
    );
    this.refusedSinceLog = 0;
  }
}
