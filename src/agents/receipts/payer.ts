/**
 * The payer's half: a local send with `receipt: true` asks the payee for a receipt (envelope.ts),
 * takes the envelope off the Fulfill so the caller gets the payee's reply as it was sent, checks the
 * receipt, and records it (store.ts). A payee that gave none leaves the payer's own record, labelled.
 */
import type { Logger } from 'pino';
import { IlpPacketType } from '../../node/ilp/packet.js';
import type { SendPacketResult } from '../../node/local-send.js';
import type { SendPacketParams } from '../../node/types.js';
import { unwrapReply, withRequest } from './envelope.js';
import { verifyReceipt, type Receipt } from './receipt.js';
import type { ReceiptRecord, ReceiptStore } from './store.js';

/** A send's result with the receipt record when one was asked for and the payment was fulfilled. */
export type ResultWithReceipt = SendPacketResult & { receipt?: ReceiptRecord };

const NO_RECEIPT = "the payee sent no signed receipt (it is not an agent-runtime node, or its reply left no room): this is the payer's own record";
const TOO_LONG = "the data left no room to ask for a receipt: this is the payer's own record";

/** Sends `params` through `raw`, asking for a receipt. */
export async function payWithReceipt(
  params: SendPacketParams,
  raw: (p: SendPacketParams) => Promise<SendPacketResult>,
  store: ReceiptStore,
  logger: Logger,
): Promise<ResultWithReceipt> {
  const data = withRequest(params.data ?? Buffer.alloc(0));
  const r = await raw(data === undefined ? params : { ...params, data });
  if (r.type !== IlpPacketType.Fulfill) return r;
  const condition = params.executionCondition.toString('base64');
  const base = {
    at: new Date().toISOString(),
    destination: params.destination,
    amountSent: BigInt(params.amount).toString(),
    condition,
    fulfillment: r.fulfillment.toString('base64'),
  };
  const envelope = data === undefined ? undefined : unwrapReply(r.data);
  let record: ReceiptRecord;
  let reply = r.data;
  if (envelope === undefined) {
    record = { kind: 'payer-record', ...base, note: data === undefined ? TOO_LONG : NO_RECEIPT };
  } else {
    const receipt = envelope.receipt as Receipt;
    const check = verifyReceipt(receipt);
    const ours = check.valid && receipt.condition === condition;
    record = { kind: 'payee', ...base, receipt, verified: ours };
    reply = envelope.reply;
    if (!ours) logger.warn({ destination: params.destination, problems: check.problems }, 'the payee sent a receipt that does not check out');
  }
  // The send answers after the record is on disk, so `receipts list` shows it at once.
  await store.add(record).catch((err: unknown) => logger.error({ err: err instanceof Error ? err.message : String(err) }, 'could not record a receipt'));
  return { ...r, data: reply, receipt: record };
}
