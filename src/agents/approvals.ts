/**
 * Local sends waiting for a person: a send above `approvalAbove` is queued (its budget already
 * reserved) and answers at once with an approval id; approving runs it, denying or the timeout ends
 * it (and releases the budget). The queue is bounded (`maxPendingApprovals`); decided approvals are
 * remembered (the last 1000) so `GET /admin/approvals/:id` can show how a payment ended.
 *
 * With a store (approval-store.ts) every change is on disk before anyone hears of it: pending
 * approvals survive a restart (LocalPayments restores them with their budget held), and an approval
 * is recorded as approved before its payment starts, so it can never be sent twice. A stop leaves
 * pending approvals pending.
 */
import { randomUUID } from 'node:crypto';
import { appError, type AppError } from '../errors/index.js';
import type { ApprovalStore, StoredApproval, StoredRequest } from './approval-store.js';

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

/** What a pending approval does once decided. */
export interface ApprovalHandlers {
  /** Makes the payment of approval `id`; resolves to its outcome. */
  run: (id: string) => Promise<unknown>;
  /** Ends approval `id` without a payment (and releases its budget). */
  cancel: (status: 'denied' | 'expired', id: string) => void;
}

interface Entry {
  view: ApprovalView;
  request?: StoredRequest;
  timer?: NodeJS.Timeout;
  handlers?: ApprovalHandlers;
}

const KEEP_DECIDED = 1000;
/** Decided approvals kept on disk (pending ones are always kept). */
const STORE_DECIDED = 100;

/** Approvals held by the other instances of a cluster (src/cluster/shared-wiring.ts). */
export interface RemoteApprovals {
  list(): Promise<ApprovalView[]>;
  get(id: string): Promise<ApprovalView | undefined>;
  /** Has the owner decide it; undefined when no instance has it. */
  decide(id: string, approve: boolean, by: string): Promise<ApprovalView | undefined>;
}

export class ApprovalQueue {
  private readonly entries = new Map<string, Entry>();
  private pending = 0;
  /** A cluster instance's view of the other instances' approvals (none on a lone node). */
  remote: RemoteApprovals | undefined;

  constructor(
    private readonly opts: {
      max: () => number;
      timeoutMs: () => number;
      /** Called when an approval is queued and when it is decided (events and metrics). */
      onChange?: (view: Readonly<ApprovalView>) => void;
      /** Where approvals are kept across restarts (none: in memory only). */
      store?: ApprovalStore;
      /** A write that could not be made and is not refused (a decision after the fact, an outcome). */
      onPersistError?: (err: unknown) => void;
    },
  ) {}

  /** The stored approvals (read once at start, before `restore`). */
  stored(): StoredApproval[] {
    return this.opts.store?.load() ?? [];
  }

  /**
   * Puts back an approval read from the store: a pending one with its handlers (its timer runs for
   * what is left of its time; one already past it expires now), a decided one as it was.
   */
  restore(s: StoredApproval, handlers?: ApprovalHandlers): void {
    const entry: Entry = { view: { ...s.view }, request: s.request };
    this.entries.set(entry.view.id, entry);
    if (entry.view.status === 'approved' && entry.view.outcome === undefined) {
      entry.view.outcome = { unknown: true, message: 'the node stopped while this payment was in flight: `balances` tells whether it was paid' };
    }
    if (entry.view.status !== 'pending') return;
    this.pending++;
    if (handlers === undefined || s.request === undefined) {
      this.settle(entry, 'expired', 'restart');
      return;
    }
    entry.handlers = handlers;
    const left = Date.parse(entry.view.expiresAt) - Date.now();
    if (!(left > 0)) {
      this.end(entry, 'expired', 'timeout');
      return;
    }
    entry.timer = setTimeout(() => this.end(entry, 'expired', 'timeout'), left);
    entry.timer.unref();
  }

  /** Sends waiting now. */
  get pendingCount(): number {
    return this.pending;
  }

  /**
   * Queues a send (on disk before this returns: throws when the store cannot write it, and then
   * nothing is queued). `request` is what the store keeps to send it after a restart. undefined when
   * the queue is full.
   */
  add(destination: string, amount: bigint, request: StoredRequest | undefined, handlers: ApprovalHandlers): ApprovalView | undefined {
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
    const entry: Entry = { view, request, handlers };
    this.entries.set(view.id, entry);
    try {
      this.persist();
    } catch (err) {
      this.entries.delete(view.id);
      throw err;
    }
    entry.timer = setTimeout(() => this.end(entry, 'expired', 'timeout'), timeoutMs);
    entry.timer.unref();
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
    if (e === undefined) throw approvalNotFound(id);
    return { ...e.view };
  }

