/**
 * The paid side: verify a claim a peer sends (locally: signature, our cached view of the channel,
 * monotonicity, deposit cover; never a chain call), keep the best one, book it (peer −c, channelIn +c)
 * and only then acknowledge. Redeem the best claim on-chain by policy or on demand, and sign the
 * sender's withdrawal and cooperative-close requests when they cannot cost us a claim we hold.
 */
import type { BtpFrame } from '../node/btp/codec.js';
import { CLAIM_PROTOCOL, CONSENT_PROTOCOL, jsonData, parseClaim, parseConsent, readJson, type ConsentRequest, type EvmClaim } from './claim.js';
import type { Core } from './core.js';
import type { SettlementModule } from './module.js';
import { claimed } from './outgoing.js';
import type { ChainAdapter, OnchainChannel } from './chain.js';
import type { ChannelRecord } from './store.js';

type Respond = Parameters<SettlementModule['onPeerRequest']>[2];

/** Why a request is refused: F00 for a request that will never be accepted, T00 for "try again later". */
interface Refusal {
  code: 'F00' | 'T00';
  message: string;
}

/** What redeeming a channel's best claim came to. */
export type RedeemOutcome =
  | { status: 'redeemed'; channelId: string; amount: string; txHash: string; gasUsed: string }
  | { status: 'nothing'; channelId: string }
  | { status: 'failed'; channelId: string; reason: string };

export interface RedeemPolicy {
  /** Redeem as soon as a channel's unredeemed claims reach this (asset units); 0: not on amount. */
  minAmount: bigint;
  /** Redeem the best claim when the sender starts closing the channel. */
  onClose: boolean;
}

/** A claim on a closing channel is refused when less than this remains of the challenge period, seconds. */
const CLOSING_MARGIN_S = 300;

/** Channel lookups (chain reads for channels a claim names that we do not know) running at once, at most. */
const MAX_LOOKUPS = 8;

const refuse = (code: Refusal['code'], message: string): Refusal => ({ code, message });
const max = (a: bigint, b: bigint) => (a > b ? a : b);

export class Incoming {
  private readonly lookups = new Set<string>();
  private readonly redeeming = new Map<string, Promise<RedeemOutcome>>();

  constructor(
    private readonly core: Core,
    private readonly policy: RedeemPolicy,
  ) {}

  /** A TRANSFER with a claim: answers through `respond` exactly once, after the ledger write. */
  handleClaim(peerId: string, frame: BtpFrame, respond: Respond): void {
    this.answer(peerId, 'claim', () => this.acceptClaim(peerId, frame), respond);
  }

  /** A MESSAGE asking us to sign a withdrawal or a cooperative close. */
  handleConsent(peerId: string, frame: BtpFrame, respond: Respond): void {
    this.answer(peerId, 'consent', () => this.signConsent(peerId, frame), respond);
  }

  private answer(peerId: string, what: string, work: () => Promise<Refusal | BtpFrame['protocolData'] | undefined>, respond: Respond): void {
    work().then(
      (result) => {
        if (result !== undefined && !Array.isArray(result)) {
          this.core.log.info({ peer: peerId, code: result.code, reason: result.message }, `refused a ${what}`);
          respond({ ok: false, code: result.code, message: result.message });
        } else {
          respond({ ok: true, protocolData: result });
        }
      },
      (err: unknown) => {
        this.core.log.error({ peer: peerId, err }, `could not process a ${what}`);
        respond({ ok: false, code: 'T00', message: `internal error while processing the ${what}; nothing was booked, send it again later` });
      },
    );
  }

