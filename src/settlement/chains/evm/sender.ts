/**
 * Our EVM transactions from signature to outcome, surviving restarts.
 *
 * Sending: the call's gas is estimated (a revert is an error before any nonce is taken), then, with
 * the next nonce from the NonceManager, the transaction is signed, written to the settlement store as
 * an intent (fsynced) and only then broadcast. Waiting: its receipt is polled; one not mined after
 * `replaceAfterMs` is replaced by the same call with the same nonce at a higher fee (EIP-1559 max fee
 * and priority fee each +12.5% and at least the current market, up to the cap), each replacement
 * written to the intent before it goes out; a transaction that left the pool is sent again as signed;
 * one whose nonce another transaction took is "superseded". Once mined (and as deep as
 * `confirmations` asks) the intent is removed.
 *
 * At start `recover` reconciles the intents a crash left open, by hash then by nonce: mined → done
 * (the engine re-reads the channel and books from the chain); in the pool → waited for; gone and its
 * nonce unused → the same signed bytes sent again (never a new transaction: it cannot pay twice);
 * nonce used by another → superseded. Every outcome is told through `onTx`.
 */
import type { JsonRpcProvider, TransactionReceipt, Wallet } from 'ethers';
import type { Logger } from 'pino';
import { appError, isAppError } from '../../../errors/index.js';
import type { SignedTx, TxIntent } from '../../store.js';
import { waitConfirmations } from './confirm.js';
import { ChainCallError } from './errors.js';
import { NonceManager } from './nonce.js';
import type { Ethers } from './sdk.js';

/** What happened to one of our transactions. */
export type TxOutcome = 'sent' | 'replaced' | 'resent' | 'pending' | 'mined' | 'failed' | 'superseded' | 'fee-capped';

/** An outcome, as the engine turns it into a `settlement:tx` event. */
export interface TxReport {
  kind: string;
  channelId?: string;
  nonce: number;
  txHash: string;
  outcome: TxOutcome;
  /** Why (failed, superseded, fee-capped). */
  reason?: string;
}

/** Where intents are kept (the settlement store). */
export interface IntentLog {
  putIntent(i: TxIntent): Promise<void>;
  removeIntent(i: TxIntent): Promise<void>;
  intents(chain: 'evm'): Promise<TxIntent[]>;
}

export interface SenderOptions {
  confirmations: number;
  /** How long a transaction may take to be mined and confirmed, ms. */
  timeoutMs: number;
  /** Receipt poll period, ms. */
  pollMs: number;
  /** Replace a transaction not mined after this long, ms. */
  replaceAfterMs: number;
  /** The highest maxFeePerGas a replacement may offer, wei; undefined: 10 × the first offer. */
  maxFeePerGas?: bigint;
  intents?: IntentLog;
  onTx?: (r: TxReport) => void;
  onReorg: (reason: string) => void;
}

/** A contract call to send. Amounts in the chain's base units. */
export interface TxCall {
  kind: string;
  channelId?: string;
  amount?: bigint;
  request: { to: string; data: string };
}

/** A broadcast transaction and the wait for its receipt. */
export interface Sent {
  intent: TxIntent;
  mined: Promise<TransactionReceipt>;
}

/** How many polls between the checks of the pool and our nonce. */
const POOL_CHECK_EVERY = 10;

const bumped = (fee: bigint): bigint => fee + fee / 8n + 1n;
const max = (a: bigint, b: bigint): bigint => (a > b ? a : b);

export class TxSender {
  readonly nonces: NonceManager;
  /** Waits of transactions found open at start, by channel: a new call on the channel waits for them. */
  private readonly recovering = new Map<string, Promise<unknown>>();
  /** Intents already reported fee-capped (said once, not at every try). */
  private readonly capped = new WeakSet<TxIntent>();

  constructor(
    private readonly ethers: Ethers,
    private readonly provider: JsonRpcProvider,
    private readonly wallet: Wallet,
    private readonly chainId: number,
    private readonly o: SenderOptions,
    private readonly logger: Logger,
    /** Turns an RPC or revert error into the adapter's error. */
    private readonly error: (what: string, err: unknown) => Error,
  ) {
    this.nonces = new NonceManager(() => provider.getTransactionCount(wallet.address, 'pending'));
  }

