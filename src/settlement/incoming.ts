/**
 * The paid side: verify a claim a peer sends (locally: signature, our cached view of the channel,
 * monotonicity, deposit cover; never a chain call), keep the best one, book it (peer −c, channelIn +c)
 * and only then acknowledge. Redeem the best claim on-chain by policy or on demand, and sign the
 * sender's withdrawal and cooperative-close requests when they cannot cost us a claim we hold.
 */
import type { BtpFrame } from '../node/ports.js';
import { CLAIM_PROTOCOL, CONSENT_PROTOCOL, jsonData, parseClaim, parseConsent, parseLedgerClaim, readJson, type Claim, type ConsentRequest } from './claim.js';
import type { Core } from './core.js';
import type { SettlementModule } from './module.js';
import { claimed } from './outgoing.js';
import type { ChainAdapter } from './chain.js';
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
    const kind = this.core.kind;
    if (!this.core.ready) return refuse('T00', `settlement is not connected to its ${kind} chain yet; send the claim again later`);
    const { chain } = this.core.need();
    const wrongAsset = this.core.assetProblem(peerId);
    if (wrongAsset !== undefined) return refuse('F00', `this node does not settle with ${peerId} on ${kind}: ${wrongAsset}`);
    const data = readJson(frame, CLAIM_PROTOCOL);
    const c = kind === 'evm' ? parseClaim(data) : parseLedgerClaim(data, kind, (id) => chain.normalizeChannelId(id));
    if (typeof c === 'string') return refuse('F00', `malformed claim: ${c}`);
    const mismatch = wrongNetwork(chain, c);
    if (mismatch !== undefined) return refuse('F00', mismatch);
    const r = this.core.records.get(c.channelId);
    if (r === undefined) {
      this.lookup(c.channelId);
      return refuse('T00', `unknown channel ${c.channelId}: looking it up on-chain; send the claim again later`);
    }
    const checked = this.checkChannel(peerId, r);
    if (checked !== undefined) return checked;
    const nonce = BigInt(c.nonce);
    const amount = BigInt(c.transferredAmount);
    if (c.blockchain !== 'evm') {
      if (r.publicKey === undefined) {
        this.lookup(r.channelId);
        return refuse('T00', `channel ${r.channelId} has no claim key on record yet: looking it up on-chain; send the claim again later`);
      }
      if (c.publicKey.toLowerCase() !== r.publicKey.toLowerCase()) return refuse('F00', `publicKey ${c.publicKey} is not the key of channel ${r.channelId} (${r.publicKey})`);
    }
    if (!chain.verifyBalanceProof(this.core.lastKnown(r), nonce, amount, c.signature)) {
      const signer = signerOf(chain, r.channelId, nonce, amount, c.signature);
      if (signer === undefined) return refuse('F00', `forged claim: the signature is not ${r.sender}'s signature of this claim on channel ${r.channelId}`);
      return refuse('F00', `forged claim: signed by ${signer}, but channel ${r.channelId} is paid by ${r.sender}`);
    }
    if (c.blockchain === 'evm' && !chain.sameAddress(c.signerAddress, r.sender)) return refuse('F00', `signerAddress ${c.signerAddress} did not sign this claim (${r.sender} did)`);
    return this.core.locks.run(r.channelId, () => this.keep(r, peerId, c));
  }

  /** The channel pays us, belongs to this peer's configured address, and is open. */
  private checkChannel(peerId: string, r: ChannelRecord): Refusal | undefined {
    if (r.direction !== 'incoming') return refuse('F00', `channel ${r.channelId} does not pay us: we are its sender`);
    const address = this.core.peerAddress(peerId);
    if (address === undefined) {
      return refuse('F00', `peer ${peerId} has no ${this.core.kind} settlement address configured here (peers[].settlement), so its channels cannot be told apart`);
    }
    if (!this.core.need().chain.sameAddress(address, r.sender)) return refuse('F00', `channel ${r.channelId} is paid by ${r.sender}, not by ${peerId} (${address})`);
    // While the sender's close runs, a claim is still redeemable: take it unless the end is near.
    const closingTooLate = r.state === 'closing' && this.core.chainTime + CLOSING_MARGIN_S >= r.closedAt + r.settlementTimeout;
    if (r.state === 'settled' || closingTooLate) return refuse('F00', `channel ${r.channelId} is ${r.state}: it takes no more claims`);
    return undefined;
  }

  /** Under the channel's lock: monotonic, covered by the deposit; then persisted and booked. */
  private async keep(r: ChannelRecord, peerId: string, c: Claim): Promise<Refusal | undefined> {
    const { units } = this.core.need(peerId);
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
      chain: this.core.kind,
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
    if (!chain.features.withdraw && !chain.features.cooperativeClose) {
      return refuse('F00', `${chain.chain} channels have no withdrawal and no cooperative close: there is nothing to consent to (close the channel instead)`);
    }
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
    const { units } = this.core.need(r.peerId);
    const best = claimed(r);
    return best > r.claimed ? units.toAsset(best) - units.toAsset(r.claimed) : 0n;
  }

  /**
   * Redeems `r`'s best claim on-chain (one redemption per channel at a time). `close`: the same
   * transaction closes the channel where the chain's redeem can (XRPL tfClose); others ignore it.
   */
  redeem(r: ChannelRecord, close = false): Promise<RedeemOutcome> {
    let p = this.redeemingNow(r.channelId);
    if (p !== undefined) return p;
    p = this.doRedeem(r, close).finally(() => this.redeeming.delete(r.channelId));
    this.redeeming.set(r.channelId, p);
    return p;
  }

  /**
   * Redeems `r`'s best claim as it stands now. A redemption already on its way may carry an older
   * claim (`redeem` joins it): once it ends, redeem again if the best claim grew meanwhile, so a
   * `settle` never answers having redeemed less than what was held when it was asked.
   */
  async redeemLatest(r: ChannelRecord): Promise<RedeemOutcome> {
    const inFlight = this.redeemingNow(r.channelId);
    if (inFlight === undefined) return this.redeem(r);
    const first = await inFlight;
    // a re-read from the chain may have replaced the record: judge (and redeem) the current one
    const now = this.core.records.get(r.channelId) ?? r;
    if (first.status === 'failed' || now.state === 'settled' || this.unredeemed(now) === 0n) return first;
    return this.redeem(now);
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

  private async doRedeem(r: ChannelRecord, close: boolean): Promise<RedeemOutcome> {
    const { chain, units } = this.core.need(r.peerId);
    const c = r.claim;
    if (c === undefined || BigInt(c.transferredAmount) <= r.claimed || r.state === 'settled') return { status: 'nothing', channelId: r.channelId };
    const before = r.claimed;
    try {
      const paid = BigInt(c.transferredAmount);
      const tx = await chain.claim(r.channelId, BigInt(c.nonce), paid, c.signature, close);
      // The chain paid `paid` in all. A chain that deletes a closed channel (XRPL) cannot be asked
      // afterwards: the re-read then settles the record from this.
      await this.core.locks.run(r.channelId, async () => {
        if (paid > r.claimed) r.claimed = paid;
        await this.core.store.put(r);
      });
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

/** Why a claim is not for this node's chain, contract and asset (undefined when it is). */
export function wrongNetwork(chain: ChainAdapter, c: Claim): string | undefined {
  const [contract, token] = c.blockchain === 'evm' ? [c.tokenNetworkAddress, c.tokenAddress] : [c.contract, c.token];
  const same = (a: string, b: string) => (c.blockchain === 'evm' ? chain.sameAddress(a, b) : c.blockchain === 'aptos' ? sameMoveId(a, b) : a === b);
  if (c.chainId === chain.chainId && same(contract, chain.contract) && same(token, chain.token)) return undefined;
  return `claim is for ${c.blockchain} chain ${c.chainId}, contract ${contract}, token ${token}; this node settles on ${chain.chain} chain ${chain.chainId}, contract ${chain.contract}, token ${chain.token}`;
}

/** Move ids (`0x1::aptos_coin::AptosCoin`, `0xcafe::payment_channel`) equal, with the address compared as a number (0x1 = 0x00…01). */
export function sameMoveId(a: string, b: string): boolean {
  const [pa, pb] = [a.split('::'), b.split('::')];
  if (pa.length !== pb.length || pa.length < 2) return false;
  const addr = (x: string) => (/^0x[0-9a-fA-F]{1,64}$/.test(x) ? BigInt(x) : undefined);
  const [x, y] = [addr(pa[0]), addr(pb[0])];
  return x !== undefined && x === y && pa.slice(1).join('::') === pb.slice(1).join('::');
}

/** Who signed a balance proof, where the chain can tell (EVM recovers the signer); undefined otherwise. */
function signerOf(chain: ChainAdapter, channelId: string, nonce: bigint, amount: bigint, signature: string): string | undefined {
  const recover = (chain as Partial<{ recoverBalanceProof(id: string, n: bigint, a: bigint, s: string): string | undefined }>).recoverBalanceProof;
  return recover?.call(chain, channelId, nonce, amount, signature);
}