  private async acceptClaim(peerId: string, frame: BtpFrame): Promise<Refusal | undefined> {
    if (!this.core.ready) return refuse('T00', 'settlement is not connected to its chain yet; send the claim again later');
    const { chain } = this.core.need();
    const c = parseClaim(readJson(frame, CLAIM_PROTOCOL));
    if (typeof c === 'string') return refuse('F00', `malformed claim: ${c}`);
    if (c.chainId !== chain.chainId || !chain.sameAddress(c.tokenNetworkAddress, chain.contract) || !chain.sameAddress(c.tokenAddress, chain.token)) {
      return refuse('F00', `claim is for chain ${c.chainId}, contract ${c.tokenNetworkAddress}, token ${c.tokenAddress}; this node settles on chain ${chain.chainId}, contract ${chain.contract}, token ${chain.token}`);
    }
    const r = this.core.records.get(c.channelId);
    if (r === undefined) {
      this.lookup(c.channelId);
      return refuse('T00', `unknown channel ${c.channelId}: looking it up on-chain; send the claim again later`);
    }
    const checked = this.checkChannel(peerId, r);
    if (checked !== undefined) return checked;
    const nonce = BigInt(c.nonce);
    const amount = BigInt(c.transferredAmount);
    if (!chain.verifyBalanceProof(onchainView(r), nonce, amount, c.signature)) {
      const signer = signerOf(chain, r.channelId, nonce, amount, c.signature);
      if (signer === undefined) return refuse('F00', `forged claim: the signature is not ${r.sender}'s signature of this claim on channel ${r.channelId}`);
      return refuse('F00', `forged claim: signed by ${signer}, but channel ${r.channelId} is paid by ${r.sender}`);
    }
    if (!chain.sameAddress(c.signerAddress, r.sender)) return refuse('F00', `signerAddress ${c.signerAddress} did not sign this claim (${r.sender} did)`);
    return this.core.locks.run(r.channelId, () => this.keep(r, peerId, c));
  }

  /** The channel pays us, belongs to this peer's configured address, and is open. */
  private checkChannel(peerId: string, r: ChannelRecord): Refusal | undefined {
    if (r.direction !== 'incoming') return refuse('F00', `channel ${r.channelId} does not pay us: we are its sender`);
    const address = this.core.peerAddress(peerId);
    if (address === undefined) return refuse('F00', `peer ${peerId} has no EVM settlement address configured here (peers[].settlement), so its channels cannot be told apart`);
    if (!this.core.need().chain.sameAddress(address, r.sender)) return refuse('F00', `channel ${r.channelId} is paid by ${r.sender}, not by ${peerId} (${address})`);
    // While the sender's close runs, a claim is still redeemable: take it unless the end is near.
    const closingTooLate = r.state === 'closing' && this.core.chainTime + CLOSING_MARGIN_S >= r.closedAt + r.settlementTimeout;
    if (r.state === 'settled' || closingTooLate) return refuse('F00', `channel ${r.channelId} is ${r.state}: it takes no more claims`);
    return undefined;
  }

  /** Under the channel's lock: monotonic, covered by the deposit; then persisted and booked. */
  private async keep(r: ChannelRecord, peerId: string, c: EvmClaim): Promise<Refusal | undefined> {
    const { units } = this.core.need();
    const nonce = BigInt(c.nonce);
    const amount = BigInt(c.transferredAmount);
    const best = r.claim;
    if (best !== undefined) {
      if (nonce === BigInt(best.nonce) && amount === BigInt(best.transferredAmount) && c.signature.toLowerCase() === best.signature.toLowerCase()) {
        await this.core.flushPending(r);
        return undefined; // our best claim sent again (our answer was lost): acknowledge it again, book nothing new
      }
      if (nonce <= BigInt(best.nonce)) return refuse('F00', `stale claim: nonce ${nonce} is not above the nonce ${best.nonce} of the best claim we hold`);
      if (amount <= BigInt(best.transferredAmount)) return refuse('F00', `stale claim: ${amount} does not increase the best claim's ${best.transferredAmount}`);
    }
    if (amount <= r.claimed) return refuse('F00', `stale claim: ${amount} does not exceed the ${r.claimed} already paid out on-chain`);
    const limit = this.limit(r);
    if (amount > limit) {
      this.lookup(r.channelId); // perhaps a deposit we have not seen yet: the sender's next attempt will know
      return refuse('F00', `claim of ${amount} exceeds the channel deposit: channel ${r.channelId} holds ${limit} for claims (deposit ${r.deposit}, withdrawn ${max(r.withdrawn, r.consented)})`);
    }
    const increase = units.toAsset(amount) - units.toAsset(r.booked);
    r.claim = c;
    r.peerId ??= peerId;
    if (amount > r.booked) r.booked = amount;
    await this.core.book(r, [{ id: `claim-in:${r.channelId}:${amount}`, kind: 'claim-received', peerId, amount: increase }]);
    this.core.emit({
      type: 'settlement:claim-received',
      peerId,
      chain: 'evm',
      channelId: r.channelId,
      amount: increase.toString(),
      cumulative: units.toAsset(amount).toString(),
    });
    if (this.policy.minAmount > 0n && this.unredeemed(r) >= this.policy.minAmount) void this.redeem(r);
    else this.onClosing(r);
    return undefined;
  }

