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
  AccountAuthenticator,
  Aptos as AptosT,
  Client,
  CommittedTransactionResponse,
  LedgerInfo,
  SimpleTransaction,
  EntryFunctionABI,
  EntryFunctionArgumentTypes,
  MoveValue,
  TransactionResponse,
} from '@aptos-labs/ts-sdk';
import type { Logger } from 'pino';
import type { ChainAdapter, ChainEvent, OnchainChannel, OnchainState, TxResult } from '../../chain.js';
import { channelIdBytes, claimMessageBytes, toHex, U64_MAX } from './claim-message.js';
import { timeoutClient } from './http.js';
import { loadAptosSdk, type AptosSdk } from './sdk.js';
import { redactUrl } from '../redact.js';
import { SerialQueue, settleDelayProblem } from '../shared.js';

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

/** The module's abort codes (contracts/aptos/sources/payment_channel.move), in words. */
export const ABORTS: Record<number, { name: string; words: string }> = {
  1: { name: 'E_NOT_PUBLISHER', words: 'only the module publisher may initialize a coin type' },
  2: { name: 'E_NOT_INITIALIZED', words: 'the module holds no channels for this coin type (the publisher must call initialize<CoinType>)' },
  3: { name: 'E_ALREADY_INITIALIZED', words: 'this coin type is already initialized' },
  4: { name: 'E_CHANNEL_NOT_FOUND', words: 'no such channel' },
  5: { name: 'E_INVALID_RECEIVER', words: 'the receiver must be another account than the sender' },
  6: { name: 'E_INVALID_SETTLE_DELAY', words: 'the settle delay is outside the module range' },
  7: { name: 'E_INVALID_PUBLIC_KEY', words: 'the public key is not a valid 32-byte Ed25519 key' },
  8: { name: 'E_NOT_SENDER', words: 'only the channel sender may do this' },
  9: { name: 'E_NOT_RECEIVER', words: 'only the channel receiver may claim' },
  10: { name: 'E_NOT_PARTICIPANT', words: 'only the sender or the receiver may close the channel' },
  11: { name: 'E_INVALID_STATE', words: 'the channel is not in a state that allows this' },
  12: { name: 'E_ZERO_AMOUNT', words: 'the amount must be above zero' },
  13: { name: 'E_INVALID_SIGNATURE', words: "the claim signature does not verify against the channel's public key" },
  14: { name: 'E_NONCE_NOT_INCREASING', words: 'the claim nonce is not above the last redeemed nonce' },
  15: { name: 'E_NOTHING_TO_CLAIM', words: 'the claim amount is not above what was already claimed' },
  16: { name: 'E_INSUFFICIENT_DEPOSIT', words: 'the claim amount is above the channel deposit' },
  17: { name: 'E_SETTLE_DELAY_NOT_OVER', words: 'the settle delay after the sender closed has not passed yet' },
  18: { name: 'E_INVALID_CHANNEL_ID', words: 'the channel id is not 32 bytes' },
};

/** A failure of a chain call, with the module's abort name and the transaction hash when there are. */
export class AptosCallError extends Error {
  constructor(
    message: string,
    readonly abort?: string,
    readonly txHash?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AptosCallError';
  }
}

const STATES: Record<number, OnchainState> = { 0: 'none', 1: 'open', 2: 'closing', 3: 'settled' };
const ACCOUNT_TX_PAGE = 100;

