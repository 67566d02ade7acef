/**
 * Waiting for a transaction to be buried under enough blocks. ethers' `tx.wait(n)` waits forever on
 * a chain that mines only when a transaction arrives (anvil's default): this polls with a deadline
 * and reports how far it got, so the caller can name the transaction instead of hanging.
 */
import type { JsonRpcProvider, TransactionReceipt } from 'ethers';
import { appError } from '../../../errors/index.js';
import { txConfirmations } from '../../operation-log.js';

export interface ConfirmOptions {
  /** Blocks that must hold the transaction, its own included (1 = mined). */
  confirmations: number;
  /** Give up after this long, ms. */
  timeoutMs: number;
  /** Poll period, ms (default 250). */
  pollMs?: number;
  /** Sends the transaction again (its signed bytes) when its receipt is gone: a reorg dropped it. */
  resend?: () => Promise<void>;
  /** Told of each reorg seen while waiting. */
  onReorg?: (reason: string) => void;
}

/**
 * Resolves with the receipt once `confirmations` blocks hold `txHash` and it succeeded.
 * @throws AppError CONFIRMATIONS_TIMEOUT (naming the hash and how many it has) after `timeoutMs`;
 *   TX_FAILED when the transaction reverted
 */
export async function waitConfirmations(provider: JsonRpcProvider, txHash: string, what: string, o: ConfirmOptions): Promise<TransactionReceipt> {
  const deadline = Date.now() + o.timeoutMs;
  let have = 0;
  let seen: { block: number; hash: string } | undefined;
  for (;;) {
    const receipt = await provider.getTransactionReceipt(txHash);
    if (receipt === null && (seen !== undefined || (o.resend !== undefined && (await provider.getTransaction(txHash)) === null))) {
      // Mined in `seen.block` and gone since, or gone from the pool too: its block was replaced (a reorg).
      const where = seen === undefined ? 'is in no block and not in the pool' : `was in block ${seen.block} and left the chain`;
      o.onReorg?.(`reorg: ${what} (tx ${txHash}) ${where}${o.resend ? '; sent again' : ''}`);
      seen = undefined;
      have = 0;
      await o.resend?.();
    } else if (receipt !== null && seen !== undefined && receipt.blockHash !== seen.hash) {
      o.onReorg?.(`reorg: ${what} (tx ${txHash}) moved from block ${seen.block} to ${receipt.blockNumber}`);
    }
    if (receipt !== null) {
      seen = { block: receipt.blockNumber, hash: receipt.blockHash };
      if (receipt.status !== 1) throw appError('TX_FAILED', { what, txHash });
      have = (await provider.getBlockNumber()) - receipt.blockNumber + 1;
      txConfirmations(have);
      if (have >= o.confirmations) return receipt;
    }
    if (Date.now() > deadline) {
      throw appError('CONFIRMATIONS_TIMEOUT', { what, txHash, have: Math.max(have, 0), want: o.confirmations, seconds: Math.round(o.timeoutMs / 1000) });
    }
    await new Promise((r) => setTimeout(r, o.pollMs ?? 250));
  }
}