  /** The most a claim on `r` may reach (base units): deposit less withdrawals (done or consented), capped by a close we agreed to. */
  private limit(r: ChannelRecord): bigint {
    const open = r.deposit - max(r.withdrawn, r.consented);
    return r.closeConsent !== undefined && r.closeConsent < open ? r.closeConsent : open;
  }

  private async signConsent(peerId: string, frame: BtpFrame): Promise<Refusal | BtpFrame['protocolData']> {
    if (!this.core.ready) return refuse('T00', 'settlement is not connected to its chain yet');
    const { chain } = this.core.need();
    const req = parseConsent(readJson(frame, CONSENT_PROTOCOL));
    if (typeof req === 'string') return refuse('F00', `malformed consent request: ${req}`);
    const r = this.core.records.get(req.channelId);
    if (r === undefined) return refuse('F00', `unknown channel ${req.channelId}`);
    const checked = this.checkChannel(peerId, r);
    if (checked !== undefined) return checked;
    return this.core.locks.run(r.channelId, async () => {
      const refusal = this.consentRefusal(r, req);
      if (refusal !== undefined) return refusal;
      const amount = BigInt(req.amount);
      let signature: string;
      if (req.type === 'withdraw') {
        if (chain.signWithdraw === undefined) return refuse('F00', `${chain.chain} channels have no withdrawal: close the channel instead`);
        signature = chain.signWithdraw(r.channelId, amount);
        r.consented = max(r.consented, amount);
      } else {
        if (chain.signCooperativeClose === undefined) return refuse('F00', `${chain.chain} channels have no cooperative close: close the channel instead`);
        signature = chain.signCooperativeClose(r.channelId, amount);
        r.closeConsent = r.closeConsent === undefined || amount < r.closeConsent ? amount : r.closeConsent;
      }
      await this.core.store.put(r);
      this.core.log.info({ peer: peerId, channelId: r.channelId, type: req.type, amount: req.amount }, 'signed a consent');
      return [jsonData(CONSENT_PROTOCOL, { signature })];
    });
  }

  /** We sign only what leaves our best claim fully redeemable. */
  private consentRefusal(r: ChannelRecord, req: ConsentRequest): Refusal | undefined {
    const amount = BigInt(req.amount);
    const best = max(claimed(r), r.claimed);
    if (req.type === 'withdraw') {
      if (amount <= r.withdrawn) return refuse('F00', `totalWithdrawn ${amount} does not exceed the ${r.withdrawn} already withdrawn`);
      if (r.deposit - amount < best) return refuse('F00', `withdrawing to ${amount} would leave ${r.deposit - amount} in channel ${r.channelId}, less than our best claim ${best}`);
      return undefined;
    }
    if (amount < best) return refuse('F00', `closing at ${amount} would pay less than our best claim ${best}`);
    if (amount > r.deposit - max(r.withdrawn, r.consented)) return refuse('F00', `closing at ${amount} is more than channel ${r.channelId} holds`);
    return undefined;
  }

  /** Unredeemed claims on `r`, in asset units. */
  unredeemed(r: ChannelRecord): bigint {
    const { units } = this.core.need();
    const best = claimed(r);
    return best > r.claimed ? units.toAsset(best) - units.toAsset(r.claimed) : 0n;
  }