  /** This node's approvals and, in a cluster, the other instances' (the admin API's list). */
  async listAll(): Promise<ApprovalView[]> {
    const local = this.list();
    if (this.remote === undefined) return local;
    const known = new Set(local.map((v) => v.id));
    return [...local, ...(await this.remote.list()).filter((v) => !known.has(v.id))];
  }

  /** One approval, here or (in a cluster) at another instance. */
  async find(id: string): Promise<ApprovalView> {
    if (this.entries.has(id) || this.remote === undefined) return this.get(id);
    const v = await this.remote.get(id);
    if (v === undefined) throw approvalNotFound(id);
    return v;
  }

  /** `decide`, or in a cluster the owner instance decides an approval this one does not hold. */
  async decideAnywhere(id: string, approve: boolean, by: string): Promise<ApprovalView> {
    if (this.entries.has(id) || this.remote === undefined) return this.decide(id, approve, by);
    const v = await this.remote.decide(id, approve, by);
    if (v === undefined) throw approvalNotFound(id);
    return v;
  }

  /** Approves (runs the payment, resolving when it ends) or denies a pending send. */
  async decide(id: string, approve: boolean, by: string): Promise<ApprovalView> {
    const e = this.entries.get(id);
    if (e === undefined) throw approvalNotFound(id);
    if (e.view.status !== 'pending') {
      throw appError('CONFLICT', { what: `Approval ${id}`, message: `Approval ${id} is already ${e.view.status}` });
    }
    if (!approve) {
      this.end(e, 'denied', by);
      return { ...e.view };
    }
    // On disk as approved before the payment starts: a crash in between must not send it again.
    const before = { ...e.view };
    this.mark(e, 'approved', by);
    try {
      this.persist();
    } catch (err) {
      e.view = before;
      this.pending++;
      throw err;
    }
    clearTimeout(e.timer);
    this.opts.onChange?.(e.view);
    e.view.outcome = await e.handlers!.run(e.view.id);
    this.persistQuietly();
    return { ...e.view };
  }

  /** The node is stopping: timers stop, pending approvals stay pending (on disk with a store). */
  close(): void {
    for (const e of this.entries.values()) clearTimeout(e.timer);
  }

  private end(e: Entry, status: 'denied' | 'expired', by: string): void {
    if (e.view.status !== 'pending') return;
    this.settle(e, status, by);
    e.handlers?.cancel(status, e.view.id);
  }

  private settle(e: Entry, status: ApprovalStatus, by: string): void {
    clearTimeout(e.timer);
    this.mark(e, status, by);
    // A denial or expiry that cannot be written comes back as pending after a restart: never a payment.
    this.persistQuietly();
    this.opts.onChange?.(e.view);
  }

  private mark(e: Entry, status: ApprovalStatus, by: string): void {
    e.view.status = status;
    e.view.decidedAt = new Date().toISOString();
    e.view.decidedBy = by;
    this.pending--;
  }

  private persist(): void {
    const store = this.opts.store;
    if (store === undefined) return;
    const all = [...this.entries.values()];
    let decided = all.filter((e) => e.view.status !== 'pending').length;
    const out: StoredApproval[] = [];
    for (const e of all) {
      if (e.view.status === 'pending') out.push({ view: e.view, ...(e.request ? { request: e.request } : {}) });
      else if (decided-- <= STORE_DECIDED) out.push({ view: e.view });
    }
    store.save(out);
  }

  private persistQuietly(): void {
    try {
      this.persist();
    } catch (err) {
      this.opts.onPersistError?.(err);
    }
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

/** NOT_FOUND for an approval id, saying where ids come from. */
function approvalNotFound(id: string): AppError {
  return appError('NOT_FOUND', {
    what: `Approval ${id}`,
    suggestion: 'Use the approvalId a send above policies.local.approvalAbove answered ({pending: true, approvalId}); `agent-runtime approvals list` shows the approvals this node holds.',
  });
}
