/**
 * The local agent's payments under its policy: one send is one payment. The budget is checked and
 * reserved first; a send above `approvalAbove` then waits in the approval queue before any Prepare
 * is made; the reservation is committed on Fulfill and released on Reject, denial or timeout.
 * Pending approvals are on disk (approval-store.ts); `restore` puts them back at start with their
 * budget held again.
 */
import { encodeAmountTooLargeData } from '../node/ilp/errors.js';
import { IlpPacketType } from '../node/ilp/packet.js';
import type { SendPacketParams } from '../node/types.js';
import type { SendPacketResult } from '../node/connector-node.js';
import type { ApprovalHandlers, ApprovalQueue, ApprovalView } from './approvals.js';
import type { StoredRequest } from './approval-store.js';
import type { Policies } from './policies.js';
import type { PolicyDenial, SpendAccount } from './spend-account.js';
import type { Logger } from 'pino';
import { payWithReceipt, type ResultWithReceipt } from './receipts/payer.js';
import type { ReceiptStore } from './receipts/store.js';
import type { Window } from '../config/schema-agents.js';

/** How a local send ended, or that it waits for approval (`done` resolves when it ends). */
export type LocalOutcome =
  | { pending: false; result: SendPacketResult }
  | { pending: true; approval: ApprovalView; done: Promise<SendPacketResult> };

/** A send through the pipeline; `memo`: the spend memo account the ledger books its amount on with it. */
export type RawSend = (params: SendPacketParams, memo?: string) => Promise<SendPacketResult>;

/** The body /admin/ilp/send answers for a result (also an approval's outcome). */
export function sendResponse(r: ResultWithReceipt): Record<string, unknown> {
  const data = r.data.length > 0 ? { data: r.data.toString('base64') } : {};
  const receipt = r.receipt === undefined ? {} : { receipt: r.receipt };
  if (r.type === IlpPacketType.Fulfill) return { accepted: true, fulfilled: true, fulfillment: r.fulfillment.toString('base64'), ...data, ...receipt };
  return { accepted: false, fulfilled: false, code: r.code, message: r.message, triggeredBy: r.triggeredBy, ...data };
}

/** A cluster's budget gate (src/cluster/budgets.ts): holds a payment's amount across instances. */
export interface ClusterBudgetGate {
  reserve(subject: string, amount: bigint, budgets: readonly { amount: bigint; per: Window }[], now: number): Promise<BudgetHold | { budget: { amount: bigint; per: Window }; remaining: bigint }>;
}

/** A payment held in a cluster's budget. */
export interface BudgetHold {
  commit(): Promise<void>;
  release(): Promise<void>;
}

export class LocalPayments {
  /** In-process callers waiting on an approval's payment (sendPacket), by approval id. */
  private readonly waiting = new Map<string, (r: SendPacketResult) => void>();
  /** Set by a cluster instance: the local agent's budgets hold across every instance. */
  clusterBudgets: ClusterBudgetGate | undefined;

  constructor(
    private readonly policies: Policies,
    readonly approvals: ApprovalQueue,
    private readonly address: () => string,
    private readonly receipts: ReceiptStore,
    private readonly logger: Logger,
  ) {}

  async send(params: SendPacketParams, rawSend: RawSend): Promise<LocalOutcome> {
    const account = this.policies.local;
    if (account === undefined) return { pending: false, result: await this.raw(params, rawSend)(params) };
    const amount = BigInt(params.amount);
    const created = Date.now();
    const denial = account.reserve(params.destination, amount, created);
    if (denial !== undefined) return { pending: false, result: this.denied(denial, amount) };
    const held = await this.holdInCluster(account, amount, created);
    if ('result' in held) return held;
    const hold = held.hold;

    const line = this.policies.config.local?.approvalAbove;
    if (line === undefined || amount <= line) return { pending: false, result: await this.pay(account, params, rawSend, hold) };

    // The packet's lifetime starts when it is approved, not when it was asked for.
    const request: StoredRequest = {
      destination: params.destination,
      amount: amount.toString(),
      condition: params.executionCondition.toString('base64'),
      data: (params.data ?? Buffer.alloc(0)).toString('base64'),
      ttlMs: Math.max(1000, params.expiresAt.getTime() - created),
      ...(params.receipt === true ? { receipt: true } : {}),
    };
    let approval: ApprovalView | undefined;
    try {
      approval = this.approvals.add(params.destination, amount, request, this.handlers(account, request, rawSend, hold));
    } catch (err) {
      account.release(amount);
      void hold?.release();
      this.logger.error({ err }, 'could not store an approval; the send is refused');
      return { pending: false, result: this.reject('T00', `policy approvalAbove: the approval could not be stored (${err instanceof Error ? err.message : String(err)}); nothing was sent`) };
    }
    if (approval === undefined) {
      account.release(amount);
      void hold?.release();
      const max = this.policies.config.local?.maxPendingApprovals ?? 0;
      return { pending: false, result: this.reject('T03', `policy approvalAbove: the approval queue is full (${max} waiting); try again later`) };
    }
    const done = new Promise<SendPacketResult>((resolve) => this.waiting.set(approval.id, resolve));
    return { pending: true, approval, done };
  }

