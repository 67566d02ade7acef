/**
 * The local agent's payments under its policy: one send is one payment. The budget is checked and
 * reserved first; a send above `approvalAbove` then waits in the approval queue before any Prepare
 * is made; the reservation is committed on Fulfill and released on Reject, denial or timeout.
 */
import { encodeAmountTooLargeData } from '../node/ilp/errors.js';
import { IlpPacketType } from '../node/ilp/packet.js';
import type { SendPacketParams } from '../node/types.js';
import type { SendPacketResult } from '../node/connector-node.js';
import type { ApprovalQueue, ApprovalView } from './approvals.js';
import type { Policies } from './policies.js';
import type { PolicyDenial } from './spend-account.js';
import type { Logger } from 'pino';
import { payWithReceipt, type ResultWithReceipt } from './receipts/payer.js';
import type { ReceiptStore } from './receipts/store.js';

/** How a local send ended, or that it waits for approval (`done` resolves when it ends). */
export type LocalOutcome =
  | { pending: false; result: SendPacketResult }
  | { pending: true; approval: ApprovalView; done: Promise<SendPacketResult> };

export type RawSend = (params: SendPacketParams) => Promise<SendPacketResult>;

/** The body /admin/ilp/send answers for a result (also an approval's outcome). */
export function sendResponse(r: ResultWithReceipt): Record<string, unknown> {
  const data = r.data.length > 0 ? { data: r.data.toString('base64') } : {};
  const receipt = r.receipt === undefined ? {} : { receipt: r.receipt };
  if (r.type === IlpPacketType.Fulfill) return { accepted: true, fulfilled: true, fulfillment: r.fulfillment.toString('base64'), ...data, ...receipt };
  return { accepted: false, fulfilled: false, code: r.code, message: r.message, triggeredBy: r.triggeredBy, ...data };
}

export class LocalPayments {
  constructor(
    private readonly policies: Policies,
    readonly approvals: ApprovalQueue,
    private readonly address: () => string,
    private readonly receipts: ReceiptStore,
    private readonly logger: Logger,
  ) {}

  async send(params: SendPacketParams, rawSend: RawSend): Promise<LocalOutcome> {
    const raw: RawSend = params.receipt === true ? (p) => payWithReceipt(p, rawSend, this.receipts, this.logger) : rawSend;
    const account = this.policies.local;
    if (account === undefined) return { pending: false, result: await raw(params) };
    const amount = BigInt(params.amount);
    const created = Date.now();
    const denial = account.reserve(params.destination, amount, created);
    if (denial !== undefined) return { pending: false, result: this.denied(denial, amount) };

    const pay = async (p: SendPacketParams): Promise<SendPacketResult> => {
      let r: SendPacketResult;
      try {
        r = await raw(p);
      } catch (err) {
        account.release(amount);
        throw err;
      }
      if (r.type === IlpPacketType.Fulfill) account.commit(amount, Date.now());
      else account.release(amount);
      return r;
    };
    const line = this.policies.config.local?.approvalAbove;
    if (line === undefined || amount <= line) return { pending: false, result: await pay(params) };

    let finish!: (r: SendPacketResult) => void;
    const done = new Promise<SendPacketResult>((resolve) => (finish = resolve));
    // The packet's lifetime starts when it is approved, not when it was asked for.
    const ttl = Math.max(1000, params.expiresAt.getTime() - created);
    const approval = this.approvals.add(
      params.destination,
      amount,
      async () => {
        const r = await pay({ ...params, expiresAt: new Date(Date.now() + ttl) }).catch((err: unknown) =>
          this.reject('T00', `payment failed after approval: ${err instanceof Error ? err.message : String(err)}`),
        );
        finish(r);
        return sendResponse(r);
      },
      (status) => {
        account.release(amount);
        finish(this.reject('F99', status === 'expired' ? 'policy approvalAbove: nobody approved the payment in time' : 'policy approvalAbove: the payment was denied'));
      },
    );
    if (approval === undefined) {
      account.release(amount);
      const max = this.policies.config.local?.maxPendingApprovals ?? 0;
      return { pending: false, result: this.reject('T03', `policy approvalAbove: the approval queue is full (${max} waiting); try again later`) };
    }
    return { pending: true, approval, done };
  }

  private denied(d: PolicyDenial, amount: bigint): SendPacketResult {
    const data = d.code === 'F08' ? encodeAmountTooLargeData({ receivedAmount: amount, maximumAmount: d.maximum ?? 0n }) : Buffer.alloc(0);
    return { ...this.reject(d.code, d.message), data };
  }

  private reject(code: string, message: string): SendPacketResult & { type: typeof IlpPacketType.Reject } {
    return { type: IlpPacketType.Reject, code, message, triggeredBy: this.address(), data: Buffer.alloc(0) };
  }
}
