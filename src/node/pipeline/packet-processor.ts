/**
 * The packet path. A Prepare from a peer (BTP) or from the local agent walks these stages in order;
 * anything thrown anywhere becomes one ILP Reject at a single boundary (`fail`):
 *
 *   validate → ledger fault (T00) → expiry (R00) → max amount (F08) → rate limit (T05) → route (F02)
 *   → reserve (T04) → spend policy (F02/F08/T04, its own reservation)
 *   → exchange + fee (T00 no rate, F08 overflow; exchange.ts) → forward | deliver locally → fulfillment check (T00) → commit → Fulfill upstream
 *
 * The Fulfill goes upstream only after the ledger has written its entry. We wait for the next hop
 * until our own incoming deadline minus a margin (expiry.ts replyDeadline); a Fulfill later still, or
 * one whose source can no longer be answered (its link closed and was not replaced), is not booked but
 * recorded per next hop (late-fulfills.ts). Plain callbacks, no per-stage promises: this is the hot path.
 */
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { LedgerBackend, Posting } from '../../ledger/index.js';
import { accounts } from '../../ledger/index.js';
import type { Asset, RateBook } from '../../rates/index.js';
import { readPrepareView, patchPrepare, serializeReject, type PrepareView } from '../ilp/packet.js';
import {
  BadRequestError,
  IlpError,
  InsufficientLiquidityError,
  InternalError,
  InvalidPacketError,
  PeerUnreachableError,
  RateLimitedError,
  TransferTimedOutError,
  UnreachableError,
  ConnectorBusyError,
  toReject,
} from '../ilp/errors.js';
import type { EventStream } from '../events.js';
import type { ResponseCallback } from '../btp/btp-link.js';
import type { InFlightCaps } from './in-flight-caps.js';
import { checkMaxPacketAmount } from './amount.js';
import { Crossings, exchangeAcross, type Crossing } from './exchange.js';
import { amountAfterFee } from './amount.js';
import { forwardExpiry, replyDeadline, type ExpiryPolicy } from './expiry.js';
import type { LateFulfillLog, LateReason } from './late-fulfills.js';
import { emitResult, reportLate } from './packet-events.js';
import { conditionMatches, fulfillmentOffset } from './fulfillment.js';
import { LOCAL, type RoutingTable } from '../routing/routing-table.js';
import type { TokenBucket } from './rate-limit.js';
import { policyError } from '../../agents/denial.js';
import type { SpendAccount } from '../../agents/spend-account.js';

/** Where a Prepare came from: a peer's id, or LOCAL for the local agent. */
export type SourceId = string;

/** What the processor needs to know about a peer. */
export interface PeerPort {
  readonly id: string;
  readonly relation: 'parent' | 'peer' | 'child';
  readonly maxPacketAmount?: bigint;
  readonly bucket?: TokenBucket;
  /** The peer's asset; undefined = the node's. */
  readonly asset?: Asset;
  /** Sends an ILP packet to the peer; undefined when not connected. */
  send?: (ilp: Buffer, deadline: number, cb: ResponseCallback, ctx?: unknown) => void;
}

/** Delivers a Prepare to the local agent; calls `cb` with a serialized Fulfill or Reject. */
export type LocalDeliver = (packet: InFlight, view: PrepareView, data: Buffer, deadline: number, cb: (ilp: Buffer) => void) => void;

export interface ProcessorOptions {
  ledger: LedgerBackend;
  routes: RoutingTable;
  events: EventStream;
  logger: Logger;
  expiry: ExpiryPolicy;
  feeBps: bigint;
  /** The node's own asset (the local agent's, and every peer's without one of its own). */
  asset?: Asset;
  /** Rates for peers whose asset differs; undefined = none (a cross-asset pair gets T00). */
  rates?: RateBook;
  getPeer(id: string): PeerPort | undefined;
  /** our ILP address (triggeredBy of our rejects); read on every reject, so it may change */
  address(): string;
  /** answers peer.config (ILDCP) for a child; returns a serialized Fulfill or undefined when not a child */
  ildcp(peerId: string): Buffer | undefined;
  /** answers other peer.* Prepares (CCP) from a peer: a serialized Fulfill, undefined when not handled; throws an IlpError to reject */
  peerProtocol?(peerId: string, destination: string, data: Buffer): Buffer | undefined;
  deliverLocal: LocalDeliver;
  /** Per-peer in-flight caps (count and data bytes); none: unbounded. */
  caps?: InFlightCaps;
  /** Spend policies (docs/agents.md): a peer with one has each Prepare checked and held right after reserve. */
  policies?: { forPeer(peerId: string): SpendAccount | undefined };
  /** The durable record of fulfills we could not pass upstream; none: logged and emitted only. */
  lateFulfills?: LateFulfillLog;
}

