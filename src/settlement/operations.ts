/**
 * What the admin API and the CLI ask of one lane (one chain): open, fund, close and withdraw from
 * channels, settle with a peer now, and the views of channels, claims and settlement states. The
 * engine's SettlementOperations (multi-operations.ts) picks the lane. Amounts in and out are asset
 * units (the node's assetScale) as decimal strings; `baseUnits` gives the chain's figures. Failures
 * are catalogue AppErrors (the admin server turns them into HTTP answers).
 */
import { appError } from '../errors/index.js';
import type { ChainKind } from './chain.js';
import type { Core } from './core.js';
import type { Incoming, RedeemOutcome } from './incoming.js';
import type { OperationView } from './operation-log.js';
import { claimed, type ClaimOutcome, type Outgoing } from './outgoing.js';
import type { ChannelRecord } from './store.js';
import type { Units } from './units.js';

/** Challenge period of a channel we open when none is given, seconds (1 day). */
export const DEFAULT_SETTLEMENT_TIMEOUT_S = 86_400;

/** A channel as the admin API shows it. Amounts: asset units as decimal strings. */
export interface ChannelView {
  channelId: string;
  peerId: string | null;
  chain: ChainKind;
  chainId: number;
  /** outgoing: we pay the peer through it; incoming: the peer pays us. */
  direction: 'outgoing' | 'incoming';
  status: 'open' | 'closing' | 'settled';
  sender: string;
  receiver: string;
  /** seconds */
  settlementTimeout: number;
  deposit: string;
  withdrawn: string;
  /** Paid out on-chain to the receiver. */
  claimedOnchain: string;
  /** The latest claim's cumulative amount (outgoing: signed by us; incoming: the best we hold). */
  latestClaim: string;
  /** outgoing: acknowledged by the peer; incoming: credited to the peer. */
  acknowledged: string;
  /** Deposit left for claims beyond the latest: deposit − withdrawn − latestClaim. */
  available: string;
  nonce: string | null;
  closedAt: string | null;
  settleAfter: string | null;
  lastActivity: string;
  lastTx: string | null;
  /** The same figures in the token's base units. */
  baseUnits: { deposit: string; withdrawn: string; claimedOnchain: string; latestClaim: string };
  /** Our transactions on this channel, newest first (at most 5): pending, final, failed or reorged (operation-log.ts). */
  operations?: OperationView[];
}

/** A peer's settlement state (the seed's `{peerId, tokenId, state}` with details). */
export interface SettlementStateView {
  peerId: string;
  tokenId: string;
  chain: string;
  state: 'IDLE' | 'SETTLEMENT_PENDING' | 'SETTLEMENT_IN_PROGRESS';
  /** What we owe the peer now (asset units). */
  owed: string;
  settleThreshold: string | null;
  channelId: string | null;
  /** Claims we sent that the peer has not acknowledged (asset units). */
  unacknowledged: string;
  /** Claims from the peer we have not redeemed on-chain (asset units). */
  unredeemed: string;
  lastError: string | null;
  /** Our transactions with this peer not final yet (pending or reorged). */
  pendingOperations?: number;
}

/** What `settle <peer>` did. */
export interface SettleResult {
  peerId: string;
  ok: boolean;
  claim: ClaimOutcome;
  redeemed: RedeemOutcome[];
  /** What we still owe the peer (asset units). */
  owed: string;
}

const iso = (s: number) => (s > 0 ? new Date(s * 1000).toISOString() : null);
const maxOf = (a: bigint, b: bigint) => (a > b ? a : b);

export class Operations {
  constructor(
    private readonly core: Core,
    private readonly outgoing: Outgoing,
    private readonly incoming: Incoming,
    private readonly assetCode: string,
  ) {}

  listChannels(filter: { peerId?: string; status?: string; direction?: string } = {}): ChannelView[] {
    return [...this.core.records.values()]
      .filter((r) => (filter.peerId === undefined || r.peerId === filter.peerId) && (filter.status === undefined || r.state === filter.status))
      .filter((r) => filter.direction === undefined || r.direction === filter.direction)
      .sort((a, b) => a.openedAt - b.openedAt)
      .map((r) => this.view(r));
  }

  /** One channel, re-read from the chain first when it is connected. */
  async channel(channelId: string): Promise<ChannelView> {
    if (this.core.ready && this.core.records.has(channelId)) await this.core.refresh(channelId).catch(() => undefined);
    return this.view(this.record(channelId));
  }

  /** The latest claim of a channel (signed by us, or the best received) with its acknowledgement. */
  claims(channelId: string): { channelId: string; direction: string; peerId: string | null; claim: unknown; acknowledged: string; redeemed: string } {
    const r = this.record(channelId);
    const u = this.viewUnits(r.peerId);
    return {
      channelId,
      direction: r.direction,
      peerId: r.peerId ?? null,
      claim: r.claim ?? null,
      acknowledged: u.toAsset(r.booked).toString(),
      redeemed: u.toAsset(r.redeemed).toString(),
    };
  }

