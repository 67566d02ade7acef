/**
 * State and primitives one lane's parts share (a lane is one chain: evm, xrpl or aptos): the lane's
 * channel records, per-channel locks, the chain and unit converter once connected, peer lookups,
 * ledger bookings (write-ahead through the one settlement store) and applying the chain's view of a
 * channel (deposits, redemptions, closes) to a record.
 */
import type { Logger } from 'pino';
import { AppError, appError } from '../errors/index.js';
import { accounts, entries, onchainAccount, type AccountId, type JournalEntry } from '../ledger/index.js';
import type { NodeEventInput } from '../node/ports.js';
import type { ChainAdapter, ChainKind, OnchainChannel } from './chain.js';
import { KeyedLock } from './lock.js';
import type { SettlementContext } from './module.js';
import type { Booking, ChannelRecord, SettlementStorage } from './store.js';
import { chainAssetCode, settlementAssetProblem } from '../config/chain-assets.js';
import { Units } from './units.js';

/** A peer as the engine sees it. */
export type EnginePeer = ReturnType<SettlementContext['peers']>[number];

/** Asset-unit amounts as strings in events. */
const str = (n: bigint) => n.toString();

export class Core {
  readonly records = new Map<string, ChannelRecord>();
  readonly locks = new KeyedLock();
  chain: ChainAdapter | undefined;
  units: Units | undefined;
  /** The units the chain had when last connected (from the store): amounts can be shown before it connects. */
  knownUnits: Units | undefined;
  /** Units per peer asset scale, made once each. */
  private readonly scaled = new Map<number, Units>();
  /** The latest block time seen (s), for challenge-period deadlines. */
  chainTime = 0;

  constructor(
    readonly kind: ChainKind,
    readonly ctx: SettlementContext,
    readonly store: SettlementStorage,
    readonly log: Logger,
  ) {}

  get ready(): boolean {
    return this.chain !== undefined && this.units !== undefined;
  }

  /**
   * The connected chain and the units of `peerId`'s asset on it (its assetScale against the chain's
   * decimals; no peer: the node's scale), or an Error saying why settlement cannot act yet.
   */
  need(peerId?: string): { chain: ChainAdapter; units: Units } {
    if (this.chain === undefined || this.units === undefined) throw new NotReadyError(`the ${this.kind} settlement chain is not connected yet`);
    return { chain: this.chain, units: this.unitsOf(peerId, this.units) };
  }

  /** `units` re-scaled to the asset of `peerId` (a peer's claims are amounts of its own asset). */
  unitsOf(peerId: string | undefined, units: Units): Units {
    const scale = (peerId === undefined ? undefined : this.peer(peerId)?.asset?.scale) ?? this.ctx.config.assetScale;
    if (scale === units.assetScale) return units;
    let u = this.scaled.get(scale);
    if (u === undefined || u.decimals !== units.decimals) this.scaled.set(scale, (u = new Units(units.decimals, scale)));
    return u;
  }

  /** The code of the asset this lane's chain carries (config/chain-assets.ts). */
  get assetCode(): string {
    return chainAssetCode(this.kind, this.ctx.config.settlement, this.ctx.config.assetCode);
  }

  /**
   * Why `peerId` cannot be settled on this lane (its asset is not the chain's), or undefined. The config
   * and the control plane refuse such a peer; this guards a peer whose asset came from elsewhere (ILDCP).
   */
  assetProblem(peerId: string): string | undefined {
    const code = this.peer(peerId)?.asset?.code ?? this.ctx.config.assetCode;
    return settlementAssetProblem(code, this.kind, this.ctx.config.settlement, this.ctx.config.assetCode)?.reason;
  }

  // ------------------------------------------------------------------ peers

  peer(peerId: string): EnginePeer | undefined {
    return this.ctx.peers().find((p) => p.id === peerId);
  }

  /** The peer's address on this lane's chain from its `settlement` config, if it settles on this chain. */
  peerAddress(peerId: string): string | undefined {
    const s = this.peer(peerId)?.settlement;
    return s?.chain === this.kind ? s.address : undefined;
  }

  /** The peer whose configured address on this lane's chain is `address`. */
  peerByAddress(address: string): string | undefined {
    return this.ctx.peers().find((p) => p.settlement?.chain === this.kind && this.sameAddress(p.settlement.address, address))?.id;
  }

  /** Address equality in the chain's terms (before the chain connects: EVM and Aptos ignore case, XRPL is exact). */
  sameAddress(a: string, b: string): boolean {
    if (this.chain !== undefined) return this.chain.sameAddress(a, b);
    return this.kind === 'xrpl' ? a === b : a.toLowerCase() === b.toLowerCase();
  }

  /** A channel id in this chain's canonical form (as records are keyed), or undefined when malformed. */
  normalizeId(id: string): string | undefined {
    if (this.chain !== undefined) return this.chain.normalizeChannelId(id);
    return normalizeChannelId(this.kind, id);
  }

