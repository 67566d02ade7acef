/**
 * One chain's share of the settlement engine: its adapter (connected once, retried on the poll timer
 * while it cannot be reached), its unit converter, its channels, and its own timers (chain poll, claim
 * resend). Lanes do not know about each other: a chain that cannot be reached refuses its own claims
 * with T00 and leaves the other lanes alone. The engine (engine.ts) routes requests to lanes.
 */
import { isAppError } from '../errors/index.js';
import type { ChainKind } from './chain.js';
import { connectChain, laneTimers } from './chains/index.js';
import type { TxReport } from './chains/evm/sender.js';
import { Core } from './core.js';
import { Incoming, type RedeemPolicy } from './incoming.js';
import type { SettlementContext } from './module.js';
import { txSent, type OperationLog } from './operation-log.js';
import { Operations } from './operations.js';
import { Outgoing, claimed } from './outgoing.js';
import type { ChannelRecord, SettlementStorage, StoreMeta } from './store.js';
import { trackedChain } from './tracked-chain.js';
import { Funding } from './funding.js';
import { Units } from './units.js';

/** How long `start` waits for the chain before carrying on without it, ms. */
const CONNECT_TIMEOUT_MS = 15_000;

/** The engine's shared meta record (last block read per chain), written through `save`. */
export interface LaneMeta {
  meta: StoreMeta;
  save(): Promise<void>;
}

export class Lane {
  readonly core: Core;
  readonly outgoing: Outgoing;
  readonly incoming: Incoming;
  readonly operations: Operations;
  readonly funding: Funding;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly ticks = new Set<Promise<void>>();
  private readonly settling = new Set<string>();
  private connecting: Promise<void> | undefined;
  private stopped = false;
  /** Set when the chain answered but its contract is not one we shipped: the lane stays down for good. */
  private refused: Error | undefined;

  constructor(
    readonly kind: ChainKind,
    private readonly ctx: SettlementContext,
    store: SettlementStorage,
    private readonly meta: LaneMeta,
    policy: RedeemPolicy,
    /** Our transactions, pending vs final (shared by every lane). */
    readonly log: OperationLog,
  ) {
    this.core = new Core(kind, ctx, store, ctx.logger.child({ chain: kind }));
    this.outgoing = new Outgoing(this.core);
    this.incoming = new Incoming(this.core, policy);
    this.operations = new Operations(this.core, this.outgoing, this.incoming, ctx.config.assetCode);
    this.funding = new Funding(this.core, this.operations);
  }

