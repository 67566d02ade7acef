/**
 * The settlement engine the core loads when `settlement.enabled` is set: payment channels on every
 * chain the config names (settlement.evm, .xrpl, .aptos), one lane per chain (lane.ts).
 *
 * This file is the thin dispatcher between the core and the lanes. A claim goes to the lane its
 * `blockchain` names, a consent request to the lane that holds its channel; a peer's link coming up
 * and a threshold crossing go to the lane of the peer's configured `settlement.chain`. A peer whose
 * chain this node does not settle on gets one warning naming the missing section, never a crash.
 *
 * Lifecycle: the store opens when the engine is created; `start` loads the SDK of every configured
 * chain (a missing one stops the node with its `npm install` line), then starts every lane at once:
 * each connects (a chain that cannot be reached does not stop the node: that lane retries on its poll
 * timer and refuses its claims with a "try later"), reconciles its channels with its chain and commits
 * any ledger booking a crash left pending. Nothing here runs on a packet's path: a threshold crossing
 * only schedules work.
 */
import { CHAINS as CONFIG_CHAINS } from '../config/index.js';
import { BtpType, type AdminRoutePlugin, type BtpFrame, type SettlementLanes } from '../node/ports.js';
import { settlementAdminRoutes } from './admin-routes.js';
import type { ChainKind } from './chain.js';
import { loadChainSdk } from './chains/index.js';
import { CLAIM_PROTOCOL, CONSENT_PROTOCOL, claimChain, readJson } from './claim.js';
import { normalizeChannelId } from './core.js';
import { sameMoveId } from './incoming.js';
import { Lane } from './lane.js';
import type { SettlementContext, SettlementModule } from './module.js';
import { SettlementOperations } from './multi-operations.js';
import { OperationLog } from './operation-log.js';
import { PgSettlementStore } from './pg-store.js';
import { SettlementStore, type ChannelRecord, type SettlementStorage, type StoreMeta } from './store.js';

/** The chains, in the order lanes are listed (the config's list). */
export const CHAINS: readonly ChainKind[] = CONFIG_CHAINS;

/**
 * How long `stop` waits for work in progress, ms. Anything cut short is recovered at the next start: an
 * unacknowledged claim is sent again, a redemption is booked from the chain's totals.
 */
const STOP_GRACE_MS = 5000;

type Respond = Parameters<SettlementModule['onPeerRequest']>[2];

export class SettlementEngine implements SettlementModule {
  /** One lane per configured chain. */
  readonly lanes = new Map<ChainKind, Lane>();
  readonly operations: SettlementOperations;
  /** Our transactions on every chain, pending vs final. */
  readonly log: OperationLog;
  private readonly shared: { meta: StoreMeta; save(): Promise<void> };
  /** The chains the config names (in a cluster, lanes exist only for those led here). */
  private readonly configured: ChainKind[];
  /** Peers already warned about (their chain is not configured here). */
  private readonly warned = new Set<string>();
  private stopped = false;

  constructor(
    private readonly ctx: SettlementContext,
    private readonly store: SettlementStorage,
  ) {
    const s = ctx.config.settlement;
    const shared = { meta: {} as StoreMeta, save: () => store.putMeta(shared.meta) };
    this.shared = shared;
    this.log = new OperationLog((e) => ctx.events.emit(e));
    this.configured = CHAINS.filter((kind) => s[kind] !== undefined);
    if (ctx.lanes === undefined) for (const kind of this.configured) this.lanes.set(kind, this.makeLane(kind));
    this.operations = new SettlementOperations(ctx, this.lanes, this.log);
  }

  async start(): Promise<void> {
    if (this.configured.length === 0) return;
    for (const kind of this.configured) await loadChainSdk(kind); // a missing SDK stops the node here, with the install line
    if (this.ctx.lanes !== undefined) {
      for (const p of this.ctx.peers()) this.checkPeer(p.id);
      clusterLanes(this, this.ctx.lanes, this.configured);
      return;
    }
    this.shared.meta = await this.store.meta();
    const records = await this.store.channels();
    for (const p of this.ctx.peers()) this.checkPeer(p.id);
    await Promise.all([...this.lanes.values()].map((lane) => lane.start(records.filter((r) => this.belongs(lane.kind, r)))));
    const redeem = this.ctx.config.settlement.redeem;
    const first = [...this.lanes.values()][0];
    if (redeem.intervalMs > 0) {
      first.every(redeem.intervalMs, async () => {
        await Promise.all([...this.lanes.values()].filter((l) => l.core.ready).map((l) => l.incoming.redeemDue(redeem.minAmount)));
      });
    }
  }

