/**
 * The EVM chain adapter: our TokenNetwork contract and its ERC-20 token through ethers 6.
 *
 * Transactions go out one at a time (a promise queue), so two never race for a nonce; the provider
 * runs with `cacheTimeout: -1` because anvil mines faster than ethers' default cache expires. Reverts
 * come back as errors naming the contract's custom error (`TokenNetwork reverted InsufficientDeposit`).
 * The private key stays inside the ethers Wallet: it is never logged or returned.
 */
import type { Contract, ContractTransactionResponse, JsonRpcProvider, Wallet } from 'ethers';
import type { Logger } from 'pino';
import type { ChainAdapter, ChainEvent, OnchainChannel, OnchainState, TxResult } from '../../chain.js';
import { appError, isAppError } from '../../../errors/index.js';
import { loadArtifact } from './artifacts.js';
import { matchShipped } from './bytecode.js';
import { waitConfirmations } from './confirm.js';
import { defaultConfirmations } from './networks.js';
import { Eip712 } from './eip712.js';
import { loadEthers, type Ethers } from './sdk.js';
import { redactUrl } from '../redact.js';
import { txSent } from '../../operation-log.js';
import { SerialQueue, settleDelayProblem } from '../shared.js';

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
}

/** A revert or failure of a chain call, with the contract's error name when there is one. */
export class ChainCallError extends Error {
  constructor(
    message: string,
    readonly revert?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ChainCallError';
  }
}

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

type Send = () => Promise<ContractTransactionResponse>;

export class EvmChain implements ChainAdapter {
  readonly chain = 'evm' as const;
  readonly features = { withdraw: true, cooperativeClose: true } as const;
  /** What TokenNetwork.openChannel accepts: 1 hour to 365 days. */
  readonly settlementTimeoutRange = [3600, 365 * 86_400] as const;
  private readonly queue = new SerialQueue();

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
    private readonly finality: { timeoutMs: number; onReorg: (reason: string) => void },
  ) {}

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
      const finality = { timeoutMs: o.confirmTimeoutMs ?? 600_000, onReorg: o.onReorg ?? ((reason: string) => o.logger.warn({ reason }, 'reorg')) };
      return new EvmChain(ethers, provider, wallet, network, erc20, new Eip712(ethers, o.chainId, contract), o.chainId, contract, token, decimals, o.logger, confirmations, finality);
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
    return this.serial(async () => {
      await this.ensureAllowance(deposit);
      const channelId = (await this.network.getFunction('nextChannelId')(this.address, receiver)) as string;
      const r = await this.mine('openChannel', () => this.network.getFunction('openChannel')(receiver, settlementTimeout, deposit));
      return { ...r, channelId };
    });
  }

  setTotalDeposit(channelId: string, totalDeposit: bigint): Promise<TxResult> {
    return this.serial(async () => {
      const current = await this.getChannel(channelId);
      if (totalDeposit > current.deposit) await this.ensureAllowance(totalDeposit - current.deposit);
      return this.mine('setTotalDeposit', () => this.network.getFunction('setTotalDeposit')(channelId, totalDeposit));
    });
  }

  /** Redeems a balance proof (`close` is for chains whose redeem can close: TokenNetwork's cannot, closeChannel does). */
  claim(channelId: string, nonce: bigint, transferredAmount: bigint, signature: string, _close?: boolean): Promise<TxResult> {
    const proof = { channelId, nonce, transferredAmount, lockedAmount: 0n, locksRoot: `0x${'0'.repeat(64)}` };
    return this.serial(() => this.mine('claim', () => this.network.getFunction('claim')(channelId, proof, signature)));
  }

  withdraw(channelId: string, totalWithdrawn: bigint, receiverSignature: string): Promise<TxResult> {
    return this.serial(() => this.mine('withdraw', () => this.network.getFunction('withdraw')(channelId, totalWithdrawn, receiverSignature)));
  }

  closeChannel(channelId: string): Promise<TxResult> {
    return this.serial(() => this.mine('closeChannel', () => this.network.getFunction('closeChannel')(channelId)));
  }

  cooperativeClose(channelId: string, transferredAmount: bigint, senderSignature: string, receiverSignature: string): Promise<TxResult> {
    return this.serial(() =>
      this.mine('cooperativeClose', () => this.network.getFunction('cooperativeClose')(channelId, transferredAmount, senderSignature, receiverSignature)),
    );
  }

  settleChannel(channelId: string): Promise<TxResult> {
    return this.serial(() => this.mine('settleChannel', () => this.network.getFunction('settleChannel')(channelId)));
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

  private async ensureAllowance(amount: bigint): Promise<void> {
    if (amount === 0n) return;
    const allowed = (await this.read('allowance', () => this.erc20.getFunction('allowance')(this.address, this.contract))) as bigint;
    if (allowed >= amount) return;
    await this.mine('approve', () => this.erc20.getFunction('approve')(this.contract, amount));
  }

  /** Runs `fn` after every transaction queued before it. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    return this.queue.run(fn);
  }

  private async mine(what: string, send: Send): Promise<TxResult> {
    let tx: ContractTransactionResponse;
    try {
      tx = await send();
    } catch (err) {
      throw this.callError(what, err);
    }
    txSent(tx.hash);
    const receipt =
      this.confirmations <= 1
        ? await tx.wait().catch((err: unknown) => {
            throw this.callError(what, err);
          })
        : await waitConfirmations(this.provider, tx.hash, what, {
            confirmations: this.confirmations,
            timeoutMs: this.finality.timeoutMs,
            pollMs: this.provider.pollingInterval,
            resend: this.resender(tx),
            onReorg: this.finality.onReorg,
          }).catch((err: unknown) => {
            throw isAppError(err) && err.code === 'TX_FAILED' ? new ChainCallError(`${what} failed on-chain (tx ${tx.hash})`) : err;
          });
    if (receipt === null || receipt.status !== 1) throw new ChainCallError(`${what} failed on-chain (tx ${tx.hash})`);
    this.logger.debug({ what, txHash: receipt.hash, gasUsed: receipt.gasUsed.toString() }, 'transaction mined');
    return { txHash: receipt.hash, gasUsed: receipt.gasUsed };
  }

  /** Sends `tx` again as signed (same nonce, same hash): after a reorg dropped it, it cannot be paid twice. */
  private resender(tx: ContractTransactionResponse): () => Promise<void> {
    const raw = this.ethers.Transaction.from(tx).serialized;
    return async () => {
      await this.provider.broadcastTransaction(raw).catch((err: unknown) => {
        // already back in the pool, or mined meanwhile: nothing to do
        this.logger.debug({ txHash: tx.hash, err: describe(err) }, 'resend after reorg not accepted');
      });
    };
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
