/**
 * What the agents module tells the rest of the node: an event for every policy denial and every
 * approval step (`policy:denied`, `approval:requested|approved|denied|expired`), and Prometheus
 * metrics read at scrape time (denials by rule, budgets used and left, approvals waiting and
 * decided, receipts signed). Counting is a Map increment; nothing here runs for a payment that passes.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { NodeEventInput } from '../node/events.js';
import type { ApprovalQueue, ApprovalView } from './approvals.js';
import type { Policies } from './policies.js';
import type { PolicyDenial } from './spend-account.js';

const SEP = '\u0000';

export class AgentSignals {
  private readonly denials = new Map<string, number>();
  private readonly approvals = new Map<string, number>();
  private signed = 0;

  constructor(private readonly emit: (e: NodeEventInput) => void) {}

  readonly denied = (subject: string, d: PolicyDenial, destination: string, amount: bigint): void => {
    const key = subject + SEP + d.rule;
    this.denials.set(key, (this.denials.get(key) ?? 0) + 1);
    this.emit({ type: 'policy:denied', subject, rule: d.rule, code: d.code, destination, amount: amount.toString(), message: d.message });
  };

  readonly approvalChanged = (v: Readonly<ApprovalView>): void => {
    const step = v.status === 'pending' ? 'requested' : v.status;
    this.approvals.set(step, (this.approvals.get(step) ?? 0) + 1);
    const base = { approvalId: v.id, destination: v.destination, amount: v.amount };
    if (v.status === 'pending') this.emit({ type: 'approval:requested', ...base, expiresAt: v.expiresAt });
    else this.emit({ type: `approval:${v.status}`, ...base, by: v.decidedBy ?? '' });
  };

  readonly receiptSigned = (): void => {
    this.signed++;
  };

  /** Registers the metrics on the node's registry. */
  registerMetrics(registry: Registry, policies: Policies, queue: ApprovalQueue): void {
    const { denials, approvals } = this;
    new Counter({
      name: 'ilp_policy_denials_total',
      help: 'Payments a spend policy refused, by payer (local or a peer id) and rule (deniedPrefixes, allowedPrefixes, maxPerPayment, budget).',
      labelNames: ['subject', 'rule'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [key, n] of denials) {
          const [subject, rule] = key.split(SEP);
          this.inc({ subject, rule }, n);
        }
      },
    });
    const budgetGauge = (name: string, help: string, field: 'spent' | 'reserved' | 'remaining') =>
      new Gauge({
        name,
        help,
        labelNames: ['subject', 'per', 'budget'],
        registers: [registry],
        collect() {
          this.reset();
          const view = policies.view();
          const all = [...(view.local ? [view.local] : []), ...Object.values(view.peers)];
          for (const p of all) for (const b of p.budgets) this.set({ subject: p.subject, per: b.per, budget: b.amount }, Number(b[field]));
        },
      });
    budgetGauge('ilp_policy_budget_spent', 'Spent within each budget window, raw units of the payer\'s asset.', 'spent');
    budgetGauge('ilp_policy_budget_reserved', 'Held by payments in flight against each budget.', 'reserved');
    budgetGauge('ilp_policy_budget_remaining', 'Left in each budget window.', 'remaining');
    new Gauge({
      name: 'ilp_approvals_pending',
      help: 'Local sends waiting for approval.',
      registers: [registry],
      collect() {
        this.set(queue.pendingCount);
      },
    });
    new Counter({
      name: 'ilp_approvals_total',
      help: 'Approval steps: requested, approved, denied, expired.',
      labelNames: ['step'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [step, n] of approvals) this.inc({ step }, n);
      },
    });
    const signed = () => this.signed;
    new Counter({
      name: 'ilp_receipts_signed_total',
      help: 'Payee receipts this node signed for payments to its local agent.',
      registers: [registry],
      collect() {
        this.reset();
        this.inc(signed());
      },
    });
  }
}