  states(): SettlementStateView[] {
    const ids = new Set(this.core.ctx.peers().filter((p) => p.settlement?.chain === this.core.kind).map((p) => p.id));
    for (const r of this.core.records.values()) if (r.peerId !== undefined) ids.add(r.peerId);
    return [...ids].sort().map((peerId) => {
      const peer = this.core.peer(peerId);
      const out = this.core.outgoingFor(peerId);
      const known = this.core.units ?? this.core.knownUnits;
      const u = known === undefined ? undefined : this.core.unitsOf(peerId, known);
      const owed = this.core.owed(peerId);
      const unacked = out !== undefined && u !== undefined ? u.toAsset(claimed(out)) - u.toAsset(out.booked) : 0n;
      const unredeemed = this.core.ready ? this.core.incomingFor(peerId).reduce((s, r) => s + this.incoming.unredeemed(r), 0n) : 0n;
      const threshold = peer?.settleThreshold;
      let state: SettlementStateView['state'] = 'IDLE';
      if (this.outgoing.busy(peerId) || this.incoming.busy(peerId)) state = 'SETTLEMENT_IN_PROGRESS';
      else if (unacked > 0n || (threshold !== undefined && owed >= threshold)) state = 'SETTLEMENT_PENDING';
      return {
        peerId,
        tokenId: peer?.asset?.code ?? this.assetCode,
        chain: this.core.kind,
        state,
        owed: owed.toString(),
        settleThreshold: threshold?.toString() ?? null,
        channelId: out?.channelId ?? null,
        unacknowledged: unacked.toString(),
        unredeemed: unredeemed.toString(),
        lastError: this.outgoing.lastError.get(peerId) ?? null,
      };
    });
  }

  /**
   * Opens and funds a channel paying `peerId` on this lane's chain (the caller checked that the peer
   * settles on it). `initialDeposit` in asset units; timeout in seconds.
   */
  async open(req: { peerId: string; initialDeposit: string; settlementTimeout?: number }): Promise<ChannelView> {
    const { chain, units } = this.need(req.peerId);
    const kind = this.core.kind;
    if (this.core.peer(req.peerId) === undefined) throw appError('PEER_NOT_FOUND', { peerId: req.peerId });
    const wrongAsset = this.core.assetProblem(req.peerId);
    if (wrongAsset !== undefined) throw appError('SETTLEMENT_ASSET_MISMATCH', { peerId: req.peerId, chain: kind, chainAsset: this.core.assetCode, reason: wrongAsset });
    const address = this.core.peerAddress(req.peerId);
    if (address === undefined) {
      throw appError('INVALID_ARGUMENT', {
        field: 'peerId',
        reason: `peer ${req.peerId} has no ${kind} settlement address: register it with settlement {chain: ${kind}, address: …}`,
      });
    }
    if (!chain.isAddress(address)) {
      throw appError('INVALID_ARGUMENT', { field: 'peerId', reason: `peer ${req.peerId}'s settlement.address ${address} is not a ${kind} address: fix the peer's settlement.address` });
    }
    const existing = this.core.outgoingFor(req.peerId);
    if (existing !== undefined) throw appError('CHANNEL_EXISTS', { peerId: req.peerId, chain: kind, channelId: existing.channelId });
    const deposit = this.amount('initialDeposit', req.initialDeposit, req.peerId);
    if (deposit === 0n) throw appError('INVALID_ARGUMENT', { field: 'initialDeposit', reason: 'must be greater than 0' });
    const timeout = req.settlementTimeout ?? DEFAULT_SETTLEMENT_TIMEOUT_S;
    const [min, max] = chain.settlementTimeoutRange;
    if (!Number.isInteger(timeout) || timeout < min || timeout > max) {
      throw appError('INVALID_ARGUMENT', { field: 'settlementTimeout', reason: `must be whole seconds between ${min} and ${max} on ${kind}` });
    }
    const tx = await this.chainCall(req.peerId, () => chain.openChannel(address, timeout, units.toBase(deposit)));
    const r = await this.core.refresh(tx.channelId, tx.txHash);
    if (r === undefined) throw appError('SETTLEMENT_FAILED', { peerId: req.peerId, reason: `channel ${tx.channelId} is not visible on-chain after its transaction ${tx.txHash}` });
    r.peerId ??= req.peerId;
    await this.core.store.put(r);
    this.outgoing.kick(req.peerId);
    return this.view(r);
  }