/** One packet in flight through this node. */
export interface InFlight {
  readonly packetId: string;
  readonly from: SourceId;
  to: string;
  readonly destination: string;
  readonly amountIn: bigint;
  amountOut: bigint;
  /** The amount in the next hop's asset before the fee (= amountIn when both assets are the same). */
  converted: bigint;
  /** Assets of the source and the next hop, fixed when the amount is converted (undefined: the node's). */
  assetIn: Asset | undefined;
  assetOut: Asset | undefined;
  /** The pair's booking plan (exchange.ts Crossings), set with the assets. */
  crossing: Crossing | undefined;
  readonly condition: Buffer;
  readonly requestId: number;
  readonly started: number;
  reserved: boolean;
  /** peer.* control traffic (ILDCP, CCP): a fulfilled one is not counted or reported as a payment */
  readonly control: boolean;
  /** ms epoch: when we stop waiting for the next hop (expiry.ts replyDeadline) */
  deadline: number;
  readonly replier: Replier;
  /** The Fulfill waiting for its ledger write. */
  fulfill: Buffer | undefined;
  /** The source's spend policy holding amountIn, until the packet ends. */
  spend: SpendAccount | undefined;
  /** The spend memo account booked with the payment (ledger accounts.spend): the payer's policy counts it. */
  memo: string | undefined;
}

/** Who gets the packet's answer: a BTP link (respondIlp) or the local agent. */
export interface Replier {
  respondIlp(requestId: number, ilp: Buffer): void;
  /** false once an answer can no longer reach the source (its link closed and was not replaced) */
  readonly canRespond?: boolean;
  /** A local send its policy counts: the spend memo account to book its amount on (agents/local-payments.ts). */
  readonly spendMemo?: string;
}

/**
 * An InFlight made with `new`, not an object literal: V8 may decide to allocate a literal's objects
 * straight in the old generation once many of them survive a scavenge (allocation-site pretenuring),
 * and packets, which die young, then fill the old generation for the major GC.
 */
class Packet implements InFlight {
  to = '';
  readonly destination: string;
  readonly amountIn: bigint;
  amountOut: bigint;
  converted: bigint;
  assetIn: Asset | undefined = undefined;
  assetOut: Asset | undefined = undefined;
  crossing: Crossing | undefined = undefined;
  readonly condition: Buffer;
  reserved = false;
  readonly control: boolean;
  /** data bytes counted against the source's in-flight cap; -1: not counted */
  held = -1;
  deadline = 0;
  fulfill: Buffer | undefined = undefined;
  spend: SpendAccount | undefined = undefined;
  memo: string | undefined;

  constructor(
    readonly packetId: string,
    readonly from: SourceId,
    view: PrepareView,
    readonly requestId: number,
    readonly started: number,
    readonly replier: Replier,
  ) {
    this.destination = view.destination;
    this.amountIn = view.amount;
    this.amountOut = view.amount;
    this.converted = view.amount;
    // a view into the frame: the frame is ours until the packet ends and the condition is never patched
    this.condition = view.executionCondition;
    this.control = view.destination.startsWith('peer.');
    this.memo = replier.spendMemo;
  }
}

/**
 * A fresh id prefix per processor (per node start), not per process: two nodes in one process, or a
 * node stopped and started again in it, must never mint the same id. A backend that keeps every id
 * (PostgreSQL's primary key) would take a repeat for a replay and book nothing.
 */
const newBootPrefix = (): string => createHash('sha256').update(`${process.pid}:${Date.now()}:${Math.random()}`).digest('hex').slice(0, 10);

const DEFAULT_ASSET: Asset = { code: 'USD', scale: 9 };

export class PacketProcessor {
  private readonly bootPrefix = newBootPrefix();
  private counter = 0;
  private inFlight = 0;
  private draining = false;
  private drainWaiters: (() => void)[] = [];
  private readonly accountIds = new Map<string, string>();
  private readonly node: Asset;
  private readonly crossings: Crossings;

  constructor(private readonly o: ProcessorOptions) {
    this.node = o.asset ?? DEFAULT_ASSET;
    this.crossings = new Crossings(this.node);
  }

  get inFlightCount(): number {
    return this.inFlight;
  }