/** The entry functions the adapter calls, as (function name, ABI). */
type EntryName = 'open_channel' | 'deposit' | 'claim' | 'close' | 'settle';

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
    const { TypeTagAddress, TypeTagU64, TypeTagVector } = sdk;
    const bytes = TypeTagVector.u8();
    const abi = (...parameters: EntryFunctionABI['parameters']): EntryFunctionABI => ({ typeParameters: [{ constraints: [] }], parameters });
    this.abis = {
      open_channel: abi(new TypeTagAddress(), bytes, new TypeTagU64(), new TypeTagU64()),
      deposit: abi(bytes, new TypeTagU64()),
      claim: abi(bytes, new TypeTagU64(), new TypeTagU64(), bytes),
      close: abi(bytes),
      settle: abi(bytes),
    };
  }

  /**
   * Connects: reads the chain id from the ledger info, checks the module answers its view for the
   * coin type, reads the coin's decimals (8 when the coin has no metadata view).
   * @throws AptosCallError when the node is unreachable or the module is not published there
   */
  static async connect(o: AptosChainOptions): Promise<AptosChain> {
    const sdk = await loadAptosSdk();
    const m = /^(0x[0-9a-fA-F]{1,64})::([A-Za-z_][A-Za-z0-9_]*)$/.exec(o.module.trim());
    if (m === null) throw new AptosCallError(`settlement.aptos.module must be '0x<address>::<module name>', got '${o.module}'`);
    const moduleAddress = sdk.AccountAddress.from(m[1], { maxMissingChars: 63 }).toString();
    const contract = `${moduleAddress}::${m[2]}`;
    const coinType = (o.coinType ?? APTOS_COIN).trim();
    if (!/^0x[0-9a-fA-F]{1,64}::\w+::\w+(<.+>)?$/.test(coinType)) throw new AptosCallError(`settlement.aptos.coinType must be a Move struct type like ${APTOS_COIN}, got '${coinType}'`);
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
    return this.serial(async () => {
      const { result, txn } = await this.execute('open_channel', args);
      const opened = txn.events.find((e) => this.isOurEvent(e.type, 'ChannelOpened'));
      const id = (opened?.data as { channel_id?: unknown } | undefined)?.channel_id;
      if (typeof id !== 'string') throw new AptosCallError(`open_channel (tx ${result.txHash}) committed without a ChannelOpened event from ${this.contract}`, undefined, result.txHash);
      return { ...result, channelId: id.toLowerCase() };
    });
  }

  setTotalDeposit(channelId: string, totalDeposit: bigint): Promise<TxResult> {
    return this.serial(async () => {
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
    return this.serial(async () => (await this.execute('claim', args)).result);
  }

  async closeChannel(channelId: string): Promise<TxResult> {
    const args = [this.idArg(channelId)];
    return this.serial(async () => (await this.execute('close', args)).result);
  }

  async settleChannel(channelId: string): Promise<TxResult> {
    const args = [this.idArg(channelId)];
    return this.serial(async () => (await this.execute('settle', args)).result);
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

  /**
   * Builds and signs an entry-function transaction of our module, with no network call: the
   * payload from the ABI written out in this class, the chain id read at connect.
   */
  buildSigned(
    fn: EntryName,
    args: EntryFunctionArgumentTypes[],
    o: { sequenceNumber: bigint; gasUnitPrice: bigint; expireTimestamp: bigint },
  ): { transaction: SimpleTransaction; senderAuthenticator: AccountAuthenticator; bytes: Uint8Array; hash: string } {
    const { sdk } = this;
    const payload = sdk.generateTransactionPayloadWithABI({ function: this.fnId(fn), typeArguments: [this.coinTypeTag()], functionArguments: args, abi: this.abis[fn] });
    const raw = new sdk.RawTransaction(
      this.account.accountAddress,
      o.sequenceNumber,
      payload,
      BigInt(this.maxGasAmount),
      o.gasUnitPrice,
      o.expireTimestamp,
      new sdk.ChainId(this.chainId),
    );
    const transaction = new sdk.SimpleTransaction(raw);
    const senderAuthenticator = this.account.signTransactionWithAuthenticator(transaction);
    return {
      transaction,
      senderAuthenticator,
      bytes: sdk.generateSignedTransaction({ transaction, senderAuthenticator }),
      hash: sdk.generateUserTransactionHash({ transaction, senderAuthenticator }),
    };
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
    const m = /Move abort in (0x[0-9a-fA-F]+)::(\w+): (?:(\w+)\()?0x([0-9a-fA-F]+)/.exec(vmStatus);
    if (m === null) return undefined;
    if (!this.sameAddress(m[1], this.moduleAddress) || `${this.moduleAddress}::${m[2]}` !== this.contract) return undefined;
    return ABORTS[Number.parseInt(m[4], 16)] ?? (m[3] !== undefined ? { name: m[3], words: m[3] } : undefined);
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

  /** Runs `fn` after every transaction queued before it. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    return this.queue.run(fn);
  }

  private async read<T>(what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      throw new AptosCallError(`${what} failed: ${describe(err)}`, undefined, undefined, { cause: err });
    }
  }
}

/** Our account from a 0x-hex or AIP-80 Ed25519 key. @throws AptosCallError on a malformed key (without echoing it) */
function makeAccount(sdk: AptosSdk, privateKey: string): AccountT {
  const k = privateKey.trim();
  const aip80 = k.startsWith('ed25519-priv-');
  const hex = aip80 ? k.slice('ed25519-priv-'.length) : k;
  if (!/^(0x)?[0-9a-fA-F]{64}$/.test(hex)) {
    throw new AptosCallError("settlement.aptos.privateKey must be an Ed25519 key: 0x + 64 hex digits or AIP-80 'ed25519-priv-0x…'");
  }
  return sdk.Account.fromPrivateKey({ privateKey: new sdk.Ed25519PrivateKey(aip80 ? k : hex, false) });
}

/** The SDK's config for a custom node, without the note it prints on stdout for every custom network. */
function quietConfig(sdk: AptosSdk, fullnode: string, client: Client): InstanceType<AptosSdk['AptosConfig']> {
  const info = console.info;
  console.info = () => undefined;
  try {
    return new sdk.AptosConfig({ network: sdk.Network.CUSTOM, fullnode, client });
  } finally {
    console.info = info;
  }
}

/** GET <node>/v1: the ledger info, uncached. */
async function fetchLedgerInfo(client: Client, nodeUrl: string): Promise<LedgerInfo> {
  const res = await client.provider<undefined, LedgerInfo & { message?: string }>({ url: nodeUrl, method: 'GET', headers: { accept: 'application/json' } });
  if (res.status !== 200 || typeof res.data?.chain_id !== 'number') {
    throw new Error(`GET ${redactUrl(nodeUrl)} answered HTTP ${res.status}${typeof res.data?.message === 'string' ? `: ${res.data.message}` : ''} (is it an Aptos fullnode REST URL ending in /v1?)`);
  }
  return res.data;
}

/** u64 range check for an amount going into a transaction. */
function u64(v: bigint, what: string): bigint {
  if (v < 0n || v > U64_MAX) throw new AptosCallError(`${what} ${v} does not fit a Move u64`);
  return v;
}

/** A short message from an SDK error (AptosApiError carries the node's message in `data`). */
function describe(err: unknown): string {
  const e = err as { message?: unknown; data?: { message?: unknown; vm_error_code?: unknown } } | null;
  const node = e?.data?.message;
  const code = e?.data?.vm_error_code;
  if (typeof node === 'string') return typeof code === 'number' ? `${node} (vm_error_code ${code})` : node;
  return typeof e?.message === 'string' ? e.message.split('\n')[0] : String(err);
}

export { toHex };
