/**
 * The Aptos chain adapter: our Move module `payment_channel` (contracts/aptos) through
 * @aptos-labs/ts-sdk 6 and a fullnode's REST API.
 *
 * Claims are Ed25519 signatures over the BCS claim message (claim-message.ts); they are signed and
 * verified locally with the SDK. Transactions are entry-function calls built with the module's ABI
 * written out here (no ABI fetch), signed with our key, submitted as BCS and waited for; they go out
 * one at a time (a promise queue), so two never race for a sequence number. A failed transaction is
 * an error naming its hash and VM status, with the module's abort code in words. Every HTTP request
 * is bounded by `requestTimeoutMs`. The private key stays inside the SDK's Account: it is never
 * logged or returned.
 */
import type {
  Account as AccountT,
  Aptos as AptosT,
  Client,
  CommittedTransactionResponse,
  LedgerInfo,
  EntryFunctionABI,
  EntryFunctionArgumentTypes,
  MoveValue,
  TransactionResponse,
} from '@aptos-labs/ts-sdk';
import type { Logger } from 'pino';
import type { ChainAdapter, ChainEvent, OnchainChannel, OnchainState, TxResult } from '../../chain.js';
import { channelIdBytes, claimMessageBytes, toHex } from './claim-message.js';
import { timeoutClient } from './http.js';
import { loadAptosSdk, type AptosSdk } from './sdk.js';
import { redactUrl } from '../redact.js';
import { txSent } from '../../operation-log.js';
import { SerialQueue, settleDelayProblem } from '../shared.js';
import { AptosCallError, abortIn } from './abort-codes.js';
import { buildSignedTransaction, describe, entryAbis, fetchLedgerInfo, makeAccount, parseModule, quietConfig, u64 } from './support.js';
import type { EntryName, SignedTransaction } from './support.js';

export { ABORTS, AptosCallError } from './abort-codes.js';

/** How to reach the chain. */
export interface AptosChainOptions {
  /** The fullnode REST API, with its /v1 (localnet: http://127.0.0.1:8080/v1). */
  nodeUrl: string;
  /** The published module, `0x<address>::payment_channel`. */
  module: string;
  /** The coin the channels hold (default 0x1::aptos_coin::AptosCoin). */
  coinType?: string;
  /** Ed25519 key: 0x + 64 hex digits, or AIP-80 `ed25519-priv-0x…`. */
  privateKey: string;
  logger: Logger;
  /** Bound on every HTTP request, ms (default 10000). */
  requestTimeoutMs?: number;
  /** How long to wait for a submitted transaction, seconds (default 30). */
  txTimeoutSecs?: number;
  /** Gas limit per transaction (default 100000 units). */
  maxGasAmount?: number;
  /** A transaction expires this long after the chain's current time, seconds (default 60). */
  txExpirySecs?: number;
}

export const APTOS_COIN = '0x1::aptos_coin::AptosCoin';

/** Settle delays the module accepts, seconds (its MIN_SETTLE_DELAY / MAX_SETTLE_DELAY). */
export const APTOS_SETTLE_DELAY_RANGE = [3600, 365 * 24 * 3600] as const;

const STATES: Record<number, OnchainState> = { 0: 'none', 1: 'open', 2: 'closing', 3: 'settled' };
const ACCOUNT_TX_PAGE = 100;


export class AptosChain implements ChainAdapter {
  readonly chain = 'aptos' as const;
  readonly features = { withdraw: false, cooperativeClose: false };
  readonly settlementTimeoutRange = APTOS_SETTLE_DELAY_RANGE;
  private readonly queue = new SerialQueue();
  private readonly abis: Record<EntryName, EntryFunctionABI>;

  private constructor(
    private readonly sdk: AptosSdk,
    /** The SDK client (exposed for tests that decode what we build). */
    readonly aptos: AptosT,
    private readonly account: AccountT,
    readonly chainId: number,
    readonly contract: string,
    private readonly moduleAddress: string,
    readonly token: string,
    readonly decimals: number,
    private readonly logger: Logger,
    private readonly txTimeoutSecs: number,
    private readonly maxGasAmount: number,
    private readonly txExpirySecs: number,
    private readonly client: Client,
    private readonly nodeUrl: string,
  ) {
    this.abis = entryAbis(sdk);
  }

