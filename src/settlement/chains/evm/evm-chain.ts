/**
 * The EVM chain adapter: our TokenNetwork contract and its ERC-20 token through ethers 6.
 *
 * Transactions (sender.ts) take their nonces from one NonceManager, so operations on several channels
 * run at once without racing for a nonce; each is persisted as an intent before it is sent, replaced
 * at a higher fee when it lingers, and reconciled at start (`recoverIntents`). Token transfers into
 * the contract (open, deposit) pass the allowance check one at a time. The provider runs with
 * `cacheTimeout: -1` because anvil mines faster than ethers' default cache expires. Reverts
 * come back as errors naming the contract's custom error (`TokenNetwork reverted InsufficientDeposit`).
 * The private key stays inside the ethers Wallet: it is never logged or returned.
 */
import type { Contract, JsonRpcProvider, TransactionReceipt, Wallet } from 'ethers';
import type { Logger } from 'pino';
import type { ChainAdapter, ChainEvent, OnchainChannel, OnchainState, TxResult } from '../../chain.js';
import { appError, isAppError } from '../../../errors/index.js';
import { loadArtifact } from './artifacts.js';
import { matchShipped } from './bytecode.js';
import { ChainCallError } from './errors.js';
import { defaultConfirmations } from './networks.js';
import { Eip712 } from './eip712.js';
import { loadEthers, type Ethers } from './sdk.js';
import { redactUrl } from '../redact.js';
import { SerialQueue, settleDelayProblem } from '../shared.js';
import { TxSender, type IntentLog, type TxCall, type TxReport } from './sender.js';

/** How to reach the chain. */
export interface EvmChainOptions {
  rpcUrl: string;
  chainId: number;
  /** TokenNetwork address. */
  contract: string;
  /** ERC-20 address; must be the contract's token. */
  token: string;
  /** 32-byte hex key (0x optional). */
  privateKey: string;
  logger: Logger;
  /** How often ethers polls for a receipt, ms (default 1000). */
  receiptPollMs?: number;
  /** Blocks that must hold a transaction before it counts (default: 1 on 31337/1337, 12 elsewhere). */
  confirmations?: number;
  /** How long one of our transactions may wait for its confirmations, ms (default 600000). */
  confirmTimeoutMs?: number;
  /** Told when one of our transactions left the chain (a reorg) and was sent again. */
  onReorg?: (reason: string) => void;
  /** Replace a transaction not mined after this long with the same one at a higher fee, ms (default 60000). */
  replaceAfterMs?: number;
  /** The highest maxFeePerGas we offer, wei (default: no cap on the first offer; replacements up to 10 × it). */
  maxFeePerGas?: bigint;
  /** Where our transactions are recorded before they are sent (the settlement store); none: not recorded. */
  intents?: IntentLog;
  /** Told each transaction's outcomes (sent, replaced, mined ...). */
  onTx?: (r: TxReport) => void;
}

export { ChainCallError };

const STATES: OnchainState[] = ['none', 'open', 'closing', 'settled'];
const LOG_CHUNK = 2000;

interface ChannelStruct {
  sender: string;
  receiver: string;
  settlementTimeout: bigint;
  state: bigint;
  closedAt: bigint;
  deposit: bigint;
  withdrawn: bigint;
  claimed: bigint;
  nonce: bigint;
}

export class EvmChain implements ChainAdapter {
  readonly chain = 'evm' as const;
  readonly features = { withdraw: true, cooperativeClose: true } as const;
  /** What TokenNetwork.openChannel accepts: 1 hour to 365 days. */
  readonly settlementTimeoutRange = [3600, 365 * 86_400] as const;
  /** Transfers into the contract (open, deposit) check and set the allowance one at a time. */
  private readonly pulls = new SerialQueue();
  /** Tokens the contract may still pull by transactions sent and not yet mined, base units. */
  private pulling = 0n;
  private readonly sender: TxSender;

  private constructor(
    private readonly ethers: Ethers,
    private readonly provider: JsonRpcProvider,
    private readonly wallet: Wallet,
    private readonly network: Contract,
    private readonly erc20: Contract,
    private readonly eip712: Eip712,
    readonly chainId: number,
    readonly contract: string,
    readonly token: string,
    readonly decimals: number,
    private readonly logger: Logger,
    /** Blocks that must hold a deposit, redemption or close (ours or the peer's) before it counts. */
    readonly confirmations: number,
    o: EvmChainOptions,
  ) {
    const onReorg = o.onReorg ?? ((reason: string) => logger.warn({ reason }, 'reorg'));
    this.sender = new TxSender(ethers, provider, wallet, chainId, {
      confirmations,
      timeoutMs: o.confirmTimeoutMs ?? 600_000,
      pollMs: provider.pollingInterval,
      replaceAfterMs: o.replaceAfterMs ?? 60_000,
      maxFeePerGas: o.maxFeePerGas,
      intents: o.intents,
      onTx: o.onTx,
      onReorg,
    }, logger, (what, err) => this.callError(what, err));
  }