  /**
   * This cluster instance now leads `kind` (src/cluster/lanes.ts): the lane's state as the last leader
   * left it (channels, intents, last block), then the lane starts, reconciling what it left open.
   */
  async lead(kind: ChainKind): Promise<void> {
    if (this.stopped) throw new Error('the settlement engine is stopping');
    const meta = await this.store.meta();
    const m = this.shared.meta;
    if (kind === 'evm') m.lastBlock = meta.lastBlock;
    else m.lastBlocks = { ...m.lastBlocks, [kind]: meta.lastBlocks?.[kind] };
    if (meta.decimals?.[kind] !== undefined) m.decimals = { ...m.decimals, [kind]: meta.decimals[kind] };
    const records = (await this.store.channels()).filter((r) => this.belongs(kind, r));
    const lane = this.makeLane(kind);
    this.lanes.set(kind, lane);
    try {
      await lane.start(records);
    } catch (err) {
      await this.lose(kind);
      throw err;
    }
    const redeem = this.ctx.config.settlement.redeem;
    if (redeem.intervalMs > 0) {
      lane.every(redeem.intervalMs, async () => {
        if (lane.core.ready) await lane.incoming.redeemDue(redeem.minAmount);
      });
    }
    for (const p of this.ctx.peers()) if (p.connected && lane.serves(p.id)) lane.onPeerConnected(p.id);
  }

  /** This instance no longer leads `kind` (or stops): the lane stops at once. */
  async lose(kind: ChainKind): Promise<void> {
    const lane = this.lanes.get(kind);
    if (lane === undefined) return;
    this.lanes.delete(kind);
    await lane.halt();
    lane.close();
  }

  /** A peer's settlement request another instance handed to this one, the leader of `kind`. */
  serveForwarded(kind: ChainKind, peerId: string, frame: BtpFrame, respond: Respond): void {
    if (!this.lanes.has(kind) || this.stopped) {
      respond({ ok: false, code: 'T00', message: `this cluster instance does not lead the ${kind} settlement lane now: send again later` });
      return;
    }
    if (!this.onPeerRequest(peerId, frame, respond)) respond({ ok: false, code: 'F00', message: 'not a settlement request' });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const work = Promise.allSettled([...this.lanes.values()].map((l) => l.halt()));
    await Promise.race([work, new Promise((resolve) => setTimeout(resolve, STOP_GRACE_MS).unref())]);
    for (const lane of this.lanes.values()) lane.close();
    await this.store.close();
  }

  onPeerRequest(peerId: string, frame: BtpFrame, respond: Respond): boolean {
    const names = 'protocolData' in frame ? frame.protocolData.map((p) => p.protocolName) : [];
    if (frame.type === BtpType.Transfer && names.includes(CLAIM_PROTOCOL)) {
      const data = readJson(frame, CLAIM_PROTOCOL);
      const kind = claimChain(data);
      const lane = kind === undefined ? this.soleLane() : this.lanes.get(kind);
      if (lane === undefined && kind !== undefined && this.toLeader(kind, peerId, frame, respond)) return true;
      if (lane === undefined) {
        respond({ ok: false, code: 'F00', message: kind === undefined ? `malformed claim: ${this.unroutable(data)}` : `this node does not settle on ${kind} (it settles on ${this.kinds()}): send claims over a channel on one of those` });
        return true;
      }
      lane.incoming.handleClaim(peerId, frame, respond);
      return true;
    }
    if (frame.type === BtpType.Message && names.includes(CONSENT_PROTOCOL)) {
      const lane = this.consentLane(frame);
      if (lane === undefined) {
        if (!this.toLeader('evm', peerId, frame, respond)) respond({ ok: false, code: 'F00', message: 'consent requests are for EVM channels: this node does not settle on evm' });
        return true;
      }
      lane.incoming.handleConsent(peerId, frame, respond);
      return true;
    }
    return false;
  }

  onPeerConnected(peerId: string): void {
    if (!this.stopped) this.laneOf(peerId)?.onPeerConnected(peerId);
  }

  onSettlementRequired(peerId: string): void {
    if (!this.stopped) this.laneOf(peerId)?.onSettlementRequired(peerId);
  }

  adminRoutes(): AdminRoutePlugin[] {
    return [settlementAdminRoutes(this.operations)];
  }

  // ------------------------------------------------------------------ internals

  /** The lane of the peer's configured chain; undefined (and one warning) when this node lacks it. */
  private laneOf(peerId: string): Lane | undefined {
    const chain = this.ctx.peers().find((p) => p.id === peerId)?.settlement?.chain;
    if (chain === undefined) return undefined;
    const lane = this.lanes.get(chain);
    if (lane === undefined && !this.configured.includes(chain)) this.checkPeer(peerId);
    return lane;
  }