  /**
   * Connects: reads the chain id from the ledger info, checks the module answers its view for the
   * coin type, reads the coin's decimals (8 when the coin has no metadata view).
   * @throws AptosCallError when the node is unreachable or the module is not published there
   */
  static async connect(o: AptosChainOptions): Promise<AptosChain> {
    const sdk = await loadAptosSdk();
    const { moduleAddress, contract, coinType } = parseModule(sdk, o.module, o.coinType ?? APTOS_COIN);
    const account = makeAccount(sdk, o.privateKey);
    const nodeUrl = o.nodeUrl.replace(/\/+$/, '');
    const client = timeoutClient(o.requestTimeoutMs ?? 10_000);
    const aptos = new sdk.Aptos(quietConfig(sdk, nodeUrl, client));
    let chainId: number;
    try {
      chainId = (await fetchLedgerInfo(client, nodeUrl)).chain_id;
    } catch (err) {
      throw new AptosCallError(`cannot reach the Aptos node at ${redactUrl(o.nodeUrl)}: ${describe(err)}`, undefined, undefined, { cause: err });
    }
    let decimals = 8;
    try {
      const [d] = await aptos.viewJson<[number]>({ payload: { function: '0x1::coin::decimals', typeArguments: [coinType as `${string}::${string}::${string}`], functionArguments: [] } });
      decimals = Number(d);
    } catch (err) {
      o.logger.warn({ coinType, err: describe(err) }, 'cannot read the coin decimals from 0x1::coin::decimals; taking 8');
    }
    const chain = new AptosChain(sdk, aptos, account, chainId, contract, moduleAddress, coinType, decimals, o.logger, o.txTimeoutSecs ?? 30, o.maxGasAmount ?? 100_000, o.txExpirySecs ?? 60, client, nodeUrl);
    try {
      await chain.getChannel(`0x${'0'.repeat(64)}`);
    } catch (err) {
      throw new AptosCallError(
        `the module ${contract} does not answer get_channel<${coinType}> on ${redactUrl(o.nodeUrl)} (published there? initialized for this coin?): ${describe(err)}`,
        undefined,
        undefined,
        { cause: err },
      );
    }
    return chain;
  }

  get address(): string {
    return this.account.accountAddress.toString();
  }

  /** Our claim key: 0x + 64 hex digits. */
  get publicKey(): string {
    return this.account.publicKey.toString();
  }

  // ---------------------------------------------------------------- local signing (no RPC)

  /** The BCS claim message for one of this module's channels. */
  claimMessage(channelId: string, nonce: bigint, transferredAmount: bigint): Uint8Array {
    return claimMessageBytes(this.sdk, { chainId: this.chainId, moduleAddress: this.moduleAddress, channelId: channelId.toLowerCase(), amount: transferredAmount, nonce });
  }

  signBalanceProof(channelId: string, nonce: bigint, transferredAmount: bigint): string {
    return this.account.sign(this.claimMessage(channelId, nonce, transferredAmount)).toString();
  }

  verifyBalanceProof(channel: OnchainChannel, nonce: bigint, transferredAmount: bigint, signature: string): boolean {
    try {
      if (channel.publicKey === undefined || !/^0x[0-9a-fA-F]{64}$/.test(channel.publicKey)) return false;
      if (!/^0x[0-9a-fA-F]{128}$/.test(signature)) return false;
      const message = this.claimMessage(channel.channelId, nonce, transferredAmount);
      const key = new this.sdk.Ed25519PublicKey(channel.publicKey);
      return key.verifySignature({ message, signature: new this.sdk.Ed25519Signature(signature) });
    } catch {
      return false;
    }
  }

  sameAddress(a: string, b: string): boolean {
    try {
      return this.parseAddress(a).equals(this.parseAddress(b));
    } catch {
      return false;
    }
  }

  normalizeChannelId(id: string): string | undefined {
    return channelIdBytes(id) === undefined ? undefined : id.toLowerCase();
  }

  isAddress(address: string): boolean {
    return /^0x[0-9a-fA-F]{1,64}$/.test(address);
  }

