/**
 * The paying side: when we owe a peer at least its settleThreshold, sign a claim for the new
 * cumulative amount over our channel to it and send it as a BTP TRANSFER; book it (peer +c,
 * channelOut −c) when the peer acknowledges. The latest claim is re-sent until acknowledged: when the
 * link comes up and on a timer. Also asks the peer for its consent to withdrawals and cooperative closes.
 */
import { BtpType, type BtpFrame } from '../node/ports.js';
import { buildClaim, buildLedgerClaim, claimFrame, consentFrame, CONSENT_PROTOCOL, readJson, type Claim, type ConsentRequest } from './claim.js';
import type { Core } from './core.js';
import type { ChannelRecord } from './store.js';

/** How long we wait for a peer's answer to a claim or a consent request, ms. */
export const PEER_ANSWER_TIMEOUT_MS = 15_000;

/** What one attempt to send a claim came to. */
export type ClaimOutcome =
  | { status: 'acknowledged'; channelId: string; cumulative: string; amount: string }
  | { status: 'nothing-due' }
  | { status: 'failed'; reason: string };

/** A peer's answer to a request: its RESPONSE, or why there is none. */
export type PeerAnswer = { ok: true; frame: BtpFrame } | { ok: false; reason: string };

export class Outgoing {
  private readonly running = new Map<string, Promise<ClaimOutcome>>();
  private readonly again = new Set<string>();
  /** The last failure per peer, shown by the settlement states (cleared by a success). */
  readonly lastError = new Map<string, string>();

  constructor(private readonly core: Core) {}

  /** True while a claim to the peer is being prepared or awaits its answer. */
  busy(peerId: string): boolean {
    return this.running.has(peerId);
  }

  /** Sends (or re-sends) what is due to `peerId`; coalesced: at most one attempt per peer at a time. */
  kick(peerId: string): void {
    if (this.running.has(peerId)) {
      this.again.add(peerId);
      return;
    }
    const p = this.attempt(peerId, false).finally(() => {
      this.running.delete(peerId);
      if (this.again.delete(peerId)) this.kick(peerId);
    });
    this.running.set(peerId, p);
  }

  /** Claims everything we owe `peerId` now, whatever its threshold, and waits for its answer. */
  async settleNow(peerId: string): Promise<ClaimOutcome> {
    await this.running.get(peerId)?.catch(() => undefined);
    const p = this.attempt(peerId, true);
    this.running.set(peerId, p);
    try {
      return await p;
    } finally {
      if (this.running.get(peerId) === p) this.running.delete(peerId);
    }
  }

  /** Resolves when no attempt is running. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running.values()]);
  }

  private async attempt(peerId: string, force: boolean): Promise<ClaimOutcome> {
    try {
      const outcome = await this.sendDue(peerId, force);
      if (outcome.status === 'failed') this.failed(peerId, outcome.reason);
      else this.lastError.delete(peerId);
      return outcome;
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      this.failed(peerId, reason, err);
      return { status: 'failed', reason };
    }
  }

  /** Reports a failure once per distinct reason (a threshold trigger fires after every packet). */
  private failed(peerId: string, reason: string, err?: unknown): void {
    if (this.lastError.get(peerId) === reason) return;
    this.lastError.set(peerId, reason);
    this.core.fail(peerId, reason, err);
  }

  private async sendDue(peerId: string, force: boolean): Promise<ClaimOutcome> {
    const { units } = this.core.need(peerId);
    const wrongAsset = this.core.assetProblem(peerId);
    if (wrongAsset !== undefined) return { status: 'failed', reason: `no claim to ${peerId}: ${wrongAsset}` };
    const peer = this.core.peer(peerId);
    const owed = this.core.owed(peerId);
    const open = this.core.outgoingFor(peerId);
    const due = owed > 0n && (force || (peer?.settleThreshold !== undefined && owed >= peer.settleThreshold));
    // Without an open channel, a closing one may still hold a claim the peer never acknowledged:
    // it can redeem it until the challenge period ends, so it is sent again (no new claims on it).
    const r = open ?? [...this.core.records.values()].find((x) => x.direction === 'outgoing' && x.peerId === peerId && x.state === 'closing' && claimed(x) > x.booked);
    if (r === undefined) {
      if (!due) return { status: 'nothing-due' };
      return { status: 'failed', reason: `we owe ${peerId} ${owed} but have no open channel to it: open one with \`agent-runtime channels open ${peerId}\`` };
    }
    const claim = await this.core.locks.run(r.channelId, () => this.prepare(r, peerId, due && r === open ? owed : 0n));
    if (claim === undefined) return { status: 'nothing-due' };
    if (peer?.connected !== true) return { status: 'failed', reason: `peer ${peerId} is not connected; the claim is sent when it is` };
    const increase = units.toAsset(BigInt(claim.transferredAmount)) - units.toAsset(r.booked);
    const answer = await this.request(peerId, claimFrame(claim, increase));
    if (!answer.ok) return { status: 'failed', reason: `${peerId} refused claim nonce ${claim.nonce}: ${answer.reason}` };
    const amount = await this.core.locks.run(r.channelId, () => this.acknowledged(r, claim));
    return { status: 'acknowledged', channelId: r.channelId, cumulative: units.toAsset(BigInt(claim.transferredAmount)).toString(), amount: amount.toString() };
  }

