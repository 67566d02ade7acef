/**
 * Waiting for a transaction to be buried under enough blocks. ethers' `tx.wait(n)` waits forever on
 * a chain that mines only when a transaction arrives (anvil's default): this polls with a deadline
 * and reports how far it got, so the caller can name the transaction instead of hanging.
 */
import type { JsonRpcProvider, TransactionReceipt } from 'ethers';
import { appError } from '../../../errors/index.js';

export interface ConfirmOptions {
  /** Blocks that must hold the transaction, its own included (1 = mined). */
  confirmations: number;
  /** Give up after this long, ms. */
  timeoutMs: number;
  /** Poll period, ms (default 250). */
  pollMs?: number;
}

/**
 * Resolves with the receipt once `confirmations` blocks hold `txHash` and it succeeded.
 * @throws AppError CONFIRMATIONS_TIMEOUT (naming the hash and how many it has) after `timeoutMs`;
 *   TX_FAILED when the transaction reverted
 */
export async function waitConfirmations(provider: JsonRpcProvider, txHash: string, what: string, o: ConfirmOptions): Promise<TransactionReceipt> {
  const deadline = Date.now() + o.timeoutMs;
  let have = 0;
  for (;;) {
    const receipt = await provider.getTransactionReceipt(txHash);
    if (receipt !== null) {
      if (receipt.status !== 1) throw appError('TX_FAILED', { what, txHash });
      have = (await provider.getBlockNumber()) - receipt.blockNumber + 1;
      if (have >= o.confirmations) return receipt;
    }
    if (Date.now() > deadline) {
      throw appError('CONFIRMATIONS_TIMEOUT', { what, txHash, have: Math.max(have, 0), want: o.confirmations, seconds: Math.round(o.timeoutMs / 1000) });
    }
    await new Promise((r) => setTimeout(r, o.pollMs ?? 250));
  }
}