  /** New packets get T03 from now on; resolves when every packet in flight has been answered. */
  drain(): Promise<void> {
    this.draining = true;
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  resume(): void {
    this.draining = false;
  }

  /** A new packet id, assigned at ingress: unique per process and across restarts. */
  nextPacketId(): string {
    return `${this.bootPrefix}-${(++this.counter).toString(36)}`;
  }

  /**
   * Handles one serialized Prepare. `replier` receives exactly one serialized Fulfill or Reject.
   * `buf` may be patched in place (amount, expiry) and forwarded as is. Returns the packet id
   * (undefined when `buf` is not a readable Prepare), which the admin send reports to its caller.
   */
  handle(from: SourceId, requestId: number, buf: Buffer, replier: Replier): string | undefined {
    const now = Date.now();
    let view: PrepareView;
    try {
      view = readPrepareView(buf);
    } catch (err) {
      replier.respondIlp(requestId, this.reject(new InvalidPacketError(err instanceof Error ? err.message : 'invalid packet')));
      return undefined;
    }
    const p = new Packet(this.nextPacketId(), from, view, requestId, now, replier);
    const ev = this.o.events;
    ev.inFlightNow = ++this.inFlight;
    if (ev.packetsActive && !p.control) ev.emit({ type: 'packet:prepared', packetId: p.packetId, from, destination: p.destination, amount: p.amountIn.toString() });
    try {
      this.route(p, view, buf, now);
    } catch (err) {
      this.fail(p, err);
    }
    return p.packetId;
  }

  private route(p: InFlight, view: PrepareView, buf: Buffer, now: number): void {
    if (this.draining) throw new ConnectorBusyError('connector is shutting down');
    const source = p.from === LOCAL ? undefined : this.o.getPeer(p.from);
    if (p.from !== LOCAL && source === undefined) throw new PeerUnreachableError('source peer is no longer configured');
    if (source && this.o.caps) (p as Packet).held = this.o.caps.admit(source.id, view.dataLength, p.control);

    if (p.destination.startsWith('peer.')) {
      if (p.destination === 'peer.config' && source) {
        const answer = this.o.ildcp(source.id);
        if (answer) return this.finishRaw(p, answer);
        throw new BadRequestError('peer.config is answered for child peers only');
      }
      const answer = source && this.o.peerProtocol?.(source.id, p.destination, buf.subarray(buf.length - view.dataLength));
      if (answer) return this.finishRaw(p, answer);
      throw new UnreachableError(`${p.destination}: peer.* addresses are never forwarded`);
    }

    // Fail-stop: with the books unwritable nothing is forwarded (peer.* above moves no money).
    if (this.o.ledger.fault !== undefined) throw new InternalError('this connector cannot book payments right now');

    const shorten = source !== undefined;
    if (source) {
      checkMaxPacketAmount(p.amountIn, source.maxPacketAmount);
      if (source.bucket && !source.bucket.take()) throw new RateLimitedError(`peer ${source.id} is over its rate limit`);
    }

    const nextHop = this.o.routes.lookup(p.destination);
    if (nextHop === undefined) throw new UnreachableError(`no route to ${p.destination}`);
    if (nextHop === p.from && nextHop !== LOCAL) throw new UnreachableError(`the route to ${p.destination} leads back to its source`);
    p.to = nextHop;

    if (source && p.amountIn > 0n) {
      if (!this.o.ledger.reserve(source.id, p.amountIn)) {
        throw new InsufficientLiquidityError(`peer ${source.id} would exceed its credit limit`);
      }
      p.reserved = true;
    }
    const spend = source === undefined ? undefined : this.o.policies?.forPeer(source.id);
    if (spend !== undefined) {
      const denial = spend.reserve(p.destination, p.amountIn, now);
      if (denial !== undefined) throw policyError(denial, p.amountIn);
      p.spend = spend;
      p.memo = spend.memoAccount;
    }

    if (nextHop === LOCAL) {
      if (source) this.convert(p, source, undefined, 0n, now);
      const deadline = Math.min(view.expiresAtMs, now + this.o.expiry.maxHoldTimeMs);
      if (view.expiresAtMs <= now) throw new TransferTimedOutError('packet expired before it arrived');
      p.deadline = deadline;
      const data = buf.subarray(buf.length - view.dataLength);
      this.o.deliverLocal(p, view, data, deadline, (ilp) => this.onResponse(p, ilp));
      return;
    }

    const next = this.o.getPeer(nextHop);
    if (next?.send === undefined) throw new PeerUnreachableError(`next hop ${nextHop} is not connected`);
    const deadline = forwardExpiry(view.expiresAtMs, now, this.o.expiry, shorten);
    this.convert(p, source, next, source ? this.o.feeBps : 0n, now);
    patchPrepare(buf, p.amountOut, deadline);
    p.deadline = replyDeadline(deadline, this.o.expiry, shorten);
    next.send(buf, p.deadline, this.onForwarded, p);
  }

  /** Sets the amount in the next hop's asset and after the fee (the local agent has the node's asset). */
  private convert(p: InFlight, from: PeerPort | undefined, to: PeerPort | undefined, feeBps: bigint, now: number): void {
    const assetIn = (p.assetIn = from?.asset);
    const assetOut = (p.assetOut = to?.asset);
    // Both in the node's asset (the common case): nothing to look up. Two peers may share one asset
    // object of their own: that pair goes through its Crossing, whose fees account is that asset's.
    const c = assetIn === undefined && assetOut === undefined ? undefined : this.crossings.get(assetIn ?? this.node, assetOut ?? this.node);
    p.crossing = c;
    if (c === undefined || c.same) {
      p.amountOut = amountAfterFee(p.amountIn, feeBps);
      return;
    }
    const x = exchangeAcross(p.amountIn, c.from, c.to, this.o.rates, feeBps, now);
    p.converted = x.converted;
    p.amountOut = x.out;
  }

  /** One callback for every forwarded packet (the packet rides along as ctx: no closure per packet). */
  private readonly onForwarded: ResponseCallback = (err, ilp, _frame, ctx) => {
    const p = ctx as InFlight;
    if (err) {
      if (err.kind === 'late') return this.onLate(p, ilp, 'expired');
      if (err.kind === 'timeout') this.fail(p, new TransferTimedOutError(`no answer from ${p.to} before expiry`));
      else this.fail(p, err.ilpCode === undefined ? new PeerUnreachableError(err.message) : new IlpError(err.ilpCode, err.message));
      return;
    }
    if (ilp === undefined) {
      this.fail(p, new PeerUnreachableError(`${p.to} answered without an ILP packet`));
      return;
    }
    this.onResponse(p, ilp);
  };

  /** A Fulfill or Reject came back from the next hop (or from local delivery). */
  private onResponse(p: InFlight, ilp: Buffer): void {
    const type = ilp[0];
    if (type === 14) {
      this.release(p);
      this.finish(p, ilp, false);
      return;
    }
    if (type !== 13) {
      this.fail(p, new InternalError(`next hop ${p.to} answered with an unreadable packet`));
      return;
    }
    const at = fulfillmentOffset(ilp);
    if (at < 0 || !conditionMatches(ilp, at, p.condition)) {
      this.o.logger.warn({ packetId: p.packetId, to: p.to }, 'fulfillment does not match the condition');
      this.fail(p, new InternalError('fulfillment does not match the condition'));
      return;
    }
    if (Date.now() > p.deadline) {
      this.onLate(p, ilp, 'expired');
      this.fail(p, new TransferTimedOutError(`${p.to} fulfilled after the expiry`));
      return;
    }
    if (p.replier.canRespond === false) {
      // never book what the source will not hear of: it would not pay us for it
      this.onLate(p, ilp, 'source-gone');
      this.fail(p, new PeerUnreachableError(`source ${p.from} is no longer connected`));
      return;
    }
    this.commit(p, ilp);
  }

  private commit(p: InFlight, fulfill: Buffer): void {
    const postings = this.postings(p);
    if (postings === undefined) {
      this.spent(p, true);
      this.finish(p, fulfill, true);
      return;
    }
    const reservation = p.reserved ? { peerId: p.from, amount: p.amountIn } : undefined;
    p.reserved = false;
    p.fulfill = fulfill;
    this.o.ledger.commit(
      // fresh: ids minted at ingress never repeat, so the ledger skips its replay lookup
      { id: p.packetId, kind: 'packet', fresh: true, postings, condition: p.condition, sourcePeer: p.from, requestId: p.requestId },
      reservation,
      this.onCommitted,
      p,
    );
  }

  /** One callback for every ledger write (the packet rides along as ctx: no closure per packet). */
  private readonly onCommitted = (err: Error | undefined, ctx: unknown): void => {
    const p = ctx as InFlight;
    const fulfill = p.fulfill!;
    p.fulfill = undefined;
    // The policy counts the payment once its memo is durable with it (kill -9 safe; agents/policies.ts).
    this.spent(p, err === undefined);
    if (err) {
      // The next hop was paid but we could not record it: never tell upstream it succeeded.
      this.o.logger.error({ packetId: p.packetId, err: err.message }, 'ledger write failed; rejecting a fulfilled packet');
      this.finishRaw(p, this.reject(new InternalError('ledger write failed')), false);
      return;
    }
    this.finish(p, fulfill, true);
  };

  /** The packet's policy reservation becomes spent (booked) or is given back. */
  private spent(p: InFlight, booked: boolean): void {
    if (p.spend === undefined) return;
    if (booked) p.spend.commit(p.amountIn, Date.now());
    else p.spend.release(p.amountIn);
    p.spend = undefined;
  }

  /** Postings for a fulfilled packet, per DESIGN's table, with its spend memo; undefined when nothing moves. */
  private postings(p: InFlight): Posting[] | undefined {
    if (p.amountIn === 0n) return undefined;
    const legs = this.moneyLegs(p);
    if (p.memo === undefined) return legs;
    const out = legs ?? [];
    out.push({ account: p.memo, amount: p.amountIn }, { account: accounts.spendTotal, amount: -p.amountIn });
    return out;
  }

  private moneyLegs(p: InFlight): Posting[] | undefined {
    const from = this.accountOf(p.from);
    const to = this.accountOf(p.to);
    if (from === to) return undefined;
    const c = p.crossing;
    const fee = p.converted - p.amountOut;
    const legs: Posting[] = [{ account: from, amount: p.amountIn }];
    if (c !== undefined && !c.same) {
      // both legs through the per-asset exchange accounts: the entry sums to zero in each asset
      legs.push({ account: c.exchangeFrom, amount: -p.amountIn });
      if (p.converted !== 0n) legs.push({ account: c.exchangeTo, amount: p.converted });
    }
    if (p.amountOut !== 0n || legs.length === 1) legs.push({ account: to, amount: -p.amountOut });
    if (fee !== 0n) legs.push({ account: c === undefined ? accounts.fees : c.fees, amount: -fee });
    return legs;
  }

  /** Ledger account of a source or next hop; cached so the packet path builds no strings. */
  private accountOf(id: string): string {
    let account = this.accountIds.get(id);
    if (account === undefined) {
      account = id === LOCAL ? accounts.agent : accounts.peer(id);
      this.accountIds.set(id, account);
    }
    return account;
  }

  private onLate(p: InFlight, ilp: Buffer | undefined, reason: LateReason): void {
    reportLate(this.o, p, ilp, reason);
  }

  /** Writes out the late-fulfill record (node stopping). */
  async close(): Promise<void> {
    await this.o.lateFulfills?.close();
  }

  private release(p: InFlight): void {
    if (p.spend !== undefined) {
      p.spend.release(p.amountIn);
      p.spend = undefined;
    }
    if (p.reserved) {
      p.reserved = false;
      this.o.ledger.release(p.from, p.amountIn);
    }
  }

  /** The one error boundary: anything thrown on the path becomes a Reject from this node. */
  private fail(p: InFlight, err: unknown): void {
    this.release(p);
    if (!(err instanceof Error) || !('ilpErrorCode' in err)) {
      this.o.logger.error({ packetId: p.packetId, err }, 'unexpected error on the packet path');
    }
    this.finish(p, this.reject(err), false);
  }

  private finishRaw(p: InFlight, ilp: Buffer, fulfilled = ilp[0] === 13): void {
    this.finish(p, ilp, fulfilled);
  }

  private finish(p: InFlight, ilp: Buffer, fulfilled: boolean): void {
    const ev = this.o.events;
    ev.inFlightNow = --this.inFlight;
    if ((p as Packet).held >= 0) {
      this.o.caps?.release(p.from, (p as Packet).held);
      (p as Packet).held = -1;
    }
    // Answered control traffic (ILDCP, CCP) is not a payment; refused ILDCP is still reported, refused
    // CCP is not (a child asks its parent for routes and is refused every broadcast interval, by design).
    if (!p.control || (!fulfilled && !p.destination.startsWith('peer.route.'))) {
      ev.packetDone(fulfilled, p.started, ilp);
      if (ev.packetsActive) emitResult(ev, p, ilp, fulfilled);
    }
    p.replier.respondIlp(p.requestId, ilp);
    if (this.inFlight === 0 && this.drainWaiters.length > 0) {
      const waiters = this.drainWaiters;
      this.drainWaiters = [];
      for (const w of waiters) w();
    }
  }

  private reject(err: unknown): Buffer {
    return serializeReject(toReject(err, this.o.address()));
  }
}
