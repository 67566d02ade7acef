/**
 * The XRP Ledger adapter: native XRP payment channels (PayChannel ledger objects) through xrpl.js 5.
 *
 * Off-chain claims are the ledger's own signed claims: `signPaymentChannelClaim` over the channel id and
 * the cumulative amount in drops (the balance proof's nonce has no place in them and is ignored). The
 * receiver redeems the best one with a PaymentChannelClaim. XRPL channels have no withdraw and no
 * cooperative close (features say so; the engine never asks for them).
 *
 * Transactions are signed locally with the wallet, submitted as blobs, and followed until a validated
 * ledger holds them or their LastLedgerSequence has passed; they go out one at a time, so two never race
 * for a sequence number. Every request is bounded by a timeout; a dropped socket is reconnected on the
 * next request. The seed stays inside the xrpl Wallet: it is never logged or returned.
 */
import type { SubmittableTransaction, TransactionMetadata, Wallet } from 'xrpl';
import type { Logger } from 'pino';
import type { ChainAdapter, ChainEvent, OnchainChannel, TxResult } from '../../chain.js';
import { MAX_DROPS, normalizeChannelId, signClaim, verifyClaim } from './claims.js';
import { loadXrpl, type Xrpl } from './sdk.js';
import { channelCloseTx, channelCreateTx, channelFundTx, channelRedeemTx } from './transactions.js';
import { SerialQueue, settleDelayProblem } from '../shared.js';
import { RIPPLE_EPOCH_OFFSET, XrplConnection, describe } from './connection.js';
import { HISTORY_GONE, XrplCallError } from './result-codes.js';
import { affectedNodes, channelEvent, deletedChannels, entryCloseTime, type AccountTxEntry, type PayChannelEntry } from './ledger-answers.js';
import { submitAndWait, type SubmitHooks, type TxLabel } from './submit.js';
import { recoverXrplIntents } from './recover.js';
import { checkCovers, spendable, type XrplSpendable } from './reserve.js';

export { TF_CLOSE } from './transactions.js';
export { RIPPLE_EPOCH_OFFSET } from './connection.js';
export { XrplCallError, resultMeaning } from './result-codes.js';

/** How to reach the ledger. */
export interface XrplChainOptions {
  /** rippled WebSocket URL (ws:// or wss://). */
  server: string;
  /** The account's family seed (s…). */
  seed: string;
  logger: Logger;
  /** Bound on every request, ms (default 10000). */
  requestTimeoutMs?: number;
  /** How often a submitted transaction is looked up until validated, ms (default 1000). */
  validationPollMs?: number;
  /** Where each transaction's intent is written before it is submitted, and who hears outcomes (submit.ts). */
  hooks?: SubmitHooks;
}

/** How many deleted channels the adapter remembers (their final state, for getChannel). */
const GONE_LIMIT = 10_000;

export class XrplChain implements ChainAdapter {
  readonly chain = 'xrpl' as const;
  readonly contract = 'PayChannel';
  readonly token = 'XRP';
  readonly decimals = 6;
  readonly features = { withdraw: false, cooperativeClose: false };
  /** SettleDelay bounds we accept: one hour to a year (the ledger itself accepts any 32-bit value). */
  readonly settlementTimeoutRange = [3600, 365 * 24 * 3600] as const;
  private readonly queue = new SerialQueue();
  /**
   * Channels we saw the ledger delete (in our own transactions' or account_tx metadata), with their
   * final fields. The ledger keeps nothing of a deleted channel, and a receiver's claim with tfClose
   * pays and deletes in one transaction: without this, the sender would never read what was paid.
   */
  private readonly gone = new Map<string, OnchainChannel>();

  private constructor(
    private readonly xrpl: Xrpl,
    private readonly connection: XrplConnection,
    private readonly wallet: Wallet,
    readonly chainId: number,
    private readonly logger: Logger,
    private readonly validationPollMs: number,
    private readonly hooks: SubmitHooks,
  ) {}