  /** Adds `amount` (asset units) to one of our channels. */
  async deposit(channelId: string, amount: string): Promise<ChannelView & { txHash: string }> {
    const r = this.ours(channelId, 'deposit into');
    const { chain, units } = this.need(r.peerId);
    const add = this.amount('amount', amount, r.peerId);
    if (add === 0n) throw appError('INVALID_ARGUMENT', { field: 'amount', reason: 'must be greater than 0' });
    const tx = await this.chainCall(r.peerId, () => chain.setTotalDeposit(channelId, r.deposit + units.toBase(add)));
    await this.core.refresh(channelId, tx.txHash);
    if (r.peerId !== undefined) this.outgoing.kick(r.peerId);
    return { ...this.view(r), txHash: tx.txHash };
  }

  /** Takes `amount` (asset units) of unused deposit back from one of our channels, with the peer's consent. */
  async withdraw(channelId: string, amount: string): Promise<ChannelView & { txHash: string }> {
    const r = this.ours(channelId, 'withdraw from');
    const { chain, units } = this.need(r.peerId);
    const withdraw = chain.withdraw?.bind(chain);
    if (!chain.features.withdraw || withdraw === undefined) {
      throw appError('INVALID_ARGUMENT', {
        field: 'channelId',
        reason: `${chain.chain} channels do not support withdrawing part of the deposit: close the channel (\`agent-runtime channels close ${channelId}\`) to take back what the peer's claims do not cover`,
      });
    }
    const take = this.amount('amount', amount, r.peerId);
    if (take === 0n) throw appError('INVALID_ARGUMENT', { field: 'amount', reason: 'must be greater than 0' });
    const total = maxOf(r.withdrawn, r.consented) + units.toBase(take);
    const free = r.deposit - maxOf(r.withdrawn, r.consented) - claimed(r);
    if (units.toBase(take) > free) {
      throw appError('INVALID_ARGUMENT', { field: 'amount', reason: `at most ${units.toAsset(free)} can be withdrawn: the rest backs claims the peer holds` });
    }
    const signature = await this.chainCall(r.peerId, () => this.outgoing.consent(r, { type: 'withdraw', channelId, amount: total.toString() }));
    await this.core.locks.run(channelId, async () => {
      r.consented = maxOf(r.consented, total);
      await this.core.store.put(r);
    });
    const tx = await this.chainCall(r.peerId, () => withdraw(channelId, total, signature));
    await this.core.refresh(channelId, tx.txHash);
    return { ...this.view(r), txHash: tx.txHash };
  }

  /**
   * Closes a channel. Ours: cooperatively (the peer signs, it settles at once) or with the challenge
   * period (the engine settles when it ends). The peer's: we redeem our best claim, then it settles at once.
   */
  async close(channelId: string, cooperative = false): Promise<ChannelView & { txHash: string }> {
    const { chain } = this.need();
    const r = this.record(channelId);
    if (r.state === 'settled') throw appError('CONFLICT', { message: `channel ${channelId} is already settled` });
    let txHash: string;
    if (r.direction === 'outgoing') {
      if (r.state === 'closing' && !cooperative) throw appError('CONFLICT', { message: `channel ${channelId} is already closing; it settles after ${iso(r.closedAt + r.settlementTimeout) ?? 'its challenge period'}` });
      if (cooperative) {
        const signCooperativeClose = chain.signCooperativeClose?.bind(chain);
        const cooperativeClose = chain.cooperativeClose?.bind(chain);
        if (!chain.features.cooperativeClose || signCooperativeClose === undefined || cooperativeClose === undefined) {
          throw appError('INVALID_ARGUMENT', {
            field: 'cooperative',
            reason: `${chain.chain} channels do not support a cooperative close: close without --cooperative (the peer redeems its claim during the challenge period, then the rest comes back)`,
          });
        }
        const amount = maxOf(claimed(r), r.claimed);
        const theirs = await this.chainCall(r.peerId, () => this.outgoing.consent(r, { type: 'cooperative-close', channelId, amount: amount.toString() }));
        const ours = signCooperativeClose(channelId, amount);
        txHash = (await this.chainCall(r.peerId, () => cooperativeClose(channelId, amount, ours, theirs))).txHash;
      } else {
        txHash = (await this.chainCall(r.peerId, () => chain.closeChannel(channelId))).txHash;
      }
    } else {
      if (r.state !== 'open') throw appError('CONFLICT', { message: `channel ${channelId} is ${r.state}: its sender closes it; we redeem our claim before it settles` });
      // XRPL: the redeem itself closes (tfClose); elsewhere the close is a second transaction.
      const redeemed = await this.incoming.redeem(r, this.core.kind === 'xrpl');
      if (redeemed.status === 'failed') throw appError('SETTLEMENT_FAILED', { peerId: r.peerId ?? '', reason: redeemed.reason });
      if (redeemed.status === 'redeemed' && this.core.kind === 'xrpl') txHash = redeemed.txHash;
      else txHash = (await this.chainCall(r.peerId, () => chain.closeChannel(r.channelId))).txHash;
    }
    await this.core.refresh(r.channelId, txHash);
    return { ...this.view(r), txHash };
  }

