/**
 * How a cluster instance shares rates, policies, approvals and receipts with the others
 * (shared-state.ts keeps them in PostgreSQL):
 * - a rate or policy change made here is written locally, then to the database and NOTIFYed, then
 *   applied; every other instance hears it, reads the stored value and adopts it (its local file too).
 *   At start an instance adopts what the cluster has (the cluster's set wins over the local file);
 * - every approval this instance queues is mirrored (its view) behind its local, fsynced write; the
 *   admin API lists and reads every instance's approvals; deciding one held by another live instance
 *   writes the decision and NOTIFYs, the owner decides it (runs the payment: its budget and the
 *   request are there) and the asking instance answers the view once the owner wrote the outcome;
 * - receipt records are appended to the database as well and listed from it (every instance's).
 */
import type { Logger } from 'pino';
import type { NodeConfig } from '../config/index.js';
import { postgresOptions } from '../node/ledger-backend.js';
import type { NodeRates } from '../rates/node-rates.js';
import type { Agents } from '../agents/index.js';
import { ApprovalStore, type StoredApproval } from '../agents/approval-store.js';
import type { ApprovalView, RemoteApprovals } from '../agents/approvals.js';
import { toJson } from '../agents/policy-store.js';
import { ReceiptStore, type ReceiptRecord } from '../agents/receipts/store.js';
import { appError } from '../errors/index.js';
import type { Cluster } from './cluster.js';
import { SharedState, type SharedKind } from './shared-state.js';
import { ClusterBudgets } from './budgets.js';

/** How long an instance asked to decide another's approval waits for its outcome (ms). */
const DECIDE_WAIT_MS = 120_000;

/** An approval store that mirrors every view it writes into the cluster (behind the local write). */
class ClusterApprovalStore extends ApprovalStore {
  private chain: Promise<void> = Promise.resolve();

  constructor(dataDir: string, private readonly log: Logger, private readonly db: SharedState) {
    super(dataDir, log);
  }

  override save(approvals: readonly StoredApproval[]): void {
    super.save(approvals);
    this.mirror(approvals.map((a) => a.view));
  }

  mirror(views: readonly ApprovalView[]): void {
    const copy = JSON.parse(JSON.stringify(views)) as Record<string, unknown>[];
    this.chain = this.chain
      .then(() => this.db.putApprovals(copy))
      .catch((err: unknown) => this.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not mirror approvals into the cluster'));
  }
}

/** Receipt records kept locally and in the cluster; listed from the cluster (every instance's). */
class ClusterReceiptStore extends ReceiptStore {
  constructor(dataDir: string, private readonly db: SharedState) {
    super(dataDir);
  }

  override async add(record: ReceiptRecord): Promise<void> {
    await super.add(record);
    await this.db.addReceipt(record);
  }

  override async list(limit = 100): Promise<ReceiptRecord[]> {
    return (await this.db.receipts(limit)) as ReceiptRecord[];
  }
}

export class ClusterShared {
  private rates: NodeRates | undefined;
  private agents: Agents | undefined;
  private readonly versions = new Map<SharedKind, number>();
  private readonly deciding = new Set<string>();
  private chain: Promise<void> = Promise.resolve();
  private closed = false;
  readonly approvalStore: ClusterApprovalStore;
  readonly receipts: ClusterReceiptStore;
  /** the local agent's budgets across instances (budgets.ts) */
  budgets: ClusterBudgets | undefined;

  private constructor(
    private readonly db: SharedState,
    private readonly cluster: Cluster,
    private readonly logger: Logger,
    dataDir: string,
  ) {
    this.approvalStore = new ClusterApprovalStore(dataDir, logger, db);
    this.receipts = new ClusterReceiptStore(dataDir, db);
  }

  /** The shared state of a started cluster instance (undefined when the cluster is off). */
  static async open(c: NodeConfig, cluster: Cluster | undefined, logger: Logger): Promise<ClusterShared | undefined> {
    if (cluster === undefined) return undefined;
    const { url, tls } = postgresOptions(c);
    const db = await SharedState.open({ url, ...(tls ? { tls } : {}) }, cluster.instanceId);
    const shared = new ClusterShared(db, cluster, logger, c.dataDir);
    shared.budgets = await ClusterBudgets.open({ url, ...(tls ? { tls } : {}) }, cluster.instanceId, c.cluster.deadAfterMs);
    return shared;
  }