  /** Redeems `r`'s best claim on-chain (one redemption per channel at a time). */
  redeem(r: ChannelRecord): Promise<RedeemOutcome> {
    let p = this.redeemingNow(r.channelId);
    if (p !== undefined) return p;
    p = this.doRedeem(r).finally(() => this.redeeming.delete(r.channelId));
    this.redeeming.set(r.channelId, p);
    return p;
  }

  /** True while a redemption for one of the peer's channels is on its way. */
  busy(peerId: string): boolean {
    return this.core.incomingFor(peerId).some((r) => this.redeeming.has(r.channelId));
  }

  /** Redeems every channel whose unredeemed claims reach `atLeast` (asset units, at least 1). */
  redeemDue(atLeast: bigint): Promise<RedeemOutcome[]> {
    const due = [...this.core.records.values()].filter((r) => r.direction === 'incoming' && r.state !== 'settled' && this.unredeemed(r) >= (atLeast > 0n ? atLeast : 1n));
    return Promise.all(due.map((r) => this.redeem(r)));
  }

  /** The closing-channel policy: redeem what a closing incoming channel still owes us. */
  onClosing(r: ChannelRecord): void {
    if (this.policy.onClose && r.direction === 'incoming' && r.state === 'closing' && this.unredeemed(r) > 0n) void this.redeem(r);
  }

  async idle(): Promise<void> {
    while (this.redeeming.size > 0) await Promise.allSettled([...this.redeeming.values()]);
  }

  private redeemingNow(channelId: string): Promise<RedeemOutcome> | undefined {
    return this.redeeming.get(channelId);
  }

  private async doRedeem(r: ChannelRecord): Promise<RedeemOutcome> {
    const { chain, units } = this.core.need();
    const c = r.claim;
    if (c === undefined || BigInt(c.transferredAmount) <= r.claimed || r.state === 'settled') return { status: 'nothing', channelId: r.channelId };
    const before = r.claimed;
    try {
      const tx = await chain.claim(r.channelId, BigInt(c.nonce), BigInt(c.transferredAmount), c.signature);
      await this.core.refresh(r.channelId, tx.txHash);
      const amount = units.toAsset(r.claimed) - units.toAsset(before);
      this.core.log.info({ peer: r.peerId, channelId: r.channelId, amount: amount.toString(), txHash: tx.txHash }, 'redeemed a claim on-chain');
      return { status: 'redeemed', channelId: r.channelId, amount: amount.toString(), txHash: tx.txHash, gasUsed: tx.gasUsed.toString() };
    } catch (err) {
      const reason = `redeeming channel ${r.channelId} failed: ${err instanceof Error ? err.message : String(err)}`;
      this.core.fail(r.peerId ?? '', reason, err);
      await this.core.refresh(r.channelId).catch(() => undefined);
      return { status: 'failed', channelId: r.channelId, reason };
    }
  }

  /** Reads an unknown (or changed) channel from the chain in the background. */
  private lookup(channelId: string): void {
    // A peer naming made-up channels must not turn into unbounded chain reads.
    if (this.lookups.has(channelId) || this.lookups.size >= MAX_LOOKUPS || !this.core.ready) return;
    this.lookups.add(channelId);
    this.core
      .refresh(channelId)
      .catch((err: unknown) => this.core.log.warn({ channelId, err: err instanceof Error ? err.message : String(err) }, 'channel lookup failed'))
      .finally(() => this.lookups.delete(channelId));
  }
}

/** A record as the chain adapter's verifiers read it. */
export function onchainView(r: ChannelRecord): OnchainChannel {
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

/** Who signed a balance proof, where the chain can tell (EVM recovers the signer); undefined otherwise. */
function signerOf(chain: ChainAdapter, channelId: string, nonce: bigint, amount: bigint, signature: string): string | undefined {
  const recover = (chain as Partial<{ recoverBalanceProof(id: string, n: bigint, a: bigint, s: string): string | undefined }>).recoverBalanceProof;
  return recover?.call(chain, channelId, nonce, amount, signature);
}
