/**
 * Bounds the BTP connections that have not authenticated yet: in total and per client address.
 * A connection past either cap is destroyed at once (no handshake, no timer, no log line per
 * connection); the refusals are counted and logged at most once per interval, so a flood of idle
 * sockets costs the node a file descriptor for an instant and nothing else.
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
}

/** One refusal log line per this many ms at most. */
const LOG_INTERVAL_MS = 10_000;

export class PreAuthGate implements PreAuthStats {
  open = 0;
  refused = 0;
  timedOut = 0;
  lastRefusedAt = 0;
  private refusedSinceLog = 0;
  private lastLogAt = 0;
  private readonly byAddress = new Map<string, number>();
  /** The address each pending socket is counted under ('' when not counted per address). */
  private readonly pending = new Map<Socket, { address: string; timer: NodeJS.Timeout }>();

  constructor(
    readonly limits: PreAuthLimits,
    private readonly logger: Logger,
    /** Called when a pending socket's time is up (it is released first). */
    private readonly onTimeout: (socket: Socket) => void,
  ) {}

  /**
   * Admits a new connection, or refuses it (false: the caller destroys it). `address` '' skips the
   * per-address count (behind a trusted proxy the address is known only from the upgrade request).
   */
  admit(socket: Socket, address: string): boolean {
    const n = address === '' ? 0 : (this.byAddress.get(address) ?? 0);
    if (this.open >= this.limits.maxTotal || n >= this.limits.maxPerAddress) {
      this.refuse(address, this.open >= this.limits.maxTotal ? 'total' : 'address');
      return false;
    }
    this.open++;
    if (address !== '') this.byAddress.set(address, n + 1);
    const timer = setTimeout(() => {
      if (!this.release(socket)) return;
      this.timedOut++;
      this.onTimeout(socket);
    }, this.limits.timeoutMs);
    timer.unref();
    this.pending.set(socket, { address, timer });
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
    if (entry.address !== '') {
      const n = (this.byAddress.get(entry.address) ?? 1) - 1;
      if (n <= 0) this.byAddress.delete(entry.address);
      else this.byAddress.set(entry.address, n);
    }
    return true;
  }

  /** Stops every timer (server closing). */
  clear(): void {
    for (const { timer } of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
    this.byAddress.clear();
    this.open = 0;
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
      'BTP connections refused: too many not yet authenticated (performance.maxPreAuthConnections / maxPreAuthPerAddress)',
    );
    this.refusedSinceLog = 0;
  }
}