  /** Sends `call` and resolves with its receipt once mined and confirmed; throws when it reverted or could not be sent. */
  async send(call: TxCall): Promise<TransactionReceipt> {
    return (await this.start(call)).mined;
  }

  /** Sends `call`; resolves once it is broadcast, with the wait for its receipt. */
  async start(call: TxCall): Promise<Sent> {
    if (call.channelId !== undefined) await this.recovering.get(call.channelId)?.catch(() => undefined);
    const from = this.wallet.address;
    let gasLimit: bigint;
    try {
      gasLimit = ((await this.provider.estimateGas({ ...call.request, from })) * 6n) / 5n; // room for state changed since the estimate
    } catch (err) {
      throw this.error(call.kind, err);
    }
    const fees = await this.fees();
    let intent: TxIntent;
    try {
      intent = await this.broadcast(call, from, gasLimit, fees);
    } catch (err) {
      // Someone else used our key meanwhile: the count was re-read, one more try takes the next free nonce.
      if (((err as { cause?: { code?: unknown } }).cause?.code ?? '') !== 'NONCE_EXPIRED') throw err;
      intent = await this.broadcast(call, from, gasLimit, fees);
    }
    this.report(intent, 'sent');
    const mined = this.watch(intent);
    mined.catch(() => undefined); // the caller awaits it; this keeps a failure before then from counting as unhandled
    return { intent, mined };
  }

  /** Signs with the next nonce, persists the intent (fsync), broadcasts. */
  private broadcast(call: TxCall, from: string, gasLimit: bigint, fees: { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint }): Promise<TxIntent> {
    return this.nonces.use(async (nonce) => {
      const tx = await this.sign({ ...call.request, gasLimit, nonce, ...fees });
      const i: TxIntent = { chain: 'evm', kind: call.kind, from, nonce, txs: [tx], createdAt: Date.now() };
      if (call.channelId !== undefined) i.channelId = call.channelId;
      if (call.amount !== undefined) i.amount = call.amount.toString();
      await this.o.intents?.putIntent(i);
      try {
        await this.provider.broadcastTransaction(tx.raw);
      } catch (err) {
        if ((await this.provider.getTransaction(tx.hash).catch(() => null)) === null) {
          await this.o.intents?.removeIntent(i).catch(() => undefined);
          throw this.error(call.kind, err);
        }
      }
      return i;
    });
  }

  /** Reconciles the intents a crash left open (call once, after connecting, before sending). */
  async recover(): Promise<void> {
    const log = this.o.intents;
    if (log === undefined) return;
    const ours = (await log.intents('evm')).filter((i) => i.from.toLowerCase() === this.wallet.address.toLowerCase());
    for (const i of ours) {
      const receipt = await this.receiptOf(i);
      let wait: Promise<unknown>;
      if (receipt !== null) {
        wait = this.finish(i, receipt, Date.now() + this.o.timeoutMs);
      } else if ((await this.provider.getTransactionCount(i.from, 'latest')) > i.nonce) {
        await this.supersede(i);
        continue;
      } else if (await this.inPool(i)) {
        this.report(i, 'pending');
        wait = this.watch(i);
      } else {
        const last = i.txs[i.txs.length - 1];
        try {
          await this.provider.broadcastTransaction(last.raw);
          this.report(i, 'resent');
        } catch (err) {
          await log.removeIntent(i);
          this.report(i, 'failed', `sending it again was refused: ${this.error(i.kind, err).message}`);
          continue;
        }
        wait = this.watch(i);
      }
      const settled = wait.catch((err: unknown) => this.logger.warn({ kind: i.kind, nonce: i.nonce, err: err instanceof Error ? err.message : String(err) }, 'recovered transaction failed'));
      if (i.channelId !== undefined) this.recovering.set(i.channelId, settled.finally(() => this.recovering.delete(i.channelId as string)));
    }
  }