  /** Hooks the node's rates and agents in, adopts the cluster's rates and policies, mirrors the approvals. */
  async attach(rates: NodeRates, agents: Agents): Promise<void> {
    this.rates = rates;
    this.agents = agents;
    rates.publish = async (saved) => {
      this.versions.set('rates', await this.db.publish('rates', saved));
    };
    agents.policies.publish = async (p) => {
      this.versions.set('policies', await this.db.publish('policies', JSON.parse(toJson(p))));
    };
    agents.approvals.remote = this.remoteApprovals();
    agents.payments.clusterBudgets = this.budgets;
    this.approvalStore.mirror(agents.approvals.list());
    this.cluster.onShared((payload) => this.changed(payload));
    this.changed('');
    await this.chain;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.chain;
    await this.db.close();
    await this.budgets?.close();
  }

  /** A NOTIFY from another instance (`<id> <kind>[ <approval id>]`), or '' to catch up on everything. */
  private changed(payload: string): void {
    const kind = payload.split(' ')[1];
    this.chain = this.chain
      .then(async () => {
        if (this.closed) return;
        if (kind === undefined || kind === 'rates') await this.adopt('rates');
        if (kind === undefined || kind === 'policies') await this.adopt('policies');
        if (kind === undefined || kind === 'approval') await this.decideAsked();
      })
      .catch((err: unknown) => this.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not apply the cluster\'s shared state'));
  }

  private async adopt(kind: SharedKind): Promise<void> {
    const got = await this.db.read(kind);
    if (got === undefined || got.version <= (this.versions.get(kind) ?? 0)) return;
    if (kind === 'rates') await this.rates?.adopt(got.value as Record<string, string>);
    else await this.agents?.policies.adopt(got.value);
    this.versions.set(kind, got.version);
    this.logger.info({ kind, version: got.version }, 'adopted the cluster\'s runtime ' + kind);
  }

  /** Decides this instance's approvals that another instance was asked to decide. */
  private async decideAsked(): Promise<void> {
    const queue = this.agents?.approvals;
    if (queue === undefined) return;
    for (const d of await this.db.decisionsAsked()) {
      if (this.deciding.has(d.id)) continue;
      this.deciding.add(d.id);
      queue
        .decide(d.id, d.approve, d.by)
        .catch((err: unknown) => this.logger.warn({ approval: d.id, err: err instanceof Error ? err.message : String(err) }, 'could not decide an approval asked at another instance'))
        .finally(() => this.deciding.delete(d.id));
    }
  }

  private remoteApprovals(): RemoteApprovals {
    const me = this.cluster.instanceId;
    return {
      list: async () => (await this.db.approvals()).filter((r) => r.instance !== me).map((r) => r.view as unknown as ApprovalView),
      get: async (id) => {
        const r = await this.db.approval(id);
        return r === undefined || r.instance === me ? undefined : (r.view as unknown as ApprovalView);
      },
      decide: async (id, approve, by) => {
        const r = await this.db.approval(id);
        if (r === undefined || r.instance === me) return undefined;
        const what = `Approval ${id}`;
        if (r.view.status !== 'pending') throw appError('CONFLICT', { what, message: `${what} is already ${r.view.status}` });
        if (!this.cluster.isLive(r.instance)) {
          throw appError('CONFLICT', { what, message: `${what} is held by cluster instance ${r.instance}, which is not running: decide it there once it is back` });
        }
        const asked = await this.db.requestDecision(id, approve, by);
        if (asked === undefined) return undefined;
        if (!asked.asked && asked.row.view.status !== 'pending') throw appError('CONFLICT', { what, message: `${what} is already ${asked.row.view.status}` });
        return this.awaitDecided(id);
      },
    };
  }

  /** Polls the owner's view until it is decided (and, approved, has its outcome) or the wait ends. */
  private async awaitDecided(id: string): Promise<ApprovalView | undefined> {
    const until = Date.now() + DECIDE_WAIT_MS;
    let view: ApprovalView | undefined;
    for (;;) {
      const r = await this.db.approval(id);
      view = r?.view as unknown as ApprovalView | undefined;
      if (view === undefined || (view.status !== 'pending' && (view.status !== 'approved' || view.outcome !== undefined))) return view;
      if (Date.now() > until || this.closed) return view;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
