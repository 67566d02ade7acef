/**
 * This process as one instance of a cluster (`cluster.enabled`, docs/scaling.md): several node
 * processes sharing one PostgreSQL ledger as one logical node. The instance keeps its registry row
 * alive (heartbeat), holds the link leases of the peers it serves (leases.ts), learns who holds the
 * others, and re-opens its session when the database drops it (meanwhile it holds no link).
 */
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { PostgresTarget } from '../ledger/postgres/connect.js';
import type { ResponseCallback } from '../node/btp/btp-link.js';
import type { BtpFrame } from '../node/btp/codec.js';
import { ForwardClient, ForwardServer, type ForwardCounts, type RelayHost } from './forward.js';
import { ClusterFrames } from './frames.js';
import { LaneLeaders } from './lanes.js';
import { LinkLeases, type LinkHost } from './leases.js';
import { ClusterSession, type Member } from './session.js';

/** The cluster part of /health. */
export interface ClusterHealth {
  instanceId: string;
  /** false while the instance has no database session (it holds no link then) */
  session: boolean;
  /** live instances (heartbeat within deadAfterMs), this one included */
  members: string[];
  /** instances whose heartbeat is older than deadAfterMs (seen dead) */
  dead: string[];
  /** peers whose link this instance holds */
  leases: string[];
  /** in-cluster forwarding (cluster.secret set): packets sent to other instances, and relayed for them */
  forwarded?: ForwardCounts;
  /** settlement lanes (settlement enabled): each configured chain and the instance leading it (null: none now) */
  lanes?: Record<string, string | null>;
}

/** In-cluster forwarding (on when cluster.secret is set). */
export interface ForwardOptions {
  secret: string;
  host: string;
  port: number;
  /** the host other instances dial (default `host`) */
  advertiseHost?: string;
  maxBodyBytes: number;
  relay: RelayHost;
}

export interface ClusterOptions {
  target: PostgresTarget;
  /** default `<hostname>-<pid>` */
  instanceId?: string;
  heartbeatMs: number;
  deadAfterMs: number;
  leaseCheckMs: number;
  logger: Logger;
  host: LinkHost;
  /** every peer id the node knows (whose link holder the heartbeat looks up) */
  peerIds(): string[];
  /** what the registry row tells other instances (ports) */
  info(): Record<string, unknown>;
  /** Another instance changed the runtime state (or the session is back and may have missed some). */
  runtimeChanged?(): void;
  forward?: ForwardOptions;
  /** Settlement is enabled: elect lane leaders (lanes.ts) and carry settlement frames (frames.ts). */
  lanes?: boolean;
  /** Sends a settlement request frame on this instance's own link to a peer (false: no open link here). */
  requestHere?(peerId: string, frame: BtpFrame, deadline: number, cb: ResponseCallback): boolean;
}

/** `<hostname>-<pid>`, the default instance id. */
export const defaultInstanceId = (): string => `${hostname().replace(/[^a-zA-Z0-9_.~-]/g, '-')}-${process.pid}`;

export class Cluster {
  readonly instanceId: string;
  readonly leases: LinkLeases;
  private session: ClusterSession | undefined;
  private members: Member[] = [];
  private holders = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private beating = false;
  private stopped = false;
  /** Hears SHARED_CHANNEL payloads from other instances, and '' when the session is back (catch up). */
  private sharedListener: ((payload: string) => void) | undefined;
  private readonly counts: ForwardCounts = { sent: 0, relayed: 0 };
  private server: ForwardServer | undefined;
  private client: ForwardClient | undefined;
  /** settlement lanes and their frames (settlement enabled) */
  readonly frames: ClusterFrames | undefined;
  private readonly leaders: LaneLeaders | undefined;

  constructor(private readonly o: ClusterOptions) {
    this.instanceId = o.instanceId ?? defaultInstanceId();
    this.leases = new LinkLeases(o.host, o.leaseCheckMs, o.logger);
    if (o.lanes === true) {
      const leaders = (this.leaders = new LaneLeaders({ target: o.target, instanceId: this.instanceId, checkMs: o.leaseCheckMs, logger: o.logger }));
      this.frames = new ClusterFrames({
        instanceId: this.instanceId,
        leaders,
        urlOf: (id) => this.urlOf(id),
        heldElsewhere: (id) => this.heldElsewhere(id),
        client: () => this.client,
        requestHere: (id, frame, deadline, cb) => o.requestHere?.(id, frame, deadline, cb) ?? false,
      });
    }
  }

  /** Registers the instance (CLUSTER_INSTANCE_IN_USE when its id is live elsewhere) and starts the heartbeat. */
  async start(): Promise<void> {
    const f = this.o.forward;
    if (f !== undefined) {
      const server = new ForwardServer({ ...f, instanceId: this.instanceId, logger: this.o.logger, counts: this.counts, ...(this.frames ? { routes: this.frames.route } : {}) });
      await server.listen();
      this.server = server;
      this.client = new ForwardClient(f.secret, this.instanceId, this.counts);
    }
    this.session = await this.openSession();
    this.leases.attach(this.session);
    await this.beat();
    this.timer = setInterval(() => void this.beat(), this.o.heartbeatMs);
    this.timer.unref();
    this.o.logger.info({ instanceId: this.instanceId, members: this.health().members }, 'cluster instance registered');
  }