  // ---------------------------------------------------------------- transactions

  async openChannel(receiver: string, settlementTimeout: number, deposit: bigint): Promise<TxResult & { channelId: string }> {
    const problem = settleDelayProblem(this.settlementTimeoutRange, settlementTimeout);
    if (problem !== undefined) throw new AptosCallError(problem);
    const { MoveVector, U64 } = this.sdk;
    const args = [this.parseAddress(receiver), MoveVector.U8(this.account.publicKey.toUint8Array()), new U64(u64(deposit, 'deposit')), new U64(BigInt(settlementTimeout))];
    return this.queue.run(async () => {
      const { result, txn } = await this.execute('open_channel', args);
      const opened = txn.events.find((e) => this.isOurEvent(e.type, 'ChannelOpened'));
      const id = (opened?.data as { channel_id?: unknown } | undefined)?.channel_id;
      if (typeof id !== 'string') throw new AptosCallError(`open_channel (tx ${result.txHash}) committed without a ChannelOpened event from ${this.contract}`, undefined, result.txHash);
      return { ...result, channelId: id.toLowerCase() };
    });
  }

  setTotalDeposit(channelId: string, totalDeposit: bigint): Promise<TxResult> {
    return this.queue.run(async () => {
      const current = await this.getChannel(channelId);
      if (current.state === 'none') throw new AptosCallError(`deposit: no channel ${channelId} in ${this.contract}`, 'E_CHANNEL_NOT_FOUND');
      if (totalDeposit <= current.deposit) throw new AptosCallError(`deposit: the total ${totalDeposit} is not above the channel's deposit ${current.deposit}`);
      const { result } = await this.execute('deposit', [this.idArg(channelId), new this.sdk.U64(u64(totalDeposit - current.deposit, 'deposit'))]);
      return result;
    });
  }

  async claim(channelId: string, nonce: bigint, transferredAmount: bigint, signature: string): Promise<TxResult> {
    if (!/^0x[0-9a-fA-F]{128}$/.test(signature)) throw new AptosCallError('claim: the signature must be 0x + 128 hex digits (64-byte Ed25519)');
    const { MoveVector, U64 } = this.sdk;
    const args = [this.idArg(channelId), new U64(u64(transferredAmount, 'amount')), new U64(u64(nonce, 'nonce')), MoveVector.U8(signature)];
    return this.queue.run(async () => (await this.execute('claim', args)).result);
  }

  async closeChannel(channelId: string): Promise<TxResult> {
    const args = [this.idArg(channelId)];
    return this.queue.run(async () => (await this.execute('close', args)).result);
  }

  async settleChannel(channelId: string): Promise<TxResult> {
    const args = [this.idArg(channelId)];
    return this.queue.run(async () => (await this.execute('settle', args)).result);
  }

  // ---------------------------------------------------------------- reads

  async getChannel(channelId: string): Promise<OnchainChannel> {
    const id = this.normalizeChannelId(channelId);
    if (id === undefined) throw new AptosCallError(`'${channelId}' is not a channel id (0x + 64 hex digits)`);
    const r = await this.read('get_channel', () =>
      this.aptos.viewJson<MoveValue[]>({ payload: { function: this.fnId('get_channel'), typeArguments: [this.coinTypeTag()], functionArguments: [id] } }),
    );
    const [exists, sender, receiver, publicKey, settleDelay, state, closedAt, deposit, claimed, nonce] = r as [boolean, string, string, string, string, number, string, string, string, string];
    if (exists !== true) {
      return { channelId: id, sender: '', receiver: '', settlementTimeout: 0, state: 'none', closedAt: 0, deposit: 0n, withdrawn: 0n, claimed: 0n, nonce: 0n };
    }
    return {
      channelId: id,
      sender: this.parseAddress(sender).toString(),
      receiver: this.parseAddress(receiver).toString(),
      settlementTimeout: Number(settleDelay),
      state: STATES[Number(state)] ?? 'none',
      closedAt: Number(closedAt),
      deposit: BigInt(deposit),
      withdrawn: 0n,
      claimed: BigInt(claimed),
      nonce: BigInt(nonce),
      publicKey: publicKey.toLowerCase(),
    };
  }