  /**
   * Connects: checks the chain id, that the contract exists and holds `token`, reads the decimals.
   * @throws ChainCallError when the RPC is unreachable or the chain does not match the config
   */
  static async connect(o: EvmChainOptions): Promise<EvmChain> {
    const ethers = await loadEthers();
    const provider = new ethers.JsonRpcProvider(o.rpcUrl, o.chainId, {
      staticNetwork: true,
      cacheTimeout: -1,
      pollingInterval: o.receiptPollMs ?? 1000,
    });
    try {
      const remote = Number(await provider.send('eth_chainId', []));
      if (remote !== o.chainId) throw new ChainCallError(`settlement.evm.chainId is ${o.chainId} but ${redactUrl(o.rpcUrl)} serves chain ${remote}`);
      const contract = ethers.getAddress(o.contract);
      const token = ethers.getAddress(o.token);
      const code = await provider.getCode(contract);
      if (code === '0x') throw new ChainCallError(`no contract at settlement.evm.contract ${contract} on chain ${o.chainId}`);
      // A contract that is not one we shipped could pay out on other rules than the ones our claims assume.
      if (matchShipped(code) === undefined) throw appError('CONTRACT_UNKNOWN', { address: contract, chainId: o.chainId });
      const key = o.privateKey.startsWith('0x') ? o.privateKey : `0x${o.privateKey}`;
      const wallet = new ethers.Wallet(key, provider);
      const network = new ethers.Contract(contract, loadArtifact('TokenNetwork').abi, wallet);
      const erc20 = new ethers.Contract(token, loadArtifact('TestToken').abi, wallet);
      const held = ethers.getAddress((await network.getFunction('token')()) as string);
      if (held !== token) throw new ChainCallError(`the contract ${contract} holds token ${held}, not settlement.evm.token ${token}`);
      const decimals = Number(await erc20.getFunction('decimals')());
      const confirmations = o.confirmations ?? defaultConfirmations(o.chainId);
      return new EvmChain(ethers, provider, wallet, network, erc20, new Eip712(ethers, o.chainId, contract), o.chainId, contract, token, decimals, o.logger, confirmations, o);
    } catch (err) {
      provider.destroy();
      if (err instanceof ChainCallError || isAppError(err)) throw err;
      throw new ChainCallError(`cannot use the EVM chain at ${redactUrl(o.rpcUrl)}: ${describe(err)}`, undefined, { cause: err });
    }
  }

  get address(): string {
    return this.wallet.address;
  }

  // ---------------------------------------------------------------- local signing (no RPC)

  signBalanceProof(channelId: string, nonce: bigint, transferredAmount: bigint): string {
    return this.sign(this.eip712.balanceProof(channelId, nonce, transferredAmount));
  }

  verifyBalanceProof(channel: OnchainChannel, nonce: bigint, transferredAmount: bigint, signature: string): boolean {
    const signer = this.recoverBalanceProof(channel.channelId, nonce, transferredAmount, signature);
    return signer !== undefined && this.sameAddress(signer, channel.sender);
  }

  /** Who signed a balance proof (EVM only: names the signer of a forged claim); undefined when malformed. */
  recoverBalanceProof(channelId: string, nonce: bigint, transferredAmount: bigint, signature: string): string | undefined {
    return this.recover(() => this.eip712.balanceProof(channelId, nonce, transferredAmount), signature);
  }

  signWithdraw(channelId: string, totalWithdrawn: bigint): string {
    return this.sign(this.eip712.withdraw(channelId, totalWithdrawn));
  }

  verifyWithdraw(channel: OnchainChannel, totalWithdrawn: bigint, signature: string): boolean {
    const signer = this.recover(() => this.eip712.withdraw(channel.channelId, totalWithdrawn), signature);
    return signer !== undefined && this.sameAddress(signer, channel.receiver);
  }

  signCooperativeClose(channelId: string, transferredAmount: bigint): string {
    return this.sign(this.eip712.cooperativeClose(channelId, transferredAmount));
  }

  verifyCooperativeClose(channel: OnchainChannel, signer: string, transferredAmount: bigint, signature: string): boolean {
    const recovered = this.recover(() => this.eip712.cooperativeClose(channel.channelId, transferredAmount), signature);
    return recovered !== undefined && this.sameAddress(recovered, signer);
  }

  sameAddress(a: string, b: string): boolean {
    return a.toLowerCase() === b.toLowerCase();
  }

  normalizeChannelId(id: string): string | undefined {
    return /^0x[0-9a-fA-F]{64}$/.test(id) ? id.toLowerCase() : undefined;
  }

