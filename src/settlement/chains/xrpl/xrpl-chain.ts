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
import type { Client, SubmittableTransaction, TransactionMetadata, Wallet } from 'xrpl';
import type { Logger } from 'pino';
import type { ChainAdapter, ChainEvent, OnchainChannel, TxResult } from '../../chain.js';
import { MAX_DROPS, normalizeChannelId, signClaim, verifyClaim } from './claims.js';
import { loadXrpl, type Xrpl } from './sdk.js';
import { channelCloseTx, channelCreateTx, channelFundTx, channelRedeemTx } from './transactions.js';
import { redactUrl } from '../redact.js';

export { TF_CLOSE } from './transactions.js';

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
}

/** A failure talking to the ledger, or a transaction the ledger did not apply (with its result code). */
export class XrplCallError extends Error {
  constructor(
    message: string,
    /** The transaction result (`tecUNFUNDED_PAYMENT`), when the ledger gave one. */
    readonly resultCode?: string,
    readonly txHash?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'XrplCallError';
  }
}

/** Seconds between the Unix epoch and the Ripple epoch (2000-01-01T00:00:00Z). */
export const RIPPLE_EPOCH_OFFSET = 946_684_800;

/**
 * What the result codes we can meet mean, for error messages. rippled names the code; these say what
 * was wrong in this adapter's terms.
 */
const RESULT_MEANINGS: Record<string, string> = {
  tecNO_DST: 'the destination account does not exist (fund it with at least the base reserve first)',
  tecNO_DST_INSUF_XRP: 'the destination account does not exist and this would not fund its reserve',
  tecUNFUNDED: 'our account cannot cover the amount and keep its reserve',
  tecUNFUNDED_PAYMENT: 'the claim asks for more than the channel holds, or for no more than was already claimed',
  tecINSUFFICIENT_RESERVE: 'our account cannot meet the reserve for one more ledger object (the channel)',
  tecNO_PERMISSION: 'this account may not do that on this channel (only its source or destination may)',
  tecNO_ENTRY: 'no such channel on the ledger (closed, or never created)',
  tecNO_TARGET: 'no such channel on the ledger',
  tecDST_TAG_NEEDED: 'the destination requires a destination tag',
  tecEXPIRED: 'the channel has expired',
  tecNO_AUTH: 'the destination does not accept channels from this account (deposit authorization)',
  temBAD_AMOUNT: 'the amount is not a positive XRP amount, or the claim exceeds its authorized amount',
  temBAD_SIGNATURE: 'the claim signature does not verify against the channel key, or is missing',
  temBAD_SIGNER: 'the claim public key is not the channel key',
  temBAD_EXPIRATION: 'the expiration is malformed',
  temMALFORMED: 'the transaction is malformed',
  temDISABLED: 'payment channels are not enabled on this network',
  temDST_IS_SRC: 'a channel to ourselves is not allowed',
  tefPAST_SEQ: 'the sequence number was already used (another transaction from this account got there first)',
  tefMAX_LEDGER: 'the LastLedgerSequence has already passed',
  tefBAD_AUTH: 'the key does not sign for this account',
  telINSUF_FEE_P: 'the fee is below what the server currently asks (it is loaded)',
  terNO_ACCOUNT: 'our account does not exist on the ledger (fund it first)',
  terINSUF_FEE_B: 'our account cannot pay the fee',
};

/** The meaning of a result code, for messages. */
export function resultMeaning(code: string, serverMessage?: string): string {
  return RESULT_MEANINGS[code] ?? serverMessage ?? 'see https://xrpl.org/docs/references/protocol/transactions/transaction-results';
}

/** A PayChannel ledger entry as ledger_entry returns it. */
interface PayChannelEntry {
  Account: string;
  Destination: string;
  Amount: string;
  Balance: string;
  SettleDelay: number;
  PublicKey: string;
  Expiration?: number;
  CancelAfter?: number;
}

