import type { SubmittableTransaction, TransactionMetadata, Wallet } from 'xrpl';
import type { Logger } from 'pino';
import type { TxResult } from '../../chain.js';
import { sleep, type XrplConnection } from './connection.js';
import { entryCloseTime } from './ledger-answers.js';
import { XrplCallError, resultMeaning } from './result-codes.js';
import { txSent } from '../../operation-log.js';

/**
 * Submits a transaction: autofill (sequence, fee, LastLedgerSequence), sign locally with the wallet,
 * submit the blob, and follow it by its hash until a validated ledger holds it or its
 * LastLedgerSequence has passed. @throws XrplCallError naming the hash and result code otherwise
 *
 * @param validationPollMs how often the transaction is looked up until validated, ms
 * @returns the hash, the fee paid (drops, as gasUsed), the metadata and the ledger's close time
 */
export async function submitAndWait(
  connection: XrplConnection,
  wallet: Wallet,
  logger: Logger,
  validationPollMs: number,
  what: string,
  tx: SubmittableTransaction,
): Promise<TxResult & { meta: TransactionMetadata; closeTime: number | undefined }> {
  const prepared = await connection.autofill(what, tx);
  const signed = wallet.sign(prepared);
  const hash = signed.hash;
  const last = prepared.LastLedgerSequence;
  let prelim: string;
  try {
    const res = await connection.request<{ engine_result: string; engine_result_message?: string }>({ command: 'submit', tx_blob: signed.tx_blob });
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
    logger.warn({ what, txHash: hash, err: err.message }, 'no answer to submit; following the transaction by its hash');
    prelim = 'no answer to submit';
  }
  logger.debug({ what, txHash: hash, prelim }, 'transaction submitted');
  txSent(hash);
  for (;;) {
    await sleep(validationPollMs);
    let found: { validated?: boolean; meta?: TransactionMetadata | string; ledger_index?: number; close_time_iso?: string } | undefined;
    try {
      found = await connection.request({ command: 'tx', transaction: hash });
    } catch (err) {
      if (!(err instanceof XrplCallError && err.resultCode === 'txnNotFound')) throw err;
    }
    if (found?.validated === true && typeof found.meta === 'object') {
      const code = found.meta.TransactionResult;
      if (code !== 'tesSUCCESS') {
        throw new XrplCallError(`${what} ${hash} failed in ledger ${found.ledger_index}: ${code}: ${resultMeaning(code)}`, code, hash);
      }
      const fee = BigInt((prepared as { Fee?: string }).Fee ?? '0');
      logger.debug({ what, txHash: hash, fee: fee.toString() }, 'transaction validated');
      return { txHash: hash, gasUsed: fee, meta: found.meta, closeTime: entryCloseTime(found) };
    }
    if (last !== undefined) {
      const latest = await connection.latestValidated();
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