  /**
   * Signs a new claim when `owed` (asset units, 0 = nothing new) takes the cumulative higher than the
   * latest; returns the claim to send (new, or the latest still unacknowledged), or undefined.
   */
  private async prepare(r: ChannelRecord, peerId: string, owed: bigint): Promise<Claim | undefined> {
    const { chain, units } = this.core.need(peerId);
    const latest = claimed(r);
    if (owed > 0n) {
      const wanted = r.booked + units.toBase(owed);
      const limit = r.deposit - (r.withdrawn > r.consented ? r.withdrawn : r.consented);
      const target = wanted < limit ? wanted : limit;
      if (wanted > limit) {
        this.failed(
          peerId,
          `channel ${r.channelId} to ${peerId} covers claims up to ${units.toAsset(limit)} but we owe ${units.toAsset(wanted)} in all: deposit more with \`agent-runtime channels deposit\``,
        );
      }
      if (target > latest) {
        const nonce = r.nonce + 1n;
        const signature = chain.signBalanceProof(r.channelId, nonce, target);
        r.nonce = nonce;
        const common = { senderId: this.core.ctx.config.nodeId, channelId: r.channelId, nonce, transferredAmount: target, signature, chainId: chain.chainId, contract: chain.contract, token: chain.token };
        if (chain.chain === 'evm') r.claim = buildClaim({ ...common, signerAddress: chain.address });
        else if (chain.publicKey === undefined) throw new Error(`the ${chain.chain} adapter has no claim key (publicKey)`);
        else r.claim = buildLedgerClaim({ ...common, blockchain: chain.chain, publicKey: chain.publicKey });
        await this.core.store.put(r);
      }
    }
    return r.claim !== undefined && claimed(r) > r.booked ? r.claim : undefined;
  }

  /** The peer acknowledged `claim`: book what it adds (peer +c, channelOut −c). Returns c (asset units). */
  private async acknowledged(r: ChannelRecord, claim: Claim): Promise<bigint> {
    const { units } = this.core.need(r.peerId);
    const cumulative = BigInt(claim.transferredAmount);
    if (cumulative <= r.booked || r.peerId === undefined) return 0n;
    const amount = units.toAsset(cumulative) - units.toAsset(r.booked);
    r.booked = cumulative;
    await this.core.book(r, [{ id: `claim-out:${r.channelId}:${cumulative}`, kind: 'claim-sent', peerId: r.peerId, amount }]);
    this.core.emit({
      type: 'settlement:claim-sent',
      peerId: r.peerId,
      chain: this.core.kind,
      channelId: r.channelId,
      amount: amount.toString(),
      cumulative: units.toAsset(cumulative).toString(),
    });
    return amount;
  }

  /**
   * Asks the receiver of our channel `r` to sign a withdrawal or cooperative close; checks who signed.
   * @returns the receiver's signature
   */
  async consent(r: ChannelRecord, request: ConsentRequest): Promise<string> {
    const { chain } = this.core.need();
    if (r.peerId === undefined) throw new Error(`channel ${r.channelId} is not bound to a peer`);
    const answer = await this.request(r.peerId, consentFrame(request));
    if (!answer.ok) throw new Error(`${r.peerId} refused to sign the ${request.type}: ${answer.reason}`);
    const body = readJson(answer.frame, CONSENT_PROTOCOL) as { signature?: unknown } | Error | undefined;
    const signature = body instanceof Error || body === undefined ? undefined : body.signature;
    if (typeof signature !== 'string' || !/^0x[0-9a-fA-F]{130}$/.test(signature)) throw new Error(`${r.peerId} answered the ${request.type} request without a signature`);
    const amount = BigInt(request.amount);
    const channel = this.core.lastKnown(r);
    const valid =
      request.type === 'withdraw'
        ? chain.verifyWithdraw?.(channel, amount, signature)
        : chain.verifyCooperativeClose?.(channel, r.receiver, amount, signature);
    if (valid !== true) throw new Error(`the ${request.type} consent from ${r.peerId} is not signed by the channel's receiver ${r.receiver}`);
    return signature;
  }

  /** One request to a peer as a promise: its RESPONSE, or the reason (BTP ERROR text, timeout, not connected). */
  request(peerId: string, frame: BtpFrame): Promise<PeerAnswer> {
    return new Promise((resolve) => {
      this.core.ctx.request(peerId, frame, Date.now() + PEER_ANSWER_TIMEOUT_MS, (err, response) => {
        if (err === undefined && response !== undefined && response.type === BtpType.Response) {
          resolve({ ok: true, frame: response });
          return;
        }
        const text = response?.type === BtpType.Error ? `${response.code} ${response.data.toString('utf8')}` : (err?.message ?? 'no answer');
        resolve({ ok: false, reason: text });
      });
    });
  }
}

/** The cumulative amount (base units) of a record's latest claim, 0 without one. */
export function claimed(r: ChannelRecord): bigint {
  return r.claim === undefined ? 0n : BigInt(r.claim.transferredAmount);
}