  /**
   * Connects, reads the network id from server_info and derives the wallet from the seed.
   * @throws XrplCallError when the seed is malformed or the server cannot be reached
   */
  static async connect(o: XrplChainOptions): Promise<XrplChain> {
    const xrpl = await loadXrpl();
    let wallet: Wallet;
    try {
      wallet = xrpl.Wallet.fromSeed(o.seed);
    } catch (err) {
      throw new XrplCallError('settlement.xrpl seed is not a valid XRP Ledger family seed (it starts with "s"; generate one with xrpl Wallet.generate())', undefined, undefined, {
        cause: err,
      });
    }
    const connection = await XrplConnection.open(xrpl, o.server, o.logger, o.requestTimeoutMs ?? 10_000);
    return new XrplChain(xrpl, connection, wallet, connection.networkId, o.logger, o.validationPollMs ?? 1000, o.hooks ?? {});
  }

  get address(): string {
    return this.wallet.classicAddress;
  }

  /** The wallet's public key, hex, as a channel's PublicKey field holds it. */
  get publicKey(): string {
    return this.wallet.publicKey;
  }

  // ---------------------------------------------------------------- local signing (no RPC)

  /** The ledger's own claim: signature over (channel, cumulative drops). The nonce is not part of it. */
  signBalanceProof(channelId: string, _nonce: bigint, transferredAmount: bigint): string {
    try {
      return signClaim(this.xrpl, this.wallet.privateKey, channelId, transferredAmount);
    } catch (err) {
      throw new XrplCallError(describe(err), undefined, undefined, { cause: err });
    }
  }

  /** Verifies against the channel's PublicKey (the nonce is not part of XRPL claims). */
  verifyBalanceProof(channel: OnchainChannel, _nonce: bigint, transferredAmount: bigint, signature: string): boolean {
    return verifyClaim(this.xrpl, channel.publicKey, channel.channelId, transferredAmount, signature);
  }

  sameAddress(a: string, b: string): boolean {
    return a === b;
  }

  normalizeChannelId(id: string): string | undefined {
    return normalizeChannelId(id);
  }

  isAddress(address: string): boolean {
    return typeof address === 'string' && this.xrpl.isValidClassicAddress(address);
  }

  // ---------------------------------------------------------------- transactions

  /** PaymentChannelCreate from us to `receiver`; the channel id comes from the validated metadata. */
  openChannel(receiver: string, settlementTimeout: number, deposit: bigint): Promise<TxResult & { channelId: string }> {
    return this.serial(async () => {
      if (!this.isAddress(receiver)) throw new XrplCallError(`cannot open a channel to ${receiver}: not a classic XRP Ledger address (r…)`);
      if (this.sameAddress(receiver, this.address)) throw new XrplCallError('cannot open a channel to our own account');
      this.checkTimeout(settlementTimeout);
      this.checkDrops('deposit', deposit);
      checkCovers(await this.spendable(true), deposit, `Opening a channel to ${receiver}`, this.address);
      const r = await this.submit({ what: 'PaymentChannelCreate', amount: deposit }, channelCreateTx(this.address, receiver, deposit, settlementTimeout, this.wallet.publicKey));
      const created = affectedNodes(r.meta).find((n) => n.CreatedNode?.LedgerEntryType === 'PayChannel')?.CreatedNode;
      if (created === undefined) throw new XrplCallError(`PaymentChannelCreate ${r.txHash} was validated but its metadata names no created PayChannel`, 'tesSUCCESS', r.txHash);
      return { txHash: r.txHash, gasUsed: r.gasUsed, channelId: created.LedgerIndex.toUpperCase() };
    });
  }