  /**
   * Aptos has no cheap event query over REST: every watched channel is named (the engine re-reads
   * it), plus each ChannelOpened of this module in our own account's transactions after `fromBlock`
   * (the latest page of them). Channels others open to us are learned from their first claim.
   */
  async poll(fromBlock: number, watched: readonly string[]): Promise<{ toBlock: number; timestamp: number; events: ChainEvent[] }> {
    const info = await this.ledgerInfo();
    const toBlock = Number(info.ledger_version);
    const timestamp = Math.floor(Number(info.ledger_timestamp) / 1_000_000);
    const events: ChainEvent[] = [];
    const seen = new Set<string>();
    const txns = await this.read('account transactions', () =>
      this.aptos.getAccountTransactions({ accountAddress: this.account.accountAddress, options: { limit: ACCOUNT_TX_PAGE } }),
    ).catch((err: unknown) => {
      // A fresh account has no transactions resource yet: nothing of ours to find.
      if (err instanceof AptosCallError && /404|not found/i.test(err.message)) return [] as TransactionResponse[];
      throw err;
    });
    for (const t of txns) {
      if (t.type !== this.sdk.TransactionResponseType.User || Number(t.version) <= fromBlock || !t.success) continue;
      for (const e of t.events) {
        if (!this.isOurEvent(e.type, 'ChannelOpened')) continue;
        const d = e.data as { channel_id?: string; sender?: string; receiver?: string };
        if (typeof d.channel_id !== 'string') continue;
        const channelId = d.channel_id.toLowerCase();
        seen.add(channelId);
        events.push({ name: 'ChannelOpened', channelId, sender: d.sender, receiver: d.receiver, blockNumber: Number(t.version), txHash: t.hash });
      }
    }
    for (const w of watched) {
      const id = this.normalizeChannelId(w);
      if (id !== undefined && !seen.has(id)) events.push({ name: 'Watched', channelId: id, blockNumber: toBlock, txHash: '' });
    }
    return { toBlock, timestamp, events };
  }

  async blockNumber(): Promise<number> {
    return Number((await this.ledgerInfo()).ledger_version);
  }

  async tokenBalance(address: string): Promise<bigint> {
    try {
      const [b] = await this.aptos.viewJson<[string]>({
        payload: { function: '0x1::coin::balance', typeArguments: [this.coinTypeTag()], functionArguments: [this.parseAddress(address).toString()] },
      });
      return BigInt(b);
    } catch (err) {
      // The view aborts (HTTP 400) for an account without a store of this coin: that is a zero balance.
      if ((err as { status?: unknown } | null)?.status === 400) return 0n;
      throw new AptosCallError(`balance of ${address} failed: ${describe(err)}`, undefined, undefined, { cause: err });
    }
  }

  close(): void {
    // fetch keeps no connection open that needs closing.
  }

  // ---------------------------------------------------------------- internals

  /** Builds and signs an entry-function transaction of our module, with no network call (support.ts). */
  buildSigned(fn: EntryName, args: EntryFunctionArgumentTypes[], o: { sequenceNumber: bigint; gasUnitPrice: bigint; expireTimestamp: bigint }): SignedTransaction {
    const entry = { fn: this.fnId(fn), coinType: this.coinTypeTag(), abi: this.abis[fn], args };
    return buildSignedTransaction(this.sdk, this.account, entry, { ...o, maxGasAmount: BigInt(this.maxGasAmount), chainId: this.chainId });
  }

  /** The node's ledger info, read every time (the SDK caches it per network name for 10 s). */
  async ledgerInfo(): Promise<LedgerInfo> {
    return this.read('ledger info', () => fetchLedgerInfo(this.client, this.nodeUrl));
  }

