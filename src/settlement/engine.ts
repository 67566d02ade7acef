/**
 * The settlement engine the core loads when `settlement.enabled` is set: EVM payment channels.
 *
 * Lifecycle: the store opens when the engine is created; `start` loads ethers, connects to the chain
 * (a chain that cannot be reached does not stop the node: the engine retries on its poll timer and
 * refuses claims with a "try later" until then), reconciles every known channel with the chain and
 * commits any ledger booking a crash left pending. Timers: the chain poll (channel events, challenge
 * deadlines), the claim resend, and the optional redeem interval. Nothing here runs on a packet's path:
 * a threshold crossing only schedules work.
 */
import type { NodeConfig } from '../config/index.js';
import { BtpType, type BtpFrame } from '../node/btp/codec.js';
import type { AdminRoutePlugin } from '../node/http/admin-server.js';
import { settlementAdminRoutes } from './admin-routes.js';
import { CLAIM_PROTOCOL, CONSENT_PROTOCOL } from './claim.js';
import { EvmChain } from './chains/evm/evm-chain.js';
import { loadEthers } from './chains/evm/sdk.js';
import { Core } from './core.js';
import { Incoming } from './incoming.js';
import type { SettlementContext, SettlementModule } from './module.js';
import { Operations } from './operations.js';
import { Outgoing, claimed } from './outgoing.js';
import { SettlementStore, type StoreMeta } from './store.js';
import { Units } from './units.js';

type EvmConfig = NonNullable<NodeConfig['settlement']['evm']>;

/** How long `start` waits for the chain before carrying on without it, ms. */
const CONNECT_TIMEOUT_MS = 15_000;
/**
 * How long `stop` waits for work in progress, ms. Anything cut short is recovered at the next start: an
 * unacknowledged claim is sent again, a redemption is booked from the chain's totals.
 */
const STOP_GRACE_MS = 5000;