  /** PaymentChannelFund with the difference between `totalDeposit` and the channel's current Amount. */
  setTotalDeposit(channelId: string, totalDeposit: bigint): Promise<TxResult> {
    return this.serial(async () => {
      const id = this.channelId(channelId);
      const current = await this.getChannel(id);
      if (current.state === 'none' || current.state === 'settled') throw new XrplCallError(`cannot fund channel ${id}: it is not on the ledger`, undefined);
      if (totalDeposit <= current.deposit) {
        throw new XrplCallError(`cannot set channel ${id}'s deposit to ${totalDeposit} drops: it already holds ${current.deposit} (a deposit can only grow)`);
      }
      const add = totalDeposit - current.deposit;
      this.checkDrops('deposit increase', add);
      checkCovers(await this.spendable(false), add, `Funding channel ${id}`, this.address);
      const r = await this.submit({ what: 'PaymentChannelFund', channelId: id, amount: totalDeposit }, channelFundTx(this.address, id, add));
      return { txHash: r.txHash, gasUsed: r.gasUsed };
    });
  }

  /**
   * The receiver's PaymentChannelClaim: Balance = Amount = the claim's cumulative drops, the sender's
   * signature and the channel's PublicKey; `close` adds tfClose (the receiver's close is immediate).
   * A claim no higher than what was already redeemed is left out (the ledger would refuse it): with
   * `close` the transaction only closes; without, it is an error.
   */
  claim(channelId: string, _nonce: bigint, transferredAmount: bigint, signature: string, close = false): Promise<TxResult> {
    return this.serial(async () => {
      const id = this.channelId(channelId);
      const ch = await this.getChannel(id);
      if (ch.state === 'none' || ch.state === 'settled') throw new XrplCallError(`cannot redeem on channel ${id}: it is not on the ledger (closed, or never created)`);
      let tx;
      if (transferredAmount > ch.claimed) {
        if (transferredAmount > ch.deposit) {
          throw new XrplCallError(`cannot redeem ${transferredAmount} drops on channel ${id}: it holds only ${ch.deposit}`);
        }
        if (ch.publicKey === undefined) throw new XrplCallError(`channel ${id} holds no PublicKey`);
        tx = channelRedeemTx(this.address, id, transferredAmount, signature, ch.publicKey, close);
      } else if (close) {
        tx = channelCloseTx(this.address, id);
      } else {
        throw new XrplCallError(`nothing to redeem on channel ${id}: ${ch.claimed} drops are already paid out and the claim is for ${transferredAmount}`);
      }
      const r = await this.submit({ what: 'PaymentChannelClaim', channelId: id, amount: transferredAmount }, tx);
      // An expired channel is deleted by any transaction on it, and the claim in it is then ignored
      // (tesSUCCESS all the same): the final Balance says whether it was paid.
      if (tx.Balance !== undefined) {
        const node = affectedNodes(r.meta).map((n) => n.ModifiedNode ?? n.DeletedNode).find((n) => n?.LedgerEntryType === 'PayChannel' && n.LedgerIndex.toUpperCase() === id);
        const paid = node?.FinalFields?.Balance;
        if (paid !== undefined && BigInt(paid) < transferredAmount) {
          throw new XrplCallError(
            `PaymentChannelClaim ${r.txHash} paid nothing: channel ${id} had expired (its SettleDelay after the sender's close ran out) and the ledger closed it, paying out ${paid} drops in all`,
            'tesSUCCESS',
            r.txHash,
          );
        }
      }
      return { txHash: r.txHash, gasUsed: r.gasUsed };
    });
  }

  /**
   * PaymentChannelClaim with tfClose. The sender's sets the channel's Expiration to SettleDelay from
   * now (the ledger deletes the channel on the first transaction after it: settleChannel); the
   * receiver's closes at once, refunding the sender what was not claimed.
   */
  closeChannel(channelId: string): Promise<TxResult> {
    return this.serial(async () => {
      const id = this.channelId(channelId);
      const r = await this.submit({ what: 'PaymentChannelClaim', channelId: id }, channelCloseTx(this.address, id));
      return { txHash: r.txHash, gasUsed: r.gasUsed };
    });
  }

