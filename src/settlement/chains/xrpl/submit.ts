import type { SubmittableTransaction, TransactionMetadata, Wallet } from 'xrpl';
import type { Logger } from 'pino';
import type { TxResult } from '../../chain.js';
import type { TxIntent } from '../../store.js';
import type { TxOutcome, TxReport } from '../evm/sender.js';
import { sleep, type XrplConnection } from './connection.js';
import { entryCloseTime } from './ledger-answers.js';
import { XrplCallError, resultMeaning } from './result-codes.js';
import { txSent } from '../../operation-log.js';

/** Where XRPL transaction intents are kept (the settlement store) and who hears their outcomes. */
export interface XrplIntentLog {
  putIntent(i: TxIntent): Promise<void>;
  removeIntent(i: TxIntent): Promise<void>;
  intents(chain: 'xrpl'): Promise<TxIntent[]>;
}

export interface SubmitHooks {
  intents?: XrplIntentLog;
  onTx?: (r: TxReport) => void;
}

/** What a transaction is, for its intent and reports. */
export interface TxLabel {
  /** The transaction type (PaymentChannelCreate, PaymentChannelFund, PaymentChannelClaim). */
  what: string;
  channelId?: string;
  /** drops it moves or sets, when there is one */
  amount?: bigint;
}

export type Validated = TxResult & { meta: TransactionMetadata; closeTime: number | undefined };

/** Tells `hooks.onTx` an outcome of `i`. */
export function report(hooks: SubmitHooks, i: TxIntent, outcome: TxOutcome, reason?: string): void {
  const r: TxReport = { kind: i.kind, nonce: i.nonce, txHash: i.txs[i.txs.length - 1].hash, outcome };
  if (i.channelId !== undefined) r.channelId = i.channelId;
  if (reason !== undefined) r.reason = reason;
  hooks.onTx?.(r);
}

/**
 * Submits a transaction: autofill (sequence, fee, LastLedgerSequence), sign locally with the wallet,
 * write the intent (signed blob, hash, sequence; fsynced) to the store, submit the blob, and follow it
 * by its hash until a validated ledger holds it or its LastLedgerSequence has passed; the intent is
 * removed once that outcome is known. @throws XrplCallError naming the hash and result code otherwise
 *
 * @param validationPollMs how often the transaction is looked up until validated, ms
 * @returns the hash, the fee paid (drops, as gasUsed), the metadata and the ledger's close time
 */
export async function submitAndWait(
  connection: XrplConnection,
  wallet: Wallet,
  logger: Logger,
  validationPollMs: number,
  label: TxLabel,
  tx: SubmittableTransaction,
  hooks: SubmitHooks = {},
): Promise<Validated> {
  const { what } = label;
  const prepared = await connection.autofill(what, tx);
  const signed = wallet.sign(prepared);
  const hash = signed.hash;
  const intent: TxIntent = {
    chain: 'xrpl',
    kind: what,
    from: wallet.classicAddress,
    nonce: prepared.Sequence ?? 0,
    txs: [{ hash, raw: signed.tx_blob, sentAt: Date.now() }],
    createdAt: Date.now(),
  };
  if (label.channelId !== undefined) intent.channelId = label.channelId;
  if (label.amount !== undefined) intent.amount = label.amount.toString();
  await hooks.intents?.putIntent(intent);
  let prelim: string;
  try {
    const res = await connection.request<{ engine_result: string; engine_result_message?: string }>({ command: 'submit', tx_blob: signed.tx_blob });
    prelim = res.engine_result;
    // tes: applied to the open ledger; ter: queued or to be retried; tec: applied as a failure (fee
    // claimed), final only once validated. tef / tel / tem: never applied, no point waiting.
    if (!/^(tes|ter|tec)/.test(prelim)) {
      await hooks.intents?.removeIntent(intent);
      report(hooks, intent, 'failed', prelim);
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
  report(hooks, intent, 'sent');
  return follow(connection, logger, validationPollMs, intent, prepared.LastLedgerSequence, prelim, hooks);
}

/**
 * Looks `intent`'s transaction up until a validated ledger holds it (success, or a tec: an error) or
 * its LastLedgerSequence has passed with it in no validated ledger (it can never apply: an error).
 * Only a validated ledger decides; the intent is removed then and the outcome reported.
 */
export async function follow(
  connection: XrplConnection,
  logger: Logger,
  validationPollMs: number,
  intent: TxIntent,
  last: number | undefined,
  prelim: string,
  hooks: SubmitHooks,
): Promise<Validated> {
  const { kind: what } = intent;
  const { hash } = intent.txs[intent.txs.length - 1];
  const done = async (outcome: TxOutcome, reason?: string): Promise<void> => {
    await hooks.intents?.removeIntent(intent);
    report(hooks, intent, outcome, reason);
  };
  for (;;) {
    await sleep(validationPollMs);
    const found = await lookup(connection, hash);
    if (found?.validated === true && typeof found.meta === 'object') {
      const code = found.meta.TransactionResult;
      if (code !== 'tesSUCCESS') {
        await done('failed', code);
        throw new XrplCallError(`${what} ${hash} failed in ledger ${found.ledger_index}: ${code}: ${resultMeaning(code)}`, code, hash);
      }
      const fee = BigInt(found.tx_json?.Fee ?? '0');
      logger.debug({ what, txHash: hash, fee: fee.toString() }, 'transaction validated');
      await done('mined');
      return { txHash: hash, gasUsed: fee, meta: found.meta, closeTime: entryCloseTime(found) };
    }
    if (last !== undefined) {
      const latest = await connection.latestValidated();
      if (latest.index > last) {
        // Looked up once more: validated in the ledger that just passed its LastLedgerSequence?
        const again = await lookup(connection, hash);
        if (again?.validated === true) continue;
        await done('failed', 'expired');
        throw new XrplCallError(
          `${what} ${hash} expired: no validated ledger up to its LastLedgerSequence ${last} holds it (latest validated ${latest.index}; submit said ${prelim}). Nothing was applied; try again.`,
          prelim,
          hash,
        );
      }
    }
  }
}

interface Found {
  validated?: boolean;
  meta?: TransactionMetadata | string;
  ledger_index?: number;
  close_time_iso?: string;
  tx_json?: { Fee?: string };
}

/** The `tx` answer for `hash`, undefined when the server knows no such transaction. */
export async function lookup(connection: XrplConnection, hash: string): Promise<Found | undefined> {
  try {
    return await connection.request<Found>({ command: 'tx', transaction: hash });
  } catch (err) {
    if (err instanceof XrplCallError && err.resultCode === 'txnNotFound') return undefined;
    throw err;
  }
}