  /** `settle <peer>`: claim everything we owe it now, and redeem every claim we hold from it. */
  async settle(peerId: string): Promise<SettleResult> {
    this.need();
    if (this.core.peer(peerId) === undefined && this.core.incomingFor(peerId).length === 0) throw appError('PEER_NOT_FOUND', { peerId });
    const claim = await this.outgoing.settleNow(peerId);
    const redeemed = await Promise.all(this.core.incomingFor(peerId).filter((r) => r.state !== 'settled' && this.incoming.unredeemed(r) > 0n).map((r) => this.incoming.redeemLatest(r)));
    const ok = claim.status !== 'failed' && redeemed.every((x) => x.status !== 'failed');
    return { peerId, ok, claim, redeemed, owed: this.core.owed(peerId).toString() };
  }

  // ------------------------------------------------------------------ helpers

  view(r: ChannelRecord): ChannelView {
    const u = this.viewUnits(r.peerId);
    const latest = maxOf(claimed(r), r.claimed);
    const a = (n: bigint) => u.toAsset(n).toString();
    const left = r.deposit - r.withdrawn - latest;
    return {
      channelId: r.channelId,
      peerId: r.peerId ?? null,
      chain: this.core.kind,
      chainId: r.chainId,
      direction: r.direction,
      status: r.state,
      sender: r.sender,
      receiver: r.receiver,
      settlementTimeout: r.settlementTimeout,
      deposit: a(r.deposit),
      withdrawn: a(r.withdrawn),
      claimedOnchain: a(r.claimed),
      latestClaim: a(latest),
      acknowledged: a(r.booked),
      available: a(left > 0n ? left : 0n),
      nonce: r.claim?.nonce ?? null,
      closedAt: iso(r.closedAt),
      settleAfter: r.closedAt > 0 ? iso(r.closedAt + r.settlementTimeout) : null,
      lastActivity: new Date(r.updatedAt).toISOString(),
      lastTx: r.lastTx ?? null,
      baseUnits: { deposit: r.deposit.toString(), withdrawn: r.withdrawn.toString(), claimedOnchain: r.claimed.toString(), latestClaim: latest.toString() },
    };
  }

  /** The units for showing a peer's amounts: the connected chain's, or those it had when last connected. */
  private viewUnits(peerId: string | undefined): Units {
    const known = this.core.units ?? this.core.knownUnits;
    return known === undefined ? this.need(peerId).units : this.core.unitsOf(peerId, known);
  }

  /** The connected chain and the units of the peer's asset; NOT_READY (a NotReadyError) before the chain connects. */
  private need(peerId?: string): ReturnType<Core['need']> {
    return this.core.need(peerId);
  }

  /** The record of `channelId` (any spelling the chain accepts), or undefined. */
  find(channelId: string): ChannelRecord | undefined {
    const id = this.core.normalizeId(channelId);
    return id === undefined ? undefined : this.core.records.get(id);
  }

  private record(channelId: string): ChannelRecord {
    const r = this.find(channelId);
    if (r === undefined) throw appError('CHANNEL_NOT_FOUND', { channelId });
    return r;
  }

  /** One of our open channels. */
  private ours(channelId: string, what: string): ChannelRecord {
    const r = this.record(channelId);
    if (r.direction !== 'outgoing') throw appError('CONFLICT', { message: `cannot ${what} channel ${channelId}: the peer is its sender` });
    if (r.state !== 'open') throw appError('CONFLICT', { message: `cannot ${what} channel ${channelId}: it is ${r.state}` });
    return r;
  }

  /** An amount of the peer's asset that converts exactly to base units. */
  private amount(field: string, value: string, peerId: string | undefined): bigint {
    const { units } = this.need(peerId);
    if (!/^[0-9]{1,30}$/.test(value)) throw appError('INVALID_ARGUMENT', { field, reason: 'must be an unsigned integer in asset units, as a decimal string' });
    const n = BigInt(value);
    if (!units.exact(n)) {
      throw appError('INVALID_ARGUMENT', { field, reason: `must be a multiple of ${units.toAsset(1n)}: the token has ${units.decimals} decimals, the asset scale is ${units.assetScale}` });
    }
    return n;
  }

  /** Runs a chain call; its failure becomes SETTLEMENT_FAILED naming the reason. */
  private async chainCall<T>(peerId: string | undefined, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      this.core.fail(peerId ?? '', reason, err);
      throw appError('SETTLEMENT_FAILED', { peerId: peerId ?? '', reason }, err);
    }
  }
}