  /** The instance holding `peerId`'s link, when it is another live one (as of the last heartbeat). */
  heldElsewhere(peerId: string): string | undefined {
    const at = this.holders.get(peerId);
    if (at === undefined || at === this.instanceId || this.leases.holds(peerId)) return undefined;
    return this.members.some((m) => m.id === at && m.alive) ? at : undefined;
  }

  /** Sets who hears shared-state changes (shared-wiring.ts). */
  onShared(fn: (payload: string) => void): void {
    this.sharedListener = fn;
  }

  /** Whether `id` is a live member (as of the last heartbeat). */
  isLive(id: string): boolean {
    return id === this.instanceId || this.members.some((m) => m.id === id && m.alive);
  }

  /** Whether a Prepare for `peerId` can go to the live instance holding its link (forwarding on). */
  canForwardTo(peerId: string): boolean {
    return this.client !== undefined && this.forwardUrl(peerId) !== undefined;
  }

  /**
   * Forwards a Prepare for `peerId` to the live instance holding its link; false (nothing sent) when
   * forwarding is off or no other live instance holds it.
   */
  readonly relay = (peerId: string, ilp: Buffer, deadline: number, cb: ResponseCallback, ctx?: unknown): boolean => {
    const to = this.client === undefined ? undefined : this.forwardUrl(peerId);
    if (to === undefined) return false;
    this.client!.send(to.url, to.instance, peerId, ilp, deadline, cb, ctx);
    return true;
  };

  health(): ClusterHealth {
    return {
      instanceId: this.instanceId,
      session: this.session !== undefined && !this.session.isLost,
      members: this.members.filter((m) => m.alive).map((m) => m.id),
      dead: this.members.filter((m) => !m.alive).map((m) => m.id),
      leases: this.leases.heldPeers(),
      ...(this.server ? { forwarded: { ...this.counts } } : {}),
      ...(this.leaders ? { lanes: this.leaders.view() } : {}),
    };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.leases.stop();
    await this.leaders?.stop();
    const s = this.session;
    this.session = undefined;
    await s?.close();
    this.client?.close();
    await this.server?.close();
  }

  /** The registry's forward url of the live instance holding `peerId`'s link. */
  private forwardUrl(peerId: string): { instance: string; url: string } | undefined {
    const at = this.heldElsewhere(peerId);
    const url = at === undefined ? undefined : this.urlOf(at);
    return url === undefined ? undefined : { instance: at!, url };
  }

  /** The forward url of another live instance (as of the last heartbeat). */
  private urlOf(id: string): string | undefined {
    const m = this.members.find((x) => x.id === id && x.alive);
    return typeof m?.info.forward === 'string' ? m.info.forward : undefined;
  }

  /** The registry row's info: the node's, and this instance's forward url. */
  private info(): Record<string, unknown> {
    const f = this.o.forward;
    const forward = this.server === undefined || f === undefined ? {} : { forward: `http://${hostForUrl(f.advertiseHost ?? f.host)}:${this.server.port}` };
    return { ...this.o.info(), ...forward };
  }

  private openSession(): Promise<ClusterSession> {
    return ClusterSession.open({
      target: this.o.target,
      instanceId: this.instanceId,
      deadAfterMs: this.o.deadAfterMs,
      info: this.info(),
      onLost: (reason) => {
        if (this.stopped) return;
        this.o.logger.error({ instanceId: this.instanceId, reason }, 'cluster session lost: every link this instance held is closed until it is back');
        this.leases.lost(reason);
      },
      onRuntime: (payload) => {
        if (payload.split(' ')[0] !== this.instanceId) this.o.runtimeChanged?.();
      },
      onShared: (payload) => {
        if (payload.split(' ')[0] !== this.instanceId) this.sharedListener?.(payload);
      },
    });
  }

  /** Heartbeat and the link holders; a lost session is opened again first. */
  private async beat(): Promise<void> {
    if (this.beating || this.stopped) return;
    this.beating = true;
    try {
      if (this.session === undefined || this.session.isLost) {
        this.session = await this.openSession();
        this.o.logger.info({ instanceId: this.instanceId }, 'cluster session back');
        this.leases.attach(this.session);
        this.o.runtimeChanged?.();
        this.sharedListener?.('');
      }
      const s = this.session;
      this.members = await s.heartbeat(this.info());
      this.holders = await s.linkHolders(this.o.peerIds());
    } catch (err) {
      this.o.logger.warn({ err: (err as Error).message }, 'cluster heartbeat failed');
    } finally {
      this.beating = false;
    }
  }
}

/** An IPv6 literal in brackets, for a URL. */
const hostForUrl = (h: string): string => (h.includes(':') ? `[${h}]` : h);