  /** After the channel's Expiration: the PaymentChannelClaim (tfClose) that makes the ledger delete it and refund the sender. */
  settleChannel(channelId: string): Promise<TxResult> {
    return this.serial(async () => {
      const id = this.channelId(channelId);
      const ch = await this.getChannel(id);
      if (ch.state === 'none') throw new XrplCallError(`cannot settle channel ${id}: it is not on the ledger (already closed, or never created)`);
      if (ch.state === 'settled') throw new XrplCallError(`cannot settle channel ${id}: it is settled (the ledger deleted it)`);
      if (ch.state !== 'closing') throw new XrplCallError(`cannot settle channel ${id}: it is open (close it first; settling is possible SettleDelay after that)`);
      const expiresAt = ch.closedAt + ch.settlementTimeout;
      const now = (await this.latestValidated()).closeTime;
      if (now < expiresAt) {
        throw new XrplCallError(
          `cannot settle channel ${id} yet: it expires at ${new Date(expiresAt * 1000).toISOString()} and the last validated ledger closed at ${new Date(now * 1000).toISOString()}`,
        );
      }
      const r = await this.submit({ what: 'PaymentChannelClaim', channelId: id }, channelCloseTx(this.address, id));
      return { txHash: r.txHash, gasUsed: r.gasUsed };
    });
  }

  // ---------------------------------------------------------------- reads

  /** The channel from the last validated ledger; `none` when the ledger holds no such channel. */
  async getChannel(channelId: string): Promise<OnchainChannel> {
    const id = this.channelId(channelId);
    let node: PayChannelEntry;
    try {
      const res = await this.connection.request<{ node?: PayChannelEntry }>({ command: 'ledger_entry', payment_channel: id, ledger_index: 'validated' });
      if (res.node === undefined) throw new XrplCallError(`ledger_entry for channel ${id} returned no node`);
      node = res.node;
    } catch (err) {
      if (err instanceof XrplCallError && err.resultCode === 'entryNotFound') {
        const final = this.gone.get(id);
        if (final !== undefined) return { ...final };
        return { channelId: id, sender: '', receiver: '', settlementTimeout: 0, state: 'none', closedAt: 0, deposit: 0n, withdrawn: 0n, claimed: 0n, nonce: 0n };
      }
      throw err;
    }
    const expiration = node.Expiration === undefined ? undefined : node.Expiration + RIPPLE_EPOCH_OFFSET;
    return {
      channelId: id,
      sender: node.Account,
      receiver: node.Destination,
      settlementTimeout: node.SettleDelay,
      state: expiration === undefined ? 'open' : 'closing',
      closedAt: expiration === undefined ? 0 : expiration - node.SettleDelay,
      deposit: BigInt(node.Amount),
      withdrawn: 0n,
      claimed: BigInt(node.Balance),
      nonce: 0n,
      publicKey: node.PublicKey.toUpperCase(),
    };
  }

  /**
   * Validated transactions of our account after ledger `fromBlock` that touch payment channels. Every
   * channel we pay or are paid through threads its transactions to our account, so `watched` needs no
   * extra reads.
   */
  async poll(fromBlock: number, watched: readonly string[] = []): Promise<{ toBlock: number; timestamp: number; events: ChainEvent[] }> {
    const latest = await this.latestValidated();
    const events: ChainEvent[] = [];
    if (latest.index <= fromBlock) return { toBlock: Math.max(latest.index, fromBlock), timestamp: latest.closeTime, events };
    let min = fromBlock + 1;
    let marker: unknown;
    do {
      let res: { transactions: AccountTxEntry[]; marker?: unknown };
      try {
        res = await this.connection.request({
          command: 'account_tx',
          account: this.address,
          ledger_index_min: min,
          ledger_index_max: latest.index,
          forward: true,
          limit: 200,
          ...(marker === undefined ? {} : { marker }),
        });
      } catch (err) {
        // The server no longer holds the ledgers after `fromBlock` (API v2 then refuses the range):
        // read what it has, and name every watched channel, since any of them may have changed unseen.
        if (!(err instanceof XrplCallError && HISTORY_GONE.has(err.resultCode ?? '')) || min === -1 || marker !== undefined) throw err;
        this.logger.warn({ fromLedger: min, server: this.connection.serverShown }, 'the XRP Ledger server does not hold every ledger since the last one read; re-reading the watched channels');
        min = -1;
        for (const id of watched) {
          const channelId = this.normalizeChannelId(id);
          if (channelId !== undefined) events.push({ name: 'ChannelMaybeChanged', channelId, blockNumber: latest.index, txHash: '' });
        }
        continue;
      }
      for (const entry of res.transactions) {
        this.rememberDeleted(entry.meta, entryCloseTime(entry));
        const e = channelEvent(entry);
        if (e !== undefined) events.push(e);
      }
      marker = res.marker;
    } while (marker !== undefined);
    return { toBlock: latest.index, timestamp: latest.closeTime, events };
  }