/** One account_tx entry (API v1 `tx`, v2 `tx_json` + `hash`). */
interface AccountTxEntry {
  tx?: Record<string, unknown> & { hash?: string; ledger_index?: number };
  tx_json?: Record<string, unknown>;
  hash?: string;
  ledger_index?: number;
  meta?: TransactionMetadata | string;
  validated?: boolean;
  close_time_iso?: string;
}

interface AffectedNode {
  CreatedNode?: { LedgerEntryType: string; LedgerIndex: string; NewFields?: Record<string, unknown> };
  ModifiedNode?: { LedgerEntryType: string; LedgerIndex: string; FinalFields?: Partial<PayChannelEntry> };
  DeletedNode?: { LedgerEntryType: string; LedgerIndex: string; FinalFields?: Partial<PayChannelEntry> };
}

/** account_tx errors for a ledger range the server does not (fully) hold. */
const HISTORY_GONE = new Set(['lgrIdxMalformed', 'lgrIdxsInvalid', 'lgrIdxInvalid', 'lgrNotFound']);

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
  private queue: Promise<unknown> = Promise.resolve();
  private connecting: Promise<void> | undefined;
  private closed = false;
  /**
   * Channels we saw the ledger delete (in our own transactions' or account_tx metadata), with their
   * final fields. The ledger keeps nothing of a deleted channel, and a receiver's claim with tfClose
   * pays and deletes in one transaction: without this, the sender would never read what was paid.
   */
  private readonly gone = new Map<string, OnchainChannel>();

  private constructor(
    private readonly xrpl: Xrpl,
    private readonly client: Client,
    private readonly wallet: Wallet,
    readonly chainId: number,
    private readonly server: string,
    private readonly logger: Logger,
    private readonly requestTimeoutMs: number,
    private readonly validationPollMs: number,
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
    const requestTimeoutMs = o.requestTimeoutMs ?? 10_000;
    const client = new xrpl.Client(o.server, { timeout: requestTimeoutMs, connectionTimeout: requestTimeoutMs });
    // The client emits 'error' for socket trouble; requests fail on their own and are reported there.
    client.on('error', (...args: unknown[]) => o.logger.debug({ args: args.slice(0, 2) }, 'xrpl client error'));
    try {
      await withTimeout(client.connection.connect(), requestTimeoutMs, `connect to ${redactUrl(o.server)}`);
      const info = await withTimeout(client.request({ command: 'server_info' }), requestTimeoutMs, 'server_info');
      // Feed the client what its own connect() would have read (autofill uses it for NetworkID).
      const c = client as unknown as { networkID?: number; buildVersion?: string };
      c.networkID = info.result.info.network_id;
      c.buildVersion = info.result.info.build_version;
      const chainId = info.result.info.network_id ?? 0;
      return new XrplChain(xrpl, client, wallet, chainId, o.server, o.logger, requestTimeoutMs, o.validationPollMs ?? 1000);
    } catch (err) {
      await client.disconnect().catch(() => undefined);
      throw new XrplCallError(`cannot use the XRP Ledger server at ${redactUrl(o.server)}: ${describe(err)}`, undefined, undefined, { cause: err });
    }
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
      const r = await this.submit('PaymentChannelCreate', channelCreateTx(this.address, receiver, deposit, settlementTimeout, this.wallet.publicKey));
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
      const r = await this.submit('PaymentChannelFund', channelFundTx(this.address, id, add));
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
      const r = await this.submit('PaymentChannelClaim', tx);
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
      const r = await this.submit('PaymentChannelClaim', channelCloseTx(this.address, id));
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
      const r = await this.submit('PaymentChannelClaim', channelCloseTx(this.address, id));
      return { txHash: r.txHash, gasUsed: r.gasUsed };
    });
  }

  // ---------------------------------------------------------------- reads

  /** The channel from the last validated ledger; `none` when the ledger holds no such channel. */
  async getChannel(channelId: string): Promise<OnchainChannel> {
    const id = this.channelId(channelId);
    let node: PayChannelEntry;
    try {
      const res = await this.request<{ node?: PayChannelEntry }>({ command: 'ledger_entry', payment_channel: id, ledger_index: 'validated' });
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
        res = await this.request({
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
        this.logger.warn({ fromLedger: min, server: redactUrl(this.server) }, 'the XRP Ledger server does not hold every ledger since the last one read; re-reading the watched channels');
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
      const res = await this.request<{ account_data: { Balance: string } }>({ command: 'account_info', account: address, ledger_index: 'validated' });
      return BigInt(res.account_data.Balance);
    } catch (err) {
      if (err instanceof XrplCallError && err.resultCode === 'actNotFound') return 0n;
      throw err;
    }
  }

  close(): void {
    this.closed = true;
    void this.client.disconnect().catch(() => undefined);
  }

  // ---------------------------------------------------------------- internals

  private channelId(channelId: string): string {
    const id = this.normalizeChannelId(channelId);
    if (id === undefined) throw new XrplCallError(`${channelId} is not an XRPL channel id (64 hex digits)`);
    return id;
  }

  private checkTimeout(settleDelay: number): void {
    const [min, max] = this.settlementTimeoutRange;
    if (!Number.isInteger(settleDelay) || settleDelay < min || settleDelay > max) {
      throw new XrplCallError(`SettleDelay ${settleDelay} s is outside ${min}..${max} s`);
    }
  }

  private checkDrops(what: string, drops: bigint): void {
    if (drops <= 0n || drops > MAX_DROPS) throw new XrplCallError(`the ${what} must be a positive number of drops, not ${drops}`);
  }

  /** Remembers the final state of every PayChannel a transaction's metadata shows deleted. */
  private rememberDeleted(meta: TransactionMetadata | string | undefined, closeTime: number | undefined): void {
    for (const n of affectedNodes(meta)) {
      const d = n.DeletedNode;
      const f = d?.FinalFields;
      if (d?.LedgerEntryType !== 'PayChannel' || f?.Account === undefined || f.Destination === undefined || f.Amount === undefined) continue;
      const id = d.LedgerIndex.toUpperCase();
      const settleDelay = Number(f.SettleDelay ?? 0);
      const closedAt = f.Expiration !== undefined ? f.Expiration + RIPPLE_EPOCH_OFFSET - settleDelay : (closeTime ?? 0);
      this.gone.delete(id);
      this.gone.set(id, {
        channelId: id,
        sender: f.Account,
        receiver: f.Destination,
        settlementTimeout: settleDelay,
        state: 'settled',
        closedAt,
        deposit: BigInt(f.Amount),
        withdrawn: 0n,
        claimed: BigInt(f.Balance ?? '0'),
        nonce: 0n,
        ...(f.PublicKey === undefined ? {} : { publicKey: f.PublicKey.toUpperCase() }),
      });
      if (this.gone.size > GONE_LIMIT) this.gone.delete(this.gone.keys().next().value as string);
    }
  }

  /** Runs `fn` after every transaction queued before it. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** The latest validated ledger: index and close time (Unix seconds). */
  private async latestValidated(): Promise<{ index: number; closeTime: number }> {
    const res = await this.request<{ ledger_index: number; ledger: { close_time: number } }>({ command: 'ledger', ledger_index: 'validated' });
    return { index: Number(res.ledger_index), closeTime: res.ledger.close_time + RIPPLE_EPOCH_OFFSET };
  }

  /** Reconnects when the socket dropped (one attempt at a time, shared by concurrent callers). */
  private async ensureConnected(): Promise<void> {
    if (this.closed) throw new XrplCallError('the XRP Ledger connection was closed');
    if (this.client.isConnected()) return;
    this.connecting ??= this.reconnect().finally(() => {
      this.connecting = undefined;
    });
    await this.connecting;
  }

  /**
   * Dials again until connected or the request timeout has passed. A socket the server just cut may
   * still be closing (xrpl then refuses to dial: "never cleaned up"), so that is retried shortly after.
   */
  private async reconnect(): Promise<void> {
    const deadline = Date.now() + this.requestTimeoutMs;
    for (;;) {
      try {
        await withTimeout(this.client.connection.connect(), Math.max(1, deadline - Date.now()), `reconnect to ${redactUrl(this.server)}`);
        this.logger.info({ server: redactUrl(this.server) }, 'reconnected to the XRP Ledger server');
        return;
      } catch (err) {
        if (this.client.isConnected()) return;
        if (this.closed || Date.now() + 100 >= deadline) {
          throw new XrplCallError(`the XRP Ledger server at ${redactUrl(this.server)} cannot be reached: ${describe(err)}`, undefined, undefined, { cause: err });
        }
        await sleep(100);
      }
    }
  }

  /** One request, bounded by the timeout; rippled errors become XrplCallError with the error code. */
  private async request<T>(req: Record<string, unknown>): Promise<T> {
    await this.ensureConnected();
    const command = String(req.command);
    try {
      const res = await withTimeout(
        this.client.connection.request<{ command: string; api_version: number }, { result: T }>({ command, api_version: 2, ...req }, this.requestTimeoutMs),
        this.requestTimeoutMs + 100,
        command,
      );
      return res.result;
    } catch (err) {
      const data = (err as { data?: { error?: unknown; error_message?: unknown } } | null)?.data;
      if (typeof data?.error === 'string') {
        throw new XrplCallError(`${command} failed: ${data.error}${typeof data.error_message === 'string' ? ` (${data.error_message})` : ''}`, data.error, undefined, { cause: err });
      }
      throw new XrplCallError(`${command} failed: ${describe(err)}`, undefined, undefined, { cause: err });
    }
  }

  /**
   * Autofills (sequence, fee, LastLedgerSequence), signs locally, submits the blob, and waits until a
   * validated ledger holds it. @throws XrplCallError naming the hash and result code otherwise
   */
  private async submit(what: string, tx: SubmittableTransaction): Promise<TxResult & { meta: TransactionMetadata }> {
    await this.ensureConnected();
    let prepared: SubmittableTransaction;
    try {
      prepared = await withTimeout(this.client.autofill(tx), this.requestTimeoutMs * 2, `${what} autofill`);
    } catch (err) {
      if (err instanceof XrplCallError) throw err;
      const data = (err as { data?: { error?: unknown } } | null)?.data;
      const code = typeof data?.error === 'string' ? data.error : undefined;
      const hint = code === 'actNotFound' ? ': our account is not on the ledger yet (send it at least the base reserve in XRP)' : '';
      throw new XrplCallError(`${what}: cannot prepare the transaction: ${describe(err)}${hint}`, code, undefined, { cause: err });
    }
    const signed = this.wallet.sign(prepared);
    const hash = signed.hash;
    const last = prepared.LastLedgerSequence;
    let prelim: string;
    try {
      const res = await this.request<{ engine_result: string; engine_result_message?: string }>({ command: 'submit', tx_blob: signed.tx_blob });
      prelim = res.engine_result;
      // tes: applied to the open ledger; ter: queued or to be retried; tec: applied as a failure (fee
      // claimed), final only once validated. tef / tel / tem: never applied, no point waiting.
      if (!/^(tes|ter|tec)/.test(prelim)) {
        throw new XrplCallError(`${what} ${hash} was refused: ${prelim}: ${resultMeaning(prelim, res.engine_result_message)}`, prelim, hash);
      }
    } catch (err) {
      // No answer (timeout, dropped socket): the server may have taken it all the same. Its hash and
      // LastLedgerSequence still tell: follow it like any other.
      if (!(err instanceof XrplCallError) || err.resultCode !== undefined) throw err;
      this.logger.warn({ what, txHash: hash, err: err.message }, 'no answer to submit; following the transaction by its hash');
      prelim = 'no answer to submit';
    }
    this.logger.debug({ what, txHash: hash, prelim }, 'transaction submitted');
    for (;;) {
      await sleep(this.validationPollMs);
      let found: { validated?: boolean; meta?: TransactionMetadata | string; ledger_index?: number; close_time_iso?: string } | undefined;
      try {
        found = await this.request({ command: 'tx', transaction: hash });
      } catch (err) {
        if (!(err instanceof XrplCallError && err.resultCode === 'txnNotFound')) throw err;
      }
      if (found?.validated === true && typeof found.meta === 'object') {
        const code = found.meta.TransactionResult;
        if (code !== 'tesSUCCESS') {
          throw new XrplCallError(`${what} ${hash} failed in ledger ${found.ledger_index}: ${code}: ${resultMeaning(code)}`, code, hash);
        }
        this.rememberDeleted(found.meta, entryCloseTime(found));
        const fee = BigInt((prepared as { Fee?: string }).Fee ?? '0');
        this.logger.debug({ what, txHash: hash, fee: fee.toString() }, 'transaction validated');
        return { txHash: hash, gasUsed: fee, meta: found.meta };
      }
      if (last !== undefined) {
        const latest = await this.latestValidated();
        if (latest.index > last) {
          throw new XrplCallError(
            `${what} ${hash} expired: no validated ledger up to its LastLedgerSequence ${last} holds it (latest validated ${latest.index}; submit said ${prelim}). Nothing was applied; try again.`,
            prelim,
            hash,
          );
        }
      }
    }
  }
}

/** The ChainEvent for one account_tx entry, when it is a validated, successful channel transaction. */
function channelEvent(entry: AccountTxEntry): ChainEvent | undefined {
  const tx = entry.tx_json ?? entry.tx;
  const meta = entry.meta;
  if (tx === undefined || typeof meta !== 'object' || entry.validated === false || meta.TransactionResult !== 'tesSUCCESS') return undefined;
  const type = tx.TransactionType;
  const hash = String(entry.hash ?? entry.tx?.hash ?? '');
  const blockNumber = Number(entry.ledger_index ?? entry.tx?.ledger_index ?? 0);
  const nodes = affectedNodes(meta);
  if (type === 'PaymentChannelCreate') {
    const created = nodes.find((n) => n.CreatedNode?.LedgerEntryType === 'PayChannel')?.CreatedNode;
    if (created === undefined) return undefined;
    return { name: 'ChannelOpened', channelId: created.LedgerIndex.toUpperCase(), sender: String(tx.Account), receiver: String(tx.Destination), blockNumber, txHash: hash };
  }
  if (type === 'PaymentChannelFund' || type === 'PaymentChannelClaim') {
    const deleted = nodes.some((n) => n.DeletedNode?.LedgerEntryType === 'PayChannel');
    const name = deleted ? 'ChannelSettled' : type === 'PaymentChannelFund' ? 'ChannelFunded' : 'ChannelClaimed';
    return { name, channelId: String(tx.Channel).toUpperCase(), blockNumber, txHash: hash };
  }
  return undefined;
}

/** A validated transaction's ledger close time, Unix seconds (undefined when the answer has none). */
function entryCloseTime(e: { close_time_iso?: string; date?: unknown; tx?: Record<string, unknown> }): number | undefined {
  if (typeof e.close_time_iso === 'string') {
    const t = Date.parse(e.close_time_iso);
    if (Number.isFinite(t)) return Math.floor(t / 1000);
  }
  const date = typeof e.date === 'number' ? e.date : typeof e.tx?.date === 'number' ? e.tx.date : undefined;
  return date === undefined ? undefined : date + RIPPLE_EPOCH_OFFSET;
}

function affectedNodes(meta: TransactionMetadata | string | undefined): AffectedNode[] {
  if (typeof meta !== 'object') return [];
  return (meta as unknown as { AffectedNodes?: AffectedNode[] }).AffectedNodes ?? [];
}

function describe(err: unknown): string {
  const e = err as { message?: unknown } | null;
  return typeof e?.message === 'string' ? e.message.split('\n')[0] : String(err);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** `p`, or a rejection naming `what` after `ms`. */
function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new XrplCallError(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