  /** What we owe the peer now, in asset units (0 when it owes us). */
  owed(peerId: string): bigint {
    const b = this.ctx.ledger.balance(accounts.peer(peerId));
    return b < 0n ? -b : 0n;
  }

  // ------------------------------------------------------------------ records

  /** Our open channel paying `peerId` (at most one). */
  outgoingFor(peerId: string): ChannelRecord | undefined {
    for (const r of this.records.values()) if (r.direction === 'outgoing' && r.peerId === peerId && r.state === 'open') return r;
    return undefined;
  }

  incomingFor(peerId: string): ChannelRecord[] {
    return [...this.records.values()].filter((r) => r.direction === 'incoming' && r.peerId === peerId);
  }

  /** A new record from the chain's view of a channel that involves us. */
  recordFrom(oc: OnchainChannel, chain: ChainAdapter): ChannelRecord | undefined {
    const outgoing = chain.sameAddress(oc.sender, chain.address);
    if (!outgoing && !chain.sameAddress(oc.receiver, chain.address)) return undefined;
    const now = Date.now();
    return {
      channelId: chain.normalizeChannelId(oc.channelId) ?? oc.channelId,
      chain: this.kind,
      chainId: chain.chainId,
      contract: chain.contract,
      direction: outgoing ? 'outgoing' : 'incoming',
      peerId: this.peerByAddress(outgoing ? oc.receiver : oc.sender),
      sender: oc.sender,
      receiver: oc.receiver,
      publicKey: oc.publicKey,
      settlementTimeout: oc.settlementTimeout,
      state: 'open',
      closedAt: 0,
      deposit: 0n,
      withdrawn: 0n,
      claimed: 0n,
      nonce: 0n,
      booked: 0n,
      redeemed: 0n,
      consented: 0n,
      pending: [],
      openedAt: now,
      updatedAt: now,
    };
  }

  // ------------------------------------------------------------------ ledger

  /**
   * Books `bookings` for a record: written to the store first (with the record's other changes), then
   * to the ledger, then cleared. Zero amounts are dropped. Call under the channel's lock.
   */
  async book(r: ChannelRecord, bookings: Booking[]): Promise<void> {
    r.pending.push(...bookings.filter((b) => b.amount > 0n));
    await this.store.put(r);
    await this.flushPending(r);
  }

  /** Commits a record's pending bookings to the ledger (idempotent by entry id), then clears them. */
  async flushPending(r: ChannelRecord): Promise<void> {
    if (r.pending.length === 0) return;
    for (const b of r.pending) await this.ctx.ledger.commitAsync(toEntry(b, this.onchainOf(b.peerId)));
    r.pending = [];
    await this.store.put(r);
  }

  /** The on-chain account of the peer's asset (`onchain` for the node's own asset). */
  private onchainOf(peerId: string): AccountId {
    const c = this.ctx.config;
    const node = { code: c.assetCode, scale: c.assetScale };
    return onchainAccount(this.peer(peerId)?.asset ?? node, node);
  }

  // ------------------------------------------------------------------ chain view

  /** Re-reads a channel from the chain and applies it (under its lock). */
  refresh(id: string, txHash?: string): Promise<ChannelRecord | undefined> {
    const { chain } = this.need();
    const channelId = chain.normalizeChannelId(id);
    if (channelId === undefined) return Promise.reject(new Error(`${JSON.stringify(id)} is not a ${this.kind} channel id`));
    return this.locks.run(channelId, async () => {
      const oc = await chain.getChannel(channelId);
      let r = this.records.get(channelId);
      if (r === undefined) {
        if (oc.state === 'none') return undefined;
        r = this.recordFrom(oc, chain);
        if (r === undefined) return undefined;
        this.records.set(channelId, r);
        this.emit({ type: 'channel:opened', peerId: r.peerId ?? '', chain: this.kind, channelId, deposit: this.need(r.peerId).units.toAsset(oc.deposit).toString(), txHash });
      }
      await this.apply(r, oc, txHash);
      return r;
    });
  }