  /** Resolves once every transaction recovered at start is decided. */
  async recovered(): Promise<void> {
    await Promise.allSettled([...this.recovering.values()]);
  }

  // ------------------------------------------------------------------ internals

  /** Polls until one of the intent's transactions is mined (then confirmed), replacing it when it lingers. */
  private async watch(i: TxIntent): Promise<TransactionReceipt> {
    const deadline = Date.now() + this.o.timeoutMs;
    let polls = 0;
    let bumpAt = i.txs[i.txs.length - 1].sentAt + this.o.replaceAfterMs;
    for (;;) {
      const receipt = await this.receiptOf(i);
      if (receipt !== null) return this.finish(i, receipt, deadline);
      if (Date.now() >= bumpAt) {
        await this.replace(i);
        bumpAt = Date.now() + this.o.replaceAfterMs;
      } else if (++polls % POOL_CHECK_EVERY === 0) {
        await this.checkPool(i);
      }
      if (Date.now() > deadline) {
        throw appError('CONFIRMATIONS_TIMEOUT', { what: i.kind, txHash: i.txs[i.txs.length - 1].hash, have: 0, want: this.o.confirmations, seconds: Math.round(this.o.timeoutMs / 1000) });
      }
      await new Promise((r) => setTimeout(r, this.o.pollMs));
    }
  }

  /** One of `i`'s transactions is mined: waits for its confirmations, removes the intent, reports. */
  private async finish(i: TxIntent, receipt: TransactionReceipt, deadline: number): Promise<TransactionReceipt> {
    let r = receipt;
    if (this.o.confirmations > 1 && r.status === 1) {
      const raw = i.txs.find((t) => t.hash === r.hash)?.raw;
      try {
        r = await waitConfirmations(this.provider, r.hash, i.kind, {
          confirmations: this.o.confirmations,
          timeoutMs: Math.max(deadline - Date.now(), this.o.pollMs),
          pollMs: this.o.pollMs,
          resend: raw === undefined ? undefined : () => this.rebroadcast(raw),
          onReorg: this.o.onReorg,
        });
      } catch (err) {
        if (!(isAppError(err) && err.code === 'TX_FAILED')) throw err;
        r = { ...r, status: 0 } as TransactionReceipt;
      }
    }
    await this.o.intents?.removeIntent(i);
    if (r.status !== 1) {
      this.report(i, 'failed', 'reverted', r.hash);
      throw new ChainCallError(`${i.kind} failed on-chain (tx ${r.hash})`);
    }
    this.report(i, 'mined', undefined, r.hash);
    return r;
  }

  /** The same call, same nonce, at a higher fee: written to the intent, then sent. */
  private async replace(i: TxIntent): Promise<void> {
    const prev = this.ethers.Transaction.from(i.txs[i.txs.length - 1].raw);
    const first = this.ethers.Transaction.from(i.txs[0].raw);
    const cap = this.o.maxFeePerGas ?? (first.maxFeePerGas ?? 0n) * 10n;
    const market = await this.fees();
    const wantFee = max(bumped(prev.maxFeePerGas ?? 0n), market.maxFeePerGas);
    const maxFeePerGas = wantFee > cap ? cap : wantFee;
    const maxPriorityFeePerGas = max(bumped(prev.maxPriorityFeePerGas ?? 0n), market.maxPriorityFeePerGas);
    if (maxFeePerGas < bumped(prev.maxFeePerGas ?? 0n) || maxPriorityFeePerGas > maxFeePerGas) {
      if (!this.capped.has(i)) this.report(i, 'fee-capped', `not mined, and a replacement would offer more than the cap of ${cap} wei per gas`);
      this.capped.add(i);
      return;
    }
    const tx = await this.sign({ to: prev.to as string, data: prev.data, gasLimit: prev.gasLimit, nonce: i.nonce, maxFeePerGas, maxPriorityFeePerGas });
    i.txs.push(tx);
    await this.o.intents?.putIntent(i);
    try {
      await this.provider.broadcastTransaction(tx.raw);
    } catch (err) {
      // refused (the old one was mined meanwhile, or the node wants more): keep waiting for what we have
      i.txs.pop();
      await this.o.intents?.putIntent(i);
      this.logger.debug({ kind: i.kind, nonce: i.nonce, err: this.error(i.kind, err).message }, 'fee bump not accepted');
      return;
    }
    this.report(i, 'replaced', `maxFeePerGas ${prev.maxFeePerGas} → ${maxFeePerGas} wei, maxPriorityFeePerGas ${prev.maxPriorityFeePerGas} → ${maxPriorityFeePerGas} wei`, tx.hash);
  }

