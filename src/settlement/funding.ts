/**
 * Automatic top-ups (`peers[].settlement.autoDeposit {below, topUpTo, maxDeposit?}`, the peer's asset
 * units): when what our open channel to a peer still covers beyond our latest claim (deposit − withdrawn
 * − latest claim) falls below `below`, we deposit enough to bring it back to `topUpTo`, never taking
 * the channel's total deposit above `maxDeposit`, and only what our wallet can spend (its balance, less
 * what the chain holds back: on XRPL the base and owner reserve and the fee). Checked on the lane's
 * resend timer (after claims consumed the channel), one top-up per channel at a time; each outcome is
 * a `settlement:auto-deposit` event (`deposited`, `wallet-short`, `at-cap`, `failed`), the refusals once
 * per channel until something changes.
 */
import type { Core } from './core.js';
import type { Operations } from './operations.js';
import { claimed } from './outgoing.js';
import type { ChannelRecord } from './store.js';

const max = (a: bigint, b: bigint) => (a > b ? a : b);

export class Funding {
  private readonly running = new Set<string>();
  /** The last refusal reported per channel (reported again only when it changes). */
  private readonly reported = new Map<string, string>();

  constructor(
    private readonly core: Core,
    private readonly operations: Operations,
  ) {}

  /** Tops up every channel whose peer asks for it and that fell below its line. */
  check(): Promise<void> {
    if (!this.core.ready) return Promise.resolve();
    const work: Promise<void>[] = [];
    for (const p of this.core.ctx.peers()) {
      const rule = p.settlement?.chain === this.core.kind ? p.settlement.autoDeposit : undefined;
      const r = rule === undefined ? undefined : this.core.outgoingFor(p.id);
      if (rule !== undefined && r !== undefined && !this.running.has(r.channelId)) work.push(this.topUp(p.id, r, rule));
    }
    return Promise.all(work).then(() => undefined);
  }

  /** What the channel still covers beyond our latest claim, asset units. */
  available(r: ChannelRecord, peerId: string): bigint {
    const { units } = this.core.need(peerId);
    const left = r.deposit - max(r.withdrawn, r.consented) - max(claimed(r), r.claimed);
    return left > 0n ? units.toAsset(left) : 0n;
  }

  private async topUp(peerId: string, r: ChannelRecord, rule: { below: bigint; topUpTo: bigint; maxDeposit?: bigint }): Promise<void> {
    const { chain, units } = this.core.need(peerId);
    const available = this.available(r, peerId);
    if (available >= rule.below) {
      this.reported.delete(r.channelId);
      return;
    }
    let amount = rule.topUpTo - available;
    if (!units.exact(amount)) amount = units.toAsset(units.toBase(amount) + 1n); // whole base units, rounded up
    const base = { peerId, chain: this.core.kind, channelId: r.channelId, available: available.toString() };
    if (rule.maxDeposit !== undefined) {
      const room = rule.maxDeposit - units.toAsset(r.deposit);
      const cap = room > 0n ? units.toAsset(units.toBase(room)) : 0n; // rounded down: never above the cap
      if (cap < amount) amount = cap;
      if (amount <= 0n) {
        this.once(r.channelId, 'at-cap', () =>
          this.core.emit({ type: 'settlement:auto-deposit', ...base, outcome: 'at-cap', amount: '0', reason: `channel ${r.channelId}'s deposit is at autoDeposit.maxDeposit ${rule.maxDeposit}: raise it, or deposit by hand` }),
        );
        return;
      }
    }
    this.running.add(r.channelId);
    try {
      // what the wallet can spend: its balance, less what the chain holds back (XRPL: the reserve)
      const w = chain.spendable === undefined ? undefined : await chain.spendable(false);
      const wallet = w?.balance ?? (await chain.tokenBalance(chain.address));
      if ((w?.spendable ?? wallet) < units.toBase(amount)) {
        const held = w === undefined ? '' : `, of which ${w.why} stay behind, leaving ${units.toAsset(w.spendable)},`;
        const reason = `our wallet ${chain.address} holds ${units.toAsset(wallet)}${held} but the top-up of channel ${r.channelId} needs ${amount}: fund the wallet`;
        this.once(r.channelId, `wallet-short:${wallet}:${w?.held}`, () => {
          this.core.log.warn({ peer: peerId, channelId: r.channelId, wallet: wallet.toString(), held: w?.held.toString(), needed: amount.toString() }, 'auto-deposit: the wallet cannot cover the top-up');
          const reserve = w === undefined ? {} : { walletReserve: units.toAsset(w.held).toString() };
          this.core.emit({ type: 'settlement:auto-deposit', ...base, outcome: 'wallet-short', amount: amount.toString(), walletBalance: units.toAsset(wallet).toString(), ...reserve, reason });
        });
        return;
      }
      const done = await this.operations.deposit(r.channelId, amount.toString());
      this.reported.delete(r.channelId);
      this.core.log.info({ peer: peerId, channelId: r.channelId, amount: amount.toString(), deposit: done.deposit, txHash: done.txHash }, 'auto-deposit: topped up');
      this.core.emit({ type: 'settlement:auto-deposit', ...base, outcome: 'deposited', amount: amount.toString(), deposit: done.deposit, txHash: done.txHash });
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      this.once(r.channelId, `failed:${reason}`, () => this.core.emit({ type: 'settlement:auto-deposit', ...base, outcome: 'failed', amount: amount.toString(), reason }));
    } finally {
      this.running.delete(r.channelId);
    }
  }

  /** Runs `report` unless the same refusal was reported for the channel last time. */
  private once(channelId: string, what: string, report: () => void): void {
    if (this.reported.get(channelId) === what) return;
    this.reported.set(channelId, what);
    report();
  }
}