  /**
   * Applies the chain's view to a record (call under its lock): copies deposit, withdrawals, payouts and
   * state; books what the receiver was paid (redeem-in / redeem-out), and, if it was paid beyond the
   * claims booked (a cooperative close above the best claim, or a claim whose acknowledgement we lost),
   * that difference as claimed first, so channelIn/channelOut never go below zero.
   */
  async apply(r: ChannelRecord, read: OnchainChannel, txHash?: string): Promise<void> {
    // A channel we know that the chain no longer has was closed for good (the XRP Ledger deletes a
    // closed channel): it is settled, and what it paid out is the last `claimed` we know (our own
    // redemption's amount included: doRedeem records it before the re-read). Applied again on every
    // such read, not skipped once settled: a poll may see the channel gone before our own redeem
    // returns, and the redeem's amount must still be booked when it does (idempotent entry ids).
    const oc: OnchainChannel = read.state === 'none' ? { ...read, ...this.lastKnown(r), state: 'settled' } : read;
    const before = { deposit: r.deposit, state: r.state };
    r.deposit = oc.deposit;
    r.withdrawn = oc.withdrawn;
    r.settlementTimeout = oc.settlementTimeout;
    r.state = oc.state === 'none' ? 'settled' : oc.state;
    r.closedAt = oc.closedAt;
    r.claimed = oc.claimed;
    if (oc.publicKey !== undefined) r.publicKey = oc.publicKey;
    if (r.peerId === undefined && r.direction === 'incoming') r.peerId = this.peerByAddress(r.sender);
    const bookings: Booking[] = [];
    const peerId = r.peerId;
    const { units } = this.need(peerId);
    let redeemedAsset = 0n;
    if (peerId !== undefined && oc.claimed > r.redeemed) {
      const incoming = r.direction === 'incoming';
      if (oc.claimed > r.booked) {
        bookings.push({
          id: `${incoming ? 'claim-in' : 'claim-out'}:${r.channelId}:${oc.claimed}`,
          kind: incoming ? 'claim-received' : 'claim-sent',
          peerId,
          amount: units.toAsset(oc.claimed) - units.toAsset(r.booked),
        });
        r.booked = oc.claimed;
      }
      redeemedAsset = units.toAsset(oc.claimed) - units.toAsset(r.redeemed);
      bookings.push({ id: `${incoming ? 'redeem-in' : 'redeem-out'}:${r.channelId}:${oc.claimed}`, kind: incoming ? 'redeem-in' : 'redeem-out', peerId, amount: redeemedAsset });
      r.redeemed = oc.claimed;
    }
    if (txHash !== undefined && txHash !== '') r.lastTx = txHash;
    await this.book(r, bookings);

    const base = { peerId: peerId ?? '', chain: this.kind, channelId: r.channelId };
    if (oc.deposit > before.deposit) this.emit({ type: 'channel:funded', ...base, deposit: str(units.toAsset(oc.deposit)), txHash });
    if (redeemedAsset > 0n) this.emit({ type: 'settlement:redeemed', ...base, amount: str(redeemedAsset), txHash: txHash ?? '' });
    if (oc.state !== before.state && oc.state === 'closing') this.emit({ type: 'channel:closing', ...base, txHash });
    if (oc.state !== before.state && oc.state === 'settled') this.emit({ type: 'channel:settled', ...base, txHash });
  }

  /** What a record knows of its channel, in the chain's terms (for the adapter's verifiers). */
  lastKnown(r: ChannelRecord): OnchainChannel {
    return {
      channelId: r.channelId,
      sender: r.sender,
      receiver: r.receiver,
      settlementTimeout: r.settlementTimeout,
      state: r.state,
      closedAt: r.closedAt,
      deposit: r.deposit,
      withdrawn: r.withdrawn,
      claimed: r.claimed,
      nonce: r.nonce,
      publicKey: r.publicKey,
    };
  }

  emit(e: NodeEventInput): void {
    this.ctx.events.emit(e);
  }

  /** Logs and emits settlement:failed. */
  fail(peerId: string, reason: string, err?: unknown): void {
    this.log.warn({ peer: peerId, reason, err: err instanceof Error ? err.message : undefined }, 'settlement failed');
    this.emit({ type: 'settlement:failed', peerId, chain: this.kind, reason });
  }
}

/** NOT_READY (admin: 503): thrown by operations that need the chain before it is connected. */
export class NotReadyError extends AppError {
  override readonly name: string = 'NotReadyError';

  /** @param reason why settlement cannot act yet, e.g. `the evm settlement chain is not connected yet` */
  constructor(reason: string) {
    const e = appError('NOT_READY', { message: `Settlement is not ready: ${reason}` });
    super(e.code, e.message, { exitCode: e.exitCode, suggestion: e.suggestion, httpStatus: e.httpStatus, httpError: e.httpError, details: e.details });
  }
}

/**
 * A channel id in `kind`'s canonical form without an adapter (before the chain connects): EVM and
 * Aptos lowercase 0x + 64 hex digits, XRPL 64 uppercase hex digits. Undefined when malformed.
 */
export function normalizeChannelId(kind: ChainKind, id: string): string | undefined {
  if (kind === 'xrpl') return /^[0-9a-fA-F]{64}$/.test(id) ? id.toUpperCase() : undefined;
  return /^0x[0-9a-fA-F]{64}$/.test(id) ? id.toLowerCase() : undefined;
}

function toEntry(b: Booking, onchain: AccountId): JournalEntry {
  switch (b.kind) {
    case 'claim-received':
      return entries.claimReceived(b.id, b.peerId, b.amount);
    case 'claim-sent':
      return entries.claimSent(b.id, b.peerId, b.amount);
    case 'redeem-in':
      return entries.redeemIn(b.id, b.peerId, b.amount, undefined, onchain);
    case 'redeem-out':
      return entries.redeemOut(b.id, b.peerId, b.amount, undefined, onchain);
  }
}