  /** Not mined yet: is its nonce taken by another transaction, or did the pool drop it? */
  private async checkPool(i: TxIntent): Promise<void> {
    if ((await this.provider.getTransactionCount(i.from, 'latest')) > i.nonce) {
      if ((await this.receiptOf(i)) !== null) return; // mined between the two reads: the next poll finishes it
      await this.supersede(i);
      throw new ChainCallError(`${i.kind} (nonce ${i.nonce}) was superseded: another transaction took its nonce`);
    }
    if (!(await this.inPool(i))) {
      // Dropped from the pool, or mined in a block a reorg removed before we read its receipt.
      const last = i.txs[i.txs.length - 1];
      this.o.onReorg(`reorg: ${i.kind} (tx ${last.hash}) is in no block and not in the pool; sent again`);
      await this.rebroadcast(last.raw);
      this.report(i, 'resent');
    }
  }

  private async supersede(i: TxIntent): Promise<void> {
    await this.o.intents?.removeIntent(i);
    this.nonces.resync();
    this.report(i, 'superseded', `nonce ${i.nonce} was used by another transaction`);
  }

  private async receiptOf(i: TxIntent): Promise<TransactionReceipt | null> {
    for (const t of [...i.txs].reverse()) {
      const r = await this.provider.getTransactionReceipt(t.hash);
      if (r !== null) return r;
    }
    return null;
  }

  private async inPool(i: TxIntent): Promise<boolean> {
    for (const t of i.txs) if ((await this.provider.getTransaction(t.hash)) !== null) return true;
    return false;
  }

  private async rebroadcast(raw: string): Promise<void> {
    await this.provider.broadcastTransaction(raw).catch((err: unknown) => {
      // already in the pool, or mined meanwhile: nothing to do
      this.logger.debug({ err: err instanceof Error ? err.message : String(err) }, 'sending a transaction again was not accepted');
    });
  }

  /** The market's EIP-1559 fees, within the cap. */
  private async fees(): Promise<{ maxFeePerGas: bigint; maxPriorityFeePerGas: bigint }> {
    const d = await this.provider.getFeeData();
    let maxFeePerGas = d.maxFeePerGas ?? d.gasPrice ?? 1_000_000_000n;
    let maxPriorityFeePerGas = d.maxPriorityFeePerGas ?? maxFeePerGas;
    const cap = this.o.maxFeePerGas;
    if (cap !== undefined && maxFeePerGas > cap) maxFeePerGas = cap;
    if (maxPriorityFeePerGas > maxFeePerGas) maxPriorityFeePerGas = maxFeePerGas;
    return { maxFeePerGas, maxPriorityFeePerGas };
  }

  private async sign(t: { to: string; data: string; gasLimit: bigint; nonce: number; maxFeePerGas: bigint; maxPriorityFeePerGas: bigint }): Promise<SignedTx> {
    const raw = await this.wallet.signTransaction({ ...t, type: 2, chainId: this.chainId, value: 0n });
    return { hash: this.ethers.keccak256(raw), raw, sentAt: Date.now() };
  }

  private report(i: TxIntent, outcome: TxOutcome, reason?: string, txHash?: string): void {
    const r: TxReport = { kind: i.kind, nonce: i.nonce, txHash: txHash ?? i.txs[i.txs.length - 1].hash, outcome };
    if (i.channelId !== undefined) r.channelId = i.channelId;
    if (reason !== undefined) r.reason = reason;
    this.logger.debug(r, 'settlement transaction');
    this.o.onTx?.(r);
  }
}
