/**
 * XRPL transactions a crash left open: each was written to the store (signed blob, hash, sequence)
 * before it was submitted. At start each of ours is reconciled, by hash, then by account sequence:
 * - validated in a ledger: its outcome is reported (mined / failed) and the intent removed;
 * - its sequence already used by another validated transaction: superseded (it can never apply);
 * - its LastLedgerSequence passed with it in no validated ledger: failed (expired, nothing applied);
 * - otherwise (not seen, or seen but not validated yet): the same signed blob is submitted again and
 *   followed until validated or expired. The same blob carries the same sequence: it can be applied
 *   at most once, so nothing is ever sent twice.
 * The engine re-reads the channels afterwards (and on each report), which books what they did.
 */
import type { Logger } from 'pino';
import type { TxIntent } from '../../store.js';
import type { Xrpl } from './sdk.js';
import type { XrplConnection } from './connection.js';
import { XrplCallError } from './result-codes.js';
import { follow, lookup, report, type SubmitHooks, type Validated } from './submit.js';

/** What recovery decided for one intent; `wait` follows a transaction submitted again. */
export interface Recovered {
  intent: TxIntent;
  outcome: 'mined' | 'failed' | 'superseded' | 'resent';
  wait?: () => Promise<Validated>;
}

/**
 * Reconciles the intents of `address` (oldest sequence first). Decisions that need no waiting are
 * made and reported here; a resubmitted transaction comes back with `wait`, for the caller to run in
 * its transaction queue (so later transactions of ours follow it).
 */
export async function recoverXrplIntents(
  xrpl: Xrpl,
  connection: XrplConnection,
  address: string,
  logger: Logger,
  validationPollMs: number,
  hooks: SubmitHooks,
): Promise<Recovered[]> {
  const log = hooks.intents;
  if (log === undefined) return [];
  const ours = (await log.intents('xrpl')).filter((i) => i.from === address).sort((a, b) => a.nonce - b.nonce);
  const out: Recovered[] = [];
  for (const i of ours) {
    const signed = i.txs[i.txs.length - 1];
    const found = await lookup(connection, signed.hash);
    if (found?.validated === true && typeof found.meta === 'object') {
      const code = found.meta.TransactionResult;
      await log.removeIntent(i);
      report(hooks, i, code === 'tesSUCCESS' ? 'mined' : 'failed', code === 'tesSUCCESS' ? undefined : code);
      out.push({ intent: i, outcome: code === 'tesSUCCESS' ? 'mined' : 'failed' });
      continue;
    }
    const latest = await connection.latestValidated();
    const next = await validatedSequence(connection, address);
    if (next !== undefined && next > i.nonce) {
      // Our sequence moved past it, and no validated ledger holds this hash: another transaction took it.
      await log.removeIntent(i);
      report(hooks, i, 'superseded', `sequence ${i.nonce} was used by another transaction`);
      out.push({ intent: i, outcome: 'superseded' });
      continue;
    }
    const last = lastLedgerOf(xrpl, signed.raw);
    if (last !== undefined && latest.index > last) {
      await log.removeIntent(i);
      report(hooks, i, 'failed', 'expired');
      out.push({ intent: i, outcome: 'failed' });
      continue;
    }
    let prelim = 'submitted again after a restart';
    try {
      const res = await connection.request<{ engine_result: string }>({ command: 'submit', tx_blob: signed.raw });
      prelim = res.engine_result;
    } catch (err) {
      if (!(err instanceof XrplCallError)) throw err;
      logger.warn({ kind: i.kind, txHash: signed.hash, err: err.message }, 'submitting a recovered transaction again got no answer; following it by its hash');
    }
    report(hooks, i, 'resent');
    out.push({ intent: i, outcome: 'resent', wait: () => follow(connection, logger, validationPollMs, i, last, prelim, hooks) });
  }
  return out;
}

/** The account's next sequence in the last validated ledger (undefined: the ledger does not hold it). */
async function validatedSequence(connection: XrplConnection, address: string): Promise<number | undefined> {
  try {
    const res = await connection.request<{ account_data: { Sequence: number } }>({ command: 'account_info', account: address, ledger_index: 'validated' });
    return res.account_data.Sequence;
  } catch (err) {
    if (err instanceof XrplCallError && err.resultCode === 'actNotFound') return undefined;
    throw err;
  }
}

function lastLedgerOf(xrpl: Xrpl, blob: string): number | undefined {
  try {
    const v = xrpl.decode(blob).LastLedgerSequence;
    return typeof v === 'number' ? v : undefined;
  } catch {
    return undefined;
  }
}