  async blockNumber(): Promise<number> {
    return (await this.latestValidated()).index;
  }

  /** account_info Balance in drops from the last validated ledger; 0 for an account the ledger does not hold. */
  async tokenBalance(address: string): Promise<bigint> {
    try {
      const res = await this.connection.request<{ account_data: { Balance: string } }>({ command: 'account_info', account: address, ledger_index: 'validated' });
      return BigInt(res.account_data.Balance);
    } catch (err) {
      if (err instanceof XrplCallError && err.resultCode === 'actNotFound') return 0n;
      throw err;
    }
  }

  /** Our validated Balance less the base and owner reserve (server_info's figures) and the fee (reserve.ts). */
  spendable(newChannel: boolean): Promise<XrplSpendable> {
    return spendable(this.connection, this.address, newChannel);
  }

  /**
   * Reconciles the transactions a crash left open (recover.ts): decided ones are reported at once; one
   * submitted again is followed in the transaction queue, ahead of anything sent after the start.
   */
  async recoverIntents(): Promise<void> {
    for (const r of await recoverXrplIntents(this.xrpl, this.connection, this.address, this.logger, this.validationPollMs, this.hooks)) {
      const wait = r.wait;
      if (wait === undefined) continue;
      void this.serial(async () => {
        const v = await wait();
        this.rememberDeleted(v.meta, v.closeTime);
      }).catch((err: unknown) => this.logger.warn({ kind: r.intent.kind, sequence: r.intent.nonce, err: describe(err) }, 'recovered XRPL transaction failed'));
    }
  }

  close(): void {
    this.connection.close();
  }

  // ---------------------------------------------------------------- internals

  private channelId(channelId: string): string {
    const id = this.normalizeChannelId(channelId);
    if (id === undefined) throw new XrplCallError(`${channelId} is not an XRPL channel id (64 hex digits)`);
    return id;
  }

  private checkTimeout(settleDelay: number): void {
    const problem = settleDelayProblem(this.settlementTimeoutRange, settleDelay);
    if (problem !== undefined) throw new XrplCallError(problem);
  }

  private checkDrops(what: string, drops: bigint): void {
    if (drops <= 0n || drops > MAX_DROPS) throw new XrplCallError(`the ${what} must be a positive number of drops, not ${drops}`);
  }

  /** Remembers the final state of every PayChannel a transaction's metadata shows deleted. */
  private rememberDeleted(meta: TransactionMetadata | string | undefined, closeTime: number | undefined): void {
    for (const channel of deletedChannels(meta, closeTime)) {
      this.gone.delete(channel.channelId);
      this.gone.set(channel.channelId, channel);
      if (this.gone.size > GONE_LIMIT) this.gone.delete(this.gone.keys().next().value as string);
    }
  }

  /** Runs `fn` after every transaction queued before it. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    return this.queue.run(fn);
  }

  private latestValidated(): Promise<{ index: number; closeTime: number }> {
    return this.connection.latestValidated();
  }

  /** Submits `tx` and waits until a validated ledger holds it (submit.ts); remembers channels it deleted. */
  private async submit(label: TxLabel, tx: SubmittableTransaction): Promise<TxResult & { meta: TransactionMetadata }> {
    const r = await submitAndWait(this.connection, this.wallet, this.logger, this.validationPollMs, label, tx, this.hooks);
    this.rememberDeleted(r.meta, r.closeTime);
    return { txHash: r.txHash, gasUsed: r.gasUsed, meta: r.meta };
  }
}
