/**
 * Local sends waiting for a person: a send above `approvalAbove` is queued (its budget already
 * reserved) and answers at once with an approval id; approving runs it, denying or the timeout ends
 * it (and releases the budget). The queue is bounded (`maxPendingApprovals`); decided approvals are
 * remembered (the last 1000) so `GET /admin/approvals/:id` can show how a payment ended.
 */
import { randomUUID } from 'node:crypto';
import { appError } from '../errors/index.js';

export type ApprovalStatus = 'pending' | 'approved' | 'denied' | 'expired';

/** An approval as the admin API shows it. */
export interface ApprovalView {
  id: string;
  destination: string;
  amount: string;
  status: ApprovalStatus;
  createdAt: string;
  expiresAt: string;
  decidedAt?: string;
  decidedBy?: string;
  /** How the payment ended once approved (the same body as /admin/ilp/send answers). */
  outcome?: unknown;
}

interface Entry {
  view: ApprovalView;
  timer?: NodeJS.Timeout;
  run: () => Promise<unknown>;
  cancel: (status: 'denied' | 'expired') => void;
}

const KEEP_DECIDED = 1000;

export class ApprovalQueue {
  private readonly entries = new Map<string, Entry>();
  private pending = 0;

  constructor(
    private readonly opts: {
      max: () => number;
      timeoutMs: () => number;
      /** Called when an approval is queued and when it is decided (events and metrics). */
      onChange?: (view: Readonly<ApprovalView>) => void;
    },
  ) {}

  /** Sends waiting now. */
  get pendingCount(): number {
    return this.pending;
  }

  /**
   * Queues a send. `run` makes the payment once approved and resolves to its outcome; `cancel` ends
   * it without a payment. undefined when the queue is full.
   */
  add(destination: string, amount: bigint, run: () => Promise<unknown>, cancel: (status: 'denied' | 'expired') => void): ApprovalView | undefined {
    if (this.pending >= this.opts.max()) return undefined;
    const now = Date.now();
    const timeoutMs = this.opts.timeoutMs();
    const view: ApprovalView = {
      id: randomUUID(),
      destination,
      amount: amount.toString(),
      status: 'pending',
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(now + timeoutMs).toISOString(),
    };
    const entry: Entry = { view, run, cancel };
    entry.timer = setTimeout(() => this.end(entry, 'expired', 'timeout'), timeoutMs);
    entry.timer.unref();
    this.entries.set(view.id, entry);
    this.pending++;
    this.trim();
    this.opts.onChange?.(view);
    return view;
  }

  list(): ApprovalView[] {
    return [...this.entries.values()].map((e) => ({ ...e.view }));
  }

  get(id: string): ApprovalView {
    const e = this.entries.get(id);
    if (e === undefined) throw appError('NOT_FOUND', { what: `Approval ${id}` });
    return { ...e.view };
  }

  /** Approves (runs the payment, resolving when it ends) or denies a pending send. */
  async decide(id: string, approve: boolean, by: string): Promise<ApprovalView> {
    const e = this.entries.get(id);
    if (e === undefined) throw appError('NOT_FOUND', { what: `Approval ${id}` });
    if (e.view.status !== 'pending') {
      throw appError('CONFLICT', { what: `Approval ${id}`, message: `Approval ${id} is already ${e.view.status}` });
    }
    if (!approve) {
      this.end(e, 'denied', by);
      return { ...e.view };
    }
    this.settle(e, 'approved', by);
    e.view.outcome = await e.run();
    return { ...e.view };
  }

  /** Denies every pending send (the node is stopping). */
  close(): void {
    for (const e of this.entries.values()) if (e.view.status === 'pending') this.end(e, 'denied', 'shutdown');
  }

  private end(e: Entry, status: 'denied' | 'expired', by: string): void {
    if (e.view.status !== 'pending') return;
    this.settle(e, status, by);
    e.cancel(status);
  }

  private settle(e: Entry, status: ApprovalStatus, by: string): void {
    clearTimeout(e.timer);
    e.view.status = status;
    e.view.decidedAt = new Date().toISOString();
    e.view.decidedBy = by;
    this.pending--;
    this.opts.onChange?.(e.view);
  }

  private trim(): void {
    const decided = this.entries.size - this.pending;
    if (decided <= KEEP_DECIDED) return;
    let drop = decided - KEEP_DECIDED;
    for (const [id, e] of this.entries) {
      if (drop === 0) break;
      if (e.view.status !== 'pending') {
        this.entries.delete(id);
        drop--;
      }
    }
  }
}