export class SettlementEngine implements SettlementModule {
  readonly core: Core;
  readonly outgoing: Outgoing;
  readonly incoming: Incoming;
  readonly operations: Operations;
  private readonly evm: EvmConfig | undefined;
  private meta: StoreMeta = {};
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly ticks = new Set<Promise<void>>();
  private readonly settling = new Set<string>();
  private connecting: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly ctx: SettlementContext,
    store: SettlementStore,
  ) {
    this.core = new Core(ctx, store, ctx.logger);
    this.evm = ctx.config.settlement.evm;
    const redeem = ctx.config.settlement.redeem;
    this.outgoing = new Outgoing(this.core);
    this.incoming = new Incoming(this.core, { minAmount: redeem.minAmount, onClose: redeem.onClose });
    this.operations = new Operations(this.core, this.outgoing, this.incoming, ctx.config.assetCode);
  }

  async start(): Promise<void> {
    const s = this.ctx.config.settlement;
    if (s.xrpl !== undefined || s.aptos !== undefined) {
      this.core.log.warn({ chains: [s.xrpl && 'xrpl', s.aptos && 'aptos'].filter(Boolean) }, 'this build settles on EVM only: xrpl and aptos peers get no claims');
    }
    const evm = this.evm;
    if (evm === undefined) return;
    await loadEthers(); // a missing SDK stops the node here, with the install line
    this.meta = await this.core.store.meta();
    for (const r of await this.core.store.channels()) {
      if (r.chainId === evm.chainId && r.contract.toLowerCase() === evm.contract.toLowerCase()) this.core.records.set(r.channelId, r);
    }
    const connected = this.connect();
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, CONNECT_TIMEOUT_MS).unref());
    await Promise.race([connected, timeout]);
    this.every(evm.pollIntervalMs, () => this.poll());
    this.every(evm.resendIntervalMs, () => this.resend());
    if (s.redeem.intervalMs > 0) this.every(s.redeem.intervalMs, async () => void (await this.incoming.redeemDue(s.redeem.minAmount)));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const work = (async () => {
      await Promise.allSettled([...this.ticks, this.connecting]);
      await Promise.allSettled([this.outgoing.idle(), this.incoming.idle()]);
      await this.core.locks.idle();
    })();
    await Promise.race([work, new Promise((resolve) => setTimeout(resolve, STOP_GRACE_MS).unref())]);
    this.core.chain?.close();
    await this.core.store.close();
  }

  onPeerRequest(peerId: string, frame: BtpFrame, respond: Parameters<SettlementModule['onPeerRequest']>[2]): boolean {
    const names = 'protocolData' in frame ? frame.protocolData.map((p) => p.protocolName) : [];
    if (frame.type === BtpType.Transfer && names.includes(CLAIM_PROTOCOL)) {
      this.incoming.handleClaim(peerId, frame, respond);
      return true;
    }
    if (frame.type === BtpType.Message && names.includes(CONSENT_PROTOCOL)) {
      this.incoming.handleConsent(peerId, frame, respond);
      return true;
    }
    return false;
  }

  onPeerConnected(peerId: string): void {
    if (this.core.ready && this.settlesOnEvm(peerId)) this.outgoing.kick(peerId);
  }

  onSettlementRequired(peerId: string): void {
    if (this.core.ready && !this.stopped && this.settlesOnEvm(peerId)) this.outgoing.kick(peerId);
  }

  adminRoutes(): AdminRoutePlugin[] {
    return [settlementAdminRoutes(this.operations)];
  }

  // ------------------------------------------------------------------ internals

  private settlesOnEvm(peerId: string): boolean {
    return this.core.peer(peerId)?.settlement?.chain === 'evm';
  }

  /** Connects to the chain once (concurrent callers share the attempt); logs and reports a failure. */
  private connect(): Promise<void> {
    const evm = this.evm;
    if (this.core.ready || evm === undefined) return Promise.resolve();
    this.connecting ??= (async () => {
      try {
        if (evm.privateKey === undefined) throw new Error('settlement.evm.privateKey is not set (AGENT_RUNTIME_EVM_PRIVATE_KEY)');
        const chain = await EvmChain.connect({
          rpcUrl: evm.rpcUrl,
          chainId: evm.chainId,
          contract: evm.contract,
          token: evm.token,
          privateKey: evm.privateKey,
          logger: this.core.log,
          receiptPollMs: Math.min(evm.pollIntervalMs, 1000),
        });
        if (this.stopped) {
          chain.close();
          return;
        }
        this.core.units = new Units(chain.decimals, this.ctx.config.assetScale);
        this.core.chain = chain;
        this.core.log.info({ chainId: chain.chainId, contract: chain.contract, address: chain.address, decimals: chain.decimals }, 'settlement chain connected');
        await this.reconcile();
      } catch (err) {
        this.core.fail('', `cannot use the settlement chain: ${err instanceof Error ? err.message : String(err)}`, err);
      } finally {
        this.connecting = undefined;
      }
    })();
    return this.connecting;
  }

  /** At start: every channel not yet settled is re-read; pending bookings are committed; polling starts from now. */
  private async reconcile(): Promise<void> {
    const { chain } = this.core.need();
    if (this.meta.lastBlock === undefined) {
      this.meta.lastBlock = await chain.blockNumber();
      await this.core.store.putMeta(this.meta);
    }
    for (const r of this.core.records.values()) {
      if (r.state !== 'settled') await this.core.refresh(r.channelId);
      else if (r.pending.length > 0) await this.core.locks.run(r.channelId, () => this.core.flushPending(r));
    }
  }

  /** One poll: connect if needed, apply contract events since the last block, settle expired closes. */
  private async poll(): Promise<void> {
    if (!this.core.ready) {
      await this.connect();
      return;
    }
    const { chain } = this.core.need();
    const from = this.meta.lastBlock ?? (await chain.blockNumber());
    const { toBlock, timestamp, events } = await chain.poll(from, [...this.core.records.values()].filter((r) => r.state !== 'settled').map((r) => r.channelId));
    this.core.chainTime = timestamp;
    const touched = new Map<string, string>();
    for (const e of events) {
      const ours = e.name === 'ChannelOpened' && [e.sender, e.receiver].some((a) => a !== undefined && chain.sameAddress(a, chain.address));
      if (ours || this.core.records.has(e.channelId)) touched.set(e.channelId, e.txHash);
    }
    for (const [channelId, txHash] of touched) {
      const r = await this.core.refresh(channelId, txHash);
      if (r !== undefined) this.incoming.onClosing(r);
    }
    this.meta.lastBlock = toBlock;
    await this.core.store.putMeta(this.meta);
    for (const r of this.core.records.values()) {
      if (r.pending.length > 0) await this.core.locks.run(r.channelId, () => this.core.flushPending(r));
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

  /** The resend timer: every connected EVM peer with an unacknowledged claim, or owed its threshold, gets an attempt. */
  private resend(): Promise<void> {
    if (!this.core.ready) return Promise.resolve();
    for (const p of this.ctx.peers()) {
      if (!p.connected || p.settlement?.chain !== 'evm') continue;
      const unacked = [...this.core.records.values()].some((r) => r.direction === 'outgoing' && r.peerId === p.id && r.state !== 'settled' && claimed(r) > r.booked);
      const owed = this.core.owed(p.id);
      if (unacked || (p.settleThreshold !== undefined && owed >= p.settleThreshold)) this.outgoing.kick(p.id);
    }
    return Promise.resolve();
  }

  /** Runs `fn` every `ms` (never overlapping itself) until stop. */
  private every(ms: number, fn: () => Promise<void>): void {
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
}

/** Creates the engine: opens its store under `<dataDir>/settlement`. */
export async function createEngine(ctx: SettlementContext): Promise<SettlementEngine> {
  const store = await SettlementStore.open(ctx.dataDir);
  return new SettlementEngine(ctx, store);
}