  /** Takes this lane's records, connects (waiting up to 15 s), starts the timers. */
  async start(records: ChannelRecord[]): Promise<void> {
    for (const r of records) this.core.records.set(r.channelId, r);
    const decimals = this.meta.meta.decimals?.[this.kind];
    if (decimals !== undefined) this.core.knownUnits = new Units(decimals, this.ctx.config.assetScale);
    const timers = laneTimers(this.ctx.config.settlement, this.kind);
    if (timers === undefined) return;
    const connected = this.connect();
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, CONNECT_TIMEOUT_MS).unref());
    await Promise.race([connected, timeout]);
    if (this.refused !== undefined) throw this.refused;
    this.every(timers.pollIntervalMs, () => this.poll());
    this.every(timers.resendIntervalMs, () => this.resend());
    this.every(timers.resendIntervalMs, () => this.funding.check());
  }

  /** Stops the timers and waits for ticks in progress (the engine then waits for the rest of the work). */
  async halt(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await Promise.allSettled([...this.ticks, this.connecting]);
    await Promise.allSettled([this.outgoing.idle(), this.incoming.idle()]);
    await this.core.locks.idle();
  }

  close(): void {
    this.core.chain?.close();
  }

  /** Whether the peer settles on this lane's chain (its configured `settlement.chain`). */
  serves(peerId: string): boolean {
    return this.core.peer(peerId)?.settlement?.chain === this.kind;
  }

  onPeerConnected(peerId: string): void {
    if (this.core.ready && !this.stopped) this.outgoing.kick(peerId);
  }

  onSettlementRequired(peerId: string): void {
    if (this.core.ready && !this.stopped) this.outgoing.kick(peerId);
  }

  /** Runs `fn` every `ms` (never overlapping itself) until stop. */
  every(ms: number, fn: () => Promise<void>): void {
    const schedule = (): void => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        const tick = fn()
          .catch((err: unknown) => this.core.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'settlement timer task failed'))
          .finally(() => {
            this.ticks.delete(tick);
            if (!this.stopped) schedule();
          });
        this.ticks.add(tick);
      }, ms);
      t.unref();
      this.timers.add(t);
    };
    schedule();
  }

  // ------------------------------------------------------------------ internals

  private get lastBlock(): number | undefined {
    const m = this.meta.meta;
    return this.kind === 'evm' ? m.lastBlock : m.lastBlocks?.[this.kind];
  }

  private set lastBlock(n: number) {
    const m = this.meta.meta;
    if (this.kind === 'evm') m.lastBlock = n;
    else m.lastBlocks = { ...m.lastBlocks, [this.kind]: n };
  }

  /** Connects to the chain once (concurrent callers share the attempt); logs and reports a failure. */
  private connect(): Promise<void> {
    if (this.core.ready || this.stopped || this.refused !== undefined) return Promise.resolve();
    this.connecting ??= (async () => {
      try {
        const raw = await connectChain(
          this.kind,
          this.ctx.config.settlement,
          this.core.log,
          (reason) => {
            this.log.reorged(reason);
            this.core.fail('', reason);
          },
          { intents: this.core.store, onTx: (r) => this.onTx(r) },
        );
        const chain = trackedChain(raw, this.core, this.log);
        if (this.stopped) {
          chain.close();
          return;
        }
        this.core.units = new Units(chain.decimals, this.ctx.config.assetScale);
        this.core.chain = chain;
        if (this.meta.meta.decimals?.[this.kind] !== chain.decimals) {
          this.meta.meta.decimals = { ...this.meta.meta.decimals, [this.kind]: chain.decimals };
          await this.meta.save();
        }
        this.core.log.info({ chain: this.kind, chainId: chain.chainId, contract: chain.contract, address: chain.address, decimals: chain.decimals }, 'settlement chain connected');
        await this.reconcile();
      } catch (err) {
        if (isAppError(err) && err.code === 'CONTRACT_UNKNOWN') this.refused = err;
        this.core.fail('', `cannot use the ${this.kind} settlement chain: ${err instanceof Error ? err.message : String(err)}`, err);
      } finally {
        this.connecting = undefined;
      }
    })();
    return this.connecting;
  }

  /** A transaction's outcome: an event; once it is decided, its channel is read again (which books what it did). */
  private onTx(r: TxReport): void {
    // Reported inside the sending call: the operation it belongs to (operation-log.ts) learns its hash.
    if (r.outcome === 'sent' || r.outcome === 'replaced' || r.outcome === 'resent') txSent(r.txHash);
    const peerId = (r.channelId === undefined ? undefined : this.core.records.get(r.channelId)?.peerId) ?? '';
    this.core.emit({ type: 'settlement:tx', chain: this.kind, peerId, ...r });
    if (r.channelId === undefined || !['mined', 'failed', 'superseded'].includes(r.outcome) || !this.core.ready || this.stopped) return;
    const tick = this.core
      .refresh(r.channelId, r.outcome === 'mined' ? r.txHash : undefined)
      .then(() => undefined)
      .catch((err: unknown) => this.core.log.warn({ channelId: r.channelId, err: err instanceof Error ? err.message : String(err) }, 'reading a channel after its transaction failed'))
      .finally(() => this.ticks.delete(tick));
    this.ticks.add(tick);
  }

  /**
   * At start: the transactions a crash left open are reconciled (chain.recoverIntents), every channel
   * not yet settled is re-read; pending bookings are committed; polling starts from now.
   */
  private async reconcile(): Promise<void> {
    const { chain } = this.core.need();
    await chain.recoverIntents?.();
    if (this.lastBlock === undefined) {
      this.lastBlock = await chain.blockNumber();
      await this.meta.save();
    }
    for (const r of this.core.records.values()) {
      if (r.state !== 'settled') await this.core.refresh(r.channelId);
      else if (r.pending.length > 0) await this.core.locks.run(r.channelId, () => this.core.flushPending(r));
    }
  }

  /** The channels the chain should report on: every one we track that is not settled. */
  private watched(): string[] {
    return [...this.core.records.values()].filter((r) => r.state !== 'settled').map((r) => r.channelId);
  }

  /** One poll: connect if needed, apply chain changes since the last block, settle expired closes. */
  private async poll(): Promise<void> {
    if (!this.core.ready) {
      await this.connect();
      return;
    }
    const { chain } = this.core.need();
    const from = this.lastBlock ?? (await chain.blockNumber());
    const { toBlock, timestamp, events } = await chain.poll(from, this.watched());
    this.core.chainTime = timestamp;
    const touched = new Map<string, string>();
    for (const e of events) {
      const id = chain.normalizeChannelId(e.channelId);
      if (id === undefined) continue;
      const ours = e.name === 'ChannelOpened' && [e.sender, e.receiver].some((a) => a !== undefined && chain.sameAddress(a, chain.address));
      if (ours || this.core.records.has(id)) touched.set(id, e.txHash);
    }
    for (const [channelId, txHash] of touched) {
      const r = await this.core.refresh(channelId, txHash);
      if (r !== undefined) this.incoming.onClosing(r);
    }
    this.lastBlock = toBlock;
    await this.meta.save();
    for (const r of this.core.records.values()) {
      if (r.pending.length > 0) await this.core.locks.run(r.channelId, () => this.core.flushPending(r));
      // The sender is closing a channel that pays us: redeem on every poll until it is done (a redeem
      // cut off by a crash or a failed transaction is tried again; a running one is not doubled).
      if (r.direction === 'incoming' && r.state === 'closing') this.incoming.onClosing(r);
      if (r.direction === 'outgoing' && r.state === 'closing' && timestamp >= r.closedAt + r.settlementTimeout) void this.settleExpired(r.channelId);
    }
  }

  /** Our close's challenge period is over: take the rest of the deposit back. */
  private async settleExpired(channelId: string): Promise<void> {
    if (this.settling.has(channelId)) return;
    this.settling.add(channelId);
    try {
      const tx = await this.core.need().chain.settleChannel(channelId);
      await this.core.refresh(channelId, tx.txHash);
    } catch (err) {
      const r = this.core.records.get(channelId);
      this.core.fail(r?.peerId ?? '', `settling channel ${channelId} failed: ${err instanceof Error ? err.message : String(err)}`, err);
    } finally {
      this.settling.delete(channelId);
    }
  }

  /** The resend timer: every connected peer of this chain with an unacknowledged claim, or owed its threshold, gets an attempt. */
  private resend(): Promise<void> {
    if (!this.core.ready) return Promise.resolve();
    for (const p of this.ctx.peers()) {
      if (!p.connected || p.settlement?.chain !== this.kind) continue;
      const unacked = [...this.core.records.values()].some((r) => r.direction === 'outgoing' && r.peerId === p.id && r.state !== 'settled' && claimed(r) > r.booked);
      const owed = this.core.owed(p.id);
      if (unacked || (p.settleThreshold !== undefined && owed >= p.settleThreshold)) this.outgoing.kick(p.id);
    }
    return Promise.resolve();
  }
}