  /**
   * Puts back the approvals stored by the last run: each pending one holds its budget again (it was
   * held when it was asked for) and is sent with `rawSend` if approved; one past its time expires now
   * and releases it.
   */
  restore(rawSend: RawSend): void {
    for (const s of this.approvals.stored()) {
      if (s.view.status !== 'pending' || s.request === undefined) {
        this.approvals.restore(s);
        continue;
      }
      const account = this.policies.local;
      const amount = BigInt(s.request.amount);
      account?.hold(amount);
      this.approvals.restore(s, this.handlers(account, s.request, rawSend));
    }
  }

  /** The node is stopping: in-process callers hear that their approval is still pending. */
  close(): void {
    for (const [id, finish] of this.waiting) {
      finish(this.reject('T99', `policy approvalAbove: the node stopped; approval ${id} stays pending and is sent if approved after the next start`));
    }
    this.waiting.clear();
  }

  /**
   * A cluster instance (src/cluster/budgets.ts): the payment's amount is held cluster-wide too, or the
   * payment is refused (T04 naming what is left across the cluster; T00 when the database cannot say).
   */
  private async holdInCluster(account: SpendAccount, amount: bigint, now: number): Promise<{ hold?: BudgetHold } | { pending: false; result: SendPacketResult }> {
    const gate = this.clusterBudgets;
    if (gate === undefined || account.policy.budgets.length === 0 || amount === 0n) return {};
    try {
      const got = await gate.reserve(account.subject, amount, account.policy.budgets, now);
      if (!('remaining' in got)) return { hold: got };
      account.release(amount);
      const b = got.budget;
      return { pending: false, result: this.denied({ rule: 'budget', code: 'T04', message: `policy budget ${b.amount} per ${b.per}: ${got.remaining} left across the cluster, ${amount} asked (it refills as the window slides)`, remaining: got.remaining }, amount) };
    } catch (err) {
      account.release(amount);
      this.logger.error({ err }, 'could not hold the payment in the cluster\'s budget; the send is refused');
      return { pending: false, result: this.reject('T00', `policy budget: the cluster's budget could not be checked (${err instanceof Error ? err.message : String(err)}); nothing was sent`) };
    }
  }

  private handlers(account: SpendAccount | undefined, req: StoredRequest, rawSend: RawSend, hold?: BudgetHold): ApprovalHandlers {
    const amount = BigInt(req.amount);
    const finish = (id: string, r: SendPacketResult) => {
      this.waiting.get(id)?.(r);
      this.waiting.delete(id);
    };
    return {
      run: async (id) => {
        const params: SendPacketParams = {
          destination: req.destination,
          amount,
          executionCondition: Buffer.from(req.condition, 'base64'),
          expiresAt: new Date(Date.now() + req.ttlMs),
          data: Buffer.from(req.data, 'base64'),
          ...(req.receipt === true ? { receipt: true } : {}),
        };
        const r = await (account === undefined ? this.raw(params, rawSend)(params) : this.pay(account, params, rawSend, hold)).catch((err: unknown) =>
          this.reject('T00', `payment failed after approval: ${err instanceof Error ? err.message : String(err)}`),
        );
        finish(id, r);
        return sendResponse(r);
      },
      cancel: (status, id) => {
        account?.release(amount);
        void hold?.release();
        finish(id, this.reject('F99', status === 'expired' ? 'policy approvalAbove: nobody approved the payment in time' : 'policy approvalAbove: the payment was denied'));
      },
    };
  }

  /** Pays with the budget already reserved on `account`: committed on Fulfill, released otherwise. */
  private async pay(account: SpendAccount, params: SendPacketParams, rawSend: RawSend, hold?: BudgetHold): Promise<SendPacketResult> {
    const amount = BigInt(params.amount);
    let r: SendPacketResult;
    try {
      // Booked on the policy's memo account in the payment's own ledger entry (policies.ts).
      r = await this.raw(params, (p) => rawSend(p, account.memoAccount))(params);
    } catch (err) {
      account.release(amount);
      void hold?.release().catch(() => undefined);
      throw err;
    }
    if (r.type === IlpPacketType.Fulfill) account.commit(amount, Date.now());
    else account.release(amount);
    const settled = r.type === IlpPacketType.Fulfill ? hold?.commit() : hold?.release();
    await settled?.catch((err: unknown) => this.logger.error({ err }, 'could not record the payment in the cluster\'s budget'));
    return r;
  }

  private raw(params: SendPacketParams, rawSend: RawSend): RawSend {
    return params.receipt === true ? (p) => payWithReceipt(p, rawSend, this.receipts, this.logger) : rawSend;
  }

  private denied(d: PolicyDenial, amount: bigint): SendPacketResult {
    const data = d.code === 'F08' ? encodeAmountTooLargeData({ receivedAmount: amount, maximumAmount: d.maximum ?? 0n }) : Buffer.alloc(0);
    return { ...this.reject(d.code, d.message), data };
  }

  private reject(code: string, message: string): SendPacketResult & { type: typeof IlpPacketType.Reject } {
    return { type: IlpPacketType.Reject, code, message, triggeredBy: this.address(), data: Buffer.alloc(0) };
  }
}