  isAddress(address: string): boolean {
    return /^0x[0-9a-fA-F]{40}$/.test(address);
  }

  private sign(digest: string): string {
    return this.wallet.signingKey.sign(digest).serialized;
  }

  /** The signer of `digest()`, or undefined when the digest's input or the signature is malformed. */
  private recover(digest: () => string, signature: string): string | undefined {
    try {
      return this.ethers.recoverAddress(digest(), signature);
    } catch {
      return undefined;
    }
  }

  // ---------------------------------------------------------------- transactions

  async openChannel(receiver: string, settlementTimeout: number, deposit: bigint): Promise<TxResult & { channelId: string }> {
    const problem = settleDelayProblem(this.settlementTimeoutRange, settlementTimeout);
    if (problem !== undefined) throw new ChainCallError(problem);
    let predicted = '';
    const receipt = await this.pull(deposit, async () => {
      predicted = (await this.network.getFunction('nextChannelId')(this.address, receiver)) as string;
      return this.call('openChannel', predicted, deposit, receiver, settlementTimeout, deposit);
    });
    // The id from the contract's own event: another open sent meanwhile may have taken the predicted one.
    const opened = receipt.logs.map((l) => this.network.interface.parseLog(l)).find((e) => e?.name === 'ChannelOpened');
    return { ...this.result(receipt), channelId: (opened?.args[0] as string | undefined) ?? predicted };
  }

  async setTotalDeposit(channelId: string, totalDeposit: bigint): Promise<TxResult> {
    const current = await this.getChannel(channelId);
    const add = totalDeposit > current.deposit ? totalDeposit - current.deposit : 0n;
    return this.result(await this.pull(add, () => this.call('setTotalDeposit', channelId, add, channelId, totalDeposit)));
  }

  /** Redeems a balance proof (`close` is for chains whose redeem can close: TokenNetwork's cannot, closeChannel does). */
  async claim(channelId: string, nonce: bigint, transferredAmount: bigint, signature: string, _close?: boolean): Promise<TxResult> {
    const proof = { channelId, nonce, transferredAmount, lockedAmount: 0n, locksRoot: `0x${'0'.repeat(64)}` };
    return this.send('claim', channelId, transferredAmount, channelId, proof, signature);
  }

  withdraw(channelId: string, totalWithdrawn: bigint, receiverSignature: string): Promise<TxResult> {
    return this.send('withdraw', channelId, totalWithdrawn, channelId, totalWithdrawn, receiverSignature);
  }

  closeChannel(channelId: string): Promise<TxResult> {
    return this.send('closeChannel', channelId, undefined, channelId);
  }

  cooperativeClose(channelId: string, transferredAmount: bigint, senderSignature: string, receiverSignature: string): Promise<TxResult> {
    return this.send('cooperativeClose', channelId, transferredAmount, channelId, transferredAmount, senderSignature, receiverSignature);
  }

  settleChannel(channelId: string): Promise<TxResult> {
    return this.send('settleChannel', channelId, undefined, channelId);
  }

  /** Reconciles the transactions a crash left open (call once after connecting; outcomes go to `onTx`). */
  recoverIntents(): Promise<void> {
    return this.sender.recover();
  }

  // ---------------------------------------------------------------- reads

  async getChannel(channelId: string): Promise<OnchainChannel> {
    const blockTag = await this.confirmedTag();
    const c = (await this.read('getChannel', () => this.network.getFunction('getChannel')(channelId, { blockTag }))) as ChannelStruct;
    return {
      channelId,
      sender: c.sender,
      receiver: c.receiver,
      settlementTimeout: Number(c.settlementTimeout),
      state: STATES[Number(c.state)] ?? 'none',
      closedAt: Number(c.closedAt),
      deposit: c.deposit,
      withdrawn: c.withdrawn,
      claimed: c.claimed,
      nonce: c.nonce,
    };
  }

  /** Contract events in blocks (fromBlock, latest]; every change is an event, so `watched` is not needed. */
  async poll(fromBlock: number, _watched: readonly string[] = []): Promise<{ toBlock: number; timestamp: number; events: ChainEvent[] }> {
    const tag = await this.confirmedTag();
    const block = await this.read('getBlock', () => this.provider.getBlock(tag));
    if (block === null) throw new ChainCallError('the RPC returned no latest block');
    const events: ChainEvent[] = [];
    for (let from = fromBlock + 1; from <= block.number; from += LOG_CHUNK) {
      const to = Math.min(block.number, from + LOG_CHUNK - 1);
      const logs = await this.read('getLogs', () => this.provider.getLogs({ address: this.contract, fromBlock: from, toBlock: to }));
      for (const log of logs) {
        const parsed = this.network.interface.parseLog(log);
        if (parsed === null) continue;
        const e: ChainEvent = { name: parsed.name, channelId: parsed.args[0] as string, blockNumber: log.blockNumber, txHash: log.transactionHash };
        if (parsed.name === 'ChannelOpened') {
          e.sender = parsed.args[1] as string;
          e.receiver = parsed.args[2] as string;
        }
        events.push(e);
      }
    }
    return { toBlock: block.number, timestamp: block.timestamp, events };
  }