  /**
   * In a cluster, a request for a configured lane led by another instance goes to it (true: answered
   * by it, or with T00 when no leader can be reached now: the sender sends again later).
   */
  private toLeader(kind: ChainKind, peerId: string, frame: BtpFrame, respond: Respond): boolean {
    const lanes = this.ctx.lanes;
    if (lanes === undefined || !this.configured.includes(kind)) return false;
    if (lanes.toLeader(kind, peerId, frame, respond)) return true;
    const leader = lanes.leaderOf(kind);
    respond({
      ok: false,
      code: 'T00',
      message: leader === undefined || leader === lanes.instanceId
        ? `no instance of this cluster leads the ${kind} settlement lane right now: send again later`
        : `cluster instance ${leader} leads the ${kind} settlement lane and cannot be reached from here (in-cluster forwarding needs cluster.secret): send again later`,
    });
    return true;
  }

  private makeLane(kind: ChainKind): Lane {
    const s = this.ctx.config.settlement;
    return new Lane(kind, this.ctx, this.store, this.shared, { minAmount: s.redeem.minAmount, onClose: s.redeem.onClose }, this.log);
  }

  /** Warns once about a peer whose settlement chain has no section on this node. */
  private checkPeer(peerId: string): void {
    const chain = this.ctx.peers().find((p) => p.id === peerId)?.settlement?.chain;
    if (chain === undefined || this.lanes.has(chain) || this.warned.has(peerId)) return;
    this.warned.add(peerId);
    this.ctx.logger.warn(
      { peer: peerId, chain },
      `peer ${peerId} settles on ${chain} but this node has no settlement.${chain} section: it gets no claims and its claims are refused; add settlement.${chain} to the config (or change the peer's settlement.chain)`,
    );
  }

  /** A consent names a channel: the lane that holds it (EVM when none does: only EVM has consents). */
  private consentLane(frame: BtpFrame): Lane | undefined {
    const data = readJson(frame, CONSENT_PROTOCOL);
    const id = typeof data === 'object' && data !== null ? (data as { channelId?: unknown }).channelId : undefined;
    if (typeof id === 'string') {
      for (const lane of this.lanes.values()) {
        const key = lane.core.normalizeId(id);
        if (key !== undefined && lane.core.records.has(key)) return lane;
      }
    }
    return this.lanes.get('evm') ?? (this.ctx.lanes === undefined ? this.soleLane() : undefined);
  }

  /** The only lane, when there is one (a claim without a known `blockchain` gets that lane's parse error). */
  private soleLane(): Lane | undefined {
    return this.lanes.size === 1 ? [...this.lanes.values()][0] : undefined;
  }

  /** Why a claim names no chain this engine can route it by. */
  private unroutable(data: unknown): string {
    if (data instanceof Error) return data.message;
    if (typeof data !== 'object' || data === null || Array.isArray(data)) return 'the claim is not a JSON object';
    return `unsupported blockchain ${JSON.stringify((data as { blockchain?: unknown }).blockchain)} (this node settles on ${this.kinds()})`;
  }

  private kinds(): string {
    return [...this.lanes.keys()].join(', ');
  }

  /** Whether a stored record is on the chain and contract this node's lane for `kind` is configured with. */
  private belongs(kind: ChainKind, r: ChannelRecord): boolean {
    if (r.chain !== kind) return false;
    const s = this.ctx.config.settlement;
    if (normalizeChannelId(kind, r.channelId) === undefined) return false;
    if (kind === 'evm') return s.evm !== undefined && r.chainId === s.evm.chainId && r.contract.toLowerCase() === s.evm.contract.toLowerCase();
    if (kind === 'aptos') return s.aptos !== undefined && sameMoveId(r.contract, s.aptos.module);
    return true;
  }
}

/**
 * Creates the engine: opens its store under `<dataDir>/settlement`; a cluster instance keeps its
 * lanes' state in PostgreSQL (pg-store.ts) instead.
 */
export async function createEngine(ctx: SettlementContext): Promise<SettlementEngine> {
  const store = ctx.lanes === undefined ? await SettlementStore.open(ctx.dataDir) : new PgSettlementStore(ctx.lanes);
  return new SettlementEngine(ctx, store);
}

/** A cluster instance serves the requests handed to its lanes and takes part in their election. */
function clusterLanes(engine: SettlementEngine, lanes: SettlementLanes, kinds: readonly ChainKind[]): void {
  lanes.serve((chain, peerId, frame, respond) => engine.serveForwarded(chain as ChainKind, peerId, frame, respond));
  lanes.elect(kinds, { lead: (chain) => engine.lead(chain as ChainKind), lose: (chain) => engine.lose(chain as ChainKind) });
}