  private async execute(fn: EntryName, args: EntryFunctionArgumentTypes[]): Promise<{ result: TxResult; txn: CommittedTransactionResponse & { events: { type: string; data: unknown }[] } }> {
    let hash: string;
    try {
      const info = await fetchLedgerInfo(this.client, this.nodeUrl);
      if (info.chain_id !== this.chainId) throw new Error(`the node now serves chain ${info.chain_id}, not ${this.chainId}`);
      const { sequence_number } = await this.aptos.getAccountInfo({ accountAddress: this.account.accountAddress });
      const { gas_estimate } = await this.aptos.getGasPriceEstimation();
      // Expiry from the chain's clock, not ours.
      const expireTimestamp = BigInt(Math.floor(Number(info.ledger_timestamp) / 1_000_000) + this.txExpirySecs);
      const built = this.buildSigned(fn, args, { sequenceNumber: BigInt(sequence_number), gasUnitPrice: BigInt(gas_estimate), expireTimestamp });
      hash = (await this.aptos.transaction.submit.simple({ transaction: built.transaction, senderAuthenticator: built.senderAuthenticator })).hash;
      txSent(hash);
    } catch (err) {
      const unfunded = /account not found|SENDING_ACCOUNT_DOES_NOT_EXIST|INSUFFICIENT_BALANCE/i.test(describe(err));
      const hint = unfunded ? `: fund the account ${this.address} with ${APTOS_COIN} for gas` : '';
      throw new AptosCallError(`${fn} was not accepted by the node: ${describe(err)}${hint}`, undefined, undefined, { cause: err });
    }
    let txn: CommittedTransactionResponse;
    try {
      txn = await this.aptos.waitForTransaction({ transactionHash: hash, options: { timeoutSecs: this.txTimeoutSecs, checkSuccess: false } });
    } catch (err) {
      throw new AptosCallError(
        `${fn} (tx ${hash}) was not committed within ${this.txTimeoutSecs} s: ${describe(err)}; look the hash up on the node before retrying`,
        undefined,
        hash,
        { cause: err },
      );
    }
    if (txn.type !== this.sdk.TransactionResponseType.User) throw new AptosCallError(`${fn} (tx ${hash}) committed as a ${txn.type}, not a user transaction`, undefined, hash);
    if (!txn.success) {
      const abort = this.abortOf(txn.vm_status);
      const why = abort === undefined ? txn.vm_status : `${abort.name}: ${abort.words} (vm_status: ${txn.vm_status})`;
      throw new AptosCallError(`${fn} failed on-chain (tx ${hash}): ${why}`, abort?.name, hash);
    }
    this.logger.debug({ what: `${this.contract}::${fn}`, txHash: hash, gasUsed: txn.gas_used }, 'transaction committed');
    return { result: { txHash: hash, gasUsed: BigInt(txn.gas_used) }, txn: txn as CommittedTransactionResponse & { events: { type: string; data: unknown }[] } };
  }

  /** The module's abort in a VM status (`Move abort in 0x…::payment_channel: E_X(0xd): …` or `…: 0xd`). */
  private abortOf(vmStatus: string): { name: string; words: string } | undefined {
    return abortIn(vmStatus, (address, module) => this.sameAddress(address, this.moduleAddress) && `${this.moduleAddress}::${module}` === this.contract);
  }

  /** Is `type` (`0x<addr>::<module>::<name>`, the node may drop the address's leading zeros) this module's event `name`? */
  private isOurEvent(type: string, name: string): boolean {
    const parts = type.split('::');
    return parts.length === 3 && parts[2] === name && `${this.moduleAddress}::${parts[1]}` === this.contract && this.sameAddress(parts[0], this.moduleAddress);
  }

  private idArg(channelId: string): EntryFunctionArgumentTypes {
    const bytes = channelIdBytes(channelId);
    if (bytes === undefined) throw new AptosCallError(`'${channelId}' is not a channel id (0x + 64 hex digits)`);
    return this.sdk.MoveVector.U8(bytes);
  }

  private parseAddress(a: string): InstanceType<AptosSdk['AccountAddress']> {
    return this.sdk.AccountAddress.from(a, { maxMissingChars: 63 });
  }

  private fnId(name: string): `${string}::${string}::${string}` {
    return `${this.contract}::${name}` as `${string}::${string}::${string}`;
  }

  private coinTypeTag(): `${string}::${string}::${string}` {
    return this.token as `${string}::${string}::${string}`;
  }

  private async read<T>(what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      throw new AptosCallError(`${what} failed: ${describe(err)}`, undefined, undefined, { cause: err });
    }
  }
}

export { toHex };