  /** The newest block holding `confirmations` blocks (itself included): what the engine reads. */
  async blockNumber(): Promise<number> {
    const latest = await this.read('getBlockNumber', () => this.provider.getBlockNumber());
    return Math.max(0, latest - this.confirmations + 1);
  }

  /** 'latest' with one confirmation (as before confirmations existed), else the confirmed block's number. */
  private async confirmedTag(): Promise<number | 'latest'> {
    return this.confirmations <= 1 ? 'latest' : this.blockNumber();
  }

  async tokenBalance(address: string): Promise<bigint> {
    return (await this.read('balanceOf', () => this.erc20.getFunction('balanceOf')(address))) as bigint;
  }

  close(): void {
    this.provider.destroy();
  }

  // ---------------------------------------------------------------- internals

  /**
   * Sends a transaction that makes the contract pull `amount` of our tokens: the allowance is checked
   * (and raised, waiting for the approve) against what transactions still in flight will pull, one at
   * a time, until it is broadcast; the wait for its receipt runs with the others.
   */
  private async pull(amount: bigint, call: () => Promise<TxCall>): Promise<TransactionReceipt> {
    const sent = await this.pulls.run(async () => {
      if (amount > 0n) {
        const allowed = (await this.read('allowance', () => this.erc20.getFunction('allowance')(this.address, this.contract))) as bigint;
        // approve sets the allowance; mined after every pull sent before it, it leaves exactly `amount` for ours
        if (allowed - this.pulling < amount) {
          await this.sender.send({ kind: 'approve', amount, request: await this.populate(this.erc20, 'approve', this.contract, amount) });
        }
      }
      const s = await this.sender.start(await call());
      this.pulling += amount;
      return s;
    });
    try {
      return await sent.mined;
    } finally {
      this.pulling -= amount;
    }
  }

  private async send(kind: string, channelId: string, amount: bigint | undefined, ...args: unknown[]): Promise<TxResult> {
    return this.result(await this.sender.send(await this.call(kind, channelId, amount, ...args)));
  }

  /** A TokenNetwork call to send. */
  private async call(kind: string, channelId: string, amount: bigint | undefined, ...args: unknown[]): Promise<TxCall> {
    const c: TxCall = { kind, channelId, request: await this.populate(this.network, kind, ...args) };
    if (amount !== undefined) c.amount = amount;
    return c;
  }

  private async populate(contract: Contract, fn: string, ...args: unknown[]): Promise<{ to: string; data: string }> {
    const tx = await contract.getFunction(fn).populateTransaction(...args);
    return { to: tx.to, data: tx.data };
  }

  private result(receipt: TransactionReceipt): TxResult {
    this.logger.debug({ txHash: receipt.hash, gasUsed: receipt.gasUsed.toString() }, 'transaction mined');
    return { txHash: receipt.hash, gasUsed: receipt.gasUsed };
  }

  private async read<T>(what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      throw this.callError(what, err);
    }
  }

  private callError(what: string, err: unknown): ChainCallError {
    const revert = (err as { revert?: { name?: string } } | null)?.revert?.name;
    if (revert !== undefined) return new ChainCallError(`TokenNetwork ${what} reverted ${revert}`, revert, { cause: err });
    const data = (err as { data?: unknown } | null)?.data;
    if (typeof data === 'string' && data.length >= 10) {
      const parsed = this.network.interface.parseError(data) ?? this.erc20.interface.parseError(data);
      if (parsed) return new ChainCallError(`${what} reverted ${parsed.name}`, parsed.name, { cause: err });
    }
    return new ChainCallError(`${what} failed: ${describe(err)}`, undefined, { cause: err });
  }
}

/** A short message from an ethers error (its shortMessage, without the request dump). */
function describe(err: unknown): string {
  const e = err as { shortMessage?: unknown; message?: unknown } | null;
  if (typeof e?.shortMessage === 'string') return e.shortMessage;
  return typeof e?.message === 'string' ? e.message.split('\n')[0] : String(err);
}

/** A provider for tools (demo, tests) that need one without an EvmChain. */
export async function jsonRpcProvider(rpcUrl: string, chainId: number): Promise<JsonRpcProvider> {
  const ethers = await loadEthers();
  return new ethers.JsonRpcProvider(rpcUrl, chainId, { staticNetwork: true, cacheTimeout: -1, pollingInterval: 250 });
}
