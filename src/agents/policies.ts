/**
 * The spend policies in force: one SpendAccount per payer with a policy (`local` for the local
 * agent, else a peer id), their persistence, and runtime changes (persist first, apply second).
 *
 * Spend survives a kill -9 because the ledger keeps it: every payment a policy counts is booked with
 * a memo posting on the payer's `spend:` account in the payment's own entry (same batch), and the
 * history counts it only once that entry is durable. `spend.json` (written behind) keeps the windows'
 * buckets and the total they hold; at start whatever the ledger's memo balance holds beyond that total
 * (payments of the last moments before a crash) is counted as spent at the start time: never less
 * than was paid, and never earlier.
 *
 * The packet path asks `forPeer(id)` once per Prepare: a Map lookup that is undefined for a
 * policy-free peer, so such a peer pays nothing more.
 */
import type { Logger } from 'pino';
import { policiesSchema, type PoliciesConfig } from '../config/schema-agents.js';
import { SpendAccount, memoAccountOf, type BudgetStatus, type PolicyDenial } from './spend-account.js';
import { SpendHistory } from './spend-history.js';
import { PolicyStore } from './policy-store.js';

/** The subject of the local agent's policy. */
export const LOCAL_SUBJECT = 'local';

/** One policy as the admin API shows it: the policy (amounts as strings) and its budgets' state. */
export interface PolicyView {
  subject: string;
  policy: Record<string, unknown>;
  budgets: BudgetStatus[];
  inFlight: string;
}

export class Policies {
  private readonly accounts = new Map<string, SpendAccount>();
  /** Every payer's history, kept when its policy is removed (it may come back). */
  private readonly histories = new Map<string, SpendHistory>();
  private readonly store: PolicyStore;
  private current: PoliciesConfig;

  constructor(
    dataDir: string,
    configured: PoliciesConfig,
    private readonly logger: Logger,
    /** Called for every payment a policy refuses (events and metrics). */
    private readonly onDenied?: (subject: string, denial: PolicyDenial, destination: string, amount: bigint) => void,
    /** The durable balance of a spend memo account (the ledger's); none: spend.json alone. */
    private readonly booked?: (memoAccount: string) => bigint,
  ) {
    this.store = new PolicyStore(dataDir, logger, () => this.dumpHistories());
    const stored = this.store.loadPolicies();
    let initial = configured;
    if (stored !== undefined) {
      const parsed = policiesSchema.safeParse(stored);
      if (parsed.success) {
        initial = parsed.data;
        logger.warn('spend policies set at runtime (data/agents/policies.json) override the config file');
      } else logger.error({ issue: parsed.error.issues[0]?.message }, 'stored policies are invalid; using the config file');
    }
    for (const [subject, h] of Object.entries(this.store.loadHistory())) {
      const history = new SpendHistory();
      history.restore(h);
      this.histories.set(subject, history);
      this.catchUp(subject, history);
    }
    this.current = initial;
    this.apply(initial);
  }

  /** The policies in force (resolved: amounts as bigint). */
  get config(): PoliciesConfig {
    return this.current;
  }

  /** The account of a peer with a policy; undefined (the common case) when it has none. */
  forPeer(peerId: string): SpendAccount | undefined {
    return this.accounts.get(peerId);
  }

  /** The local agent's account, when it has a policy. */
  get local(): SpendAccount | undefined {
    return this.accounts.get(LOCAL_SUBJECT);
  }

  /** Replaces every policy: validated, written to disk, then applied. Spend history is kept. */
  async set(input: unknown): Promise<PoliciesConfig> {
    const next = policiesSchema.parse(input);
    await this.store.savePolicies(next);
    await this.publish?.(next);
    this.current = next;
    this.apply(next);
    return next;
  }

  /** A cluster instance's hook (src/cluster): every change made here, after its local write and before it applies. */
  publish: ((policies: PoliciesConfig) => Promise<void>) | undefined;

  /** Policies set at another instance of the cluster: validated, written to disk, then applied. */
  async adopt(input: unknown): Promise<void> {
    const next = policiesSchema.parse(input);
    await this.store.savePolicies(next);
    this.current = next;
    this.apply(next);
  }

  /** Every policy with its budgets' state at `now`. */
  view(now = Date.now()): { local?: PolicyView; peers: Record<string, PolicyView> } {
    const peers: Record<string, PolicyView> = {};
    let local: PolicyView | undefined;
    for (const [subject, a] of this.accounts) {
      const v: PolicyView = {
        subject,
        policy: JSON.parse(JSON.stringify(a.policy, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x))) as Record<string, unknown>,
        budgets: a.budgets(now),
        inFlight: a.inFlight.toString(),
      };
      if (subject === LOCAL_SUBJECT) local = v;
      else peers[subject] = v;
    }
    return { ...(local === undefined ? {} : { local }), peers };
  }

  /** Writes the spend history (call at stop). */
  close(): Promise<void> {
    return this.store.flush();
  }

  private apply(p: PoliciesConfig): void {
    const wanted = new Map<string, PoliciesConfig['peers'][string]>(Object.entries(p.peers));
    if (p.local !== undefined) wanted.set(LOCAL_SUBJECT, p.local);
    for (const subject of [...this.accounts.keys()]) if (!wanted.has(subject)) this.accounts.delete(subject);
    for (const [subject, policy] of wanted) {
      const existing = this.accounts.get(subject);
      // Keep the account (and the reservations of payments in flight); swap its policy.
      if (existing !== undefined) existing.policy = policy;
      else this.accounts.set(subject, new SpendAccount(subject, policy, this.history(subject), () => this.store.historyChanged(), this.onDenied));
    }
    this.logger.debug({ subjects: [...wanted.keys()] }, 'spend policies applied');
  }

  private history(subject: string): SpendHistory {
    let h = this.histories.get(subject);
    if (h === undefined) {
      h = new SpendHistory();
      this.histories.set(subject, h);
      this.catchUp(subject, h);
    }
    return h;
  }

  /** Counts what the ledger booked for `subject` beyond what its history holds, as spent now. */
  private catchUp(subject: string, h: SpendHistory): void {
    if (this.booked === undefined) return;
    const durable = this.booked(memoAccountOf(subject));
    const missing = durable - h.total;
    if (missing > 0n) {
      h.add(Date.now(), missing);
      this.logger.warn({ subject, amount: missing.toString() }, 'spend booked in the ledger but not yet in spend.json (the node stopped abruptly) is counted as spent now');
      this.store.historyChanged();
    }
    h.total = durable;
  }

  private dumpHistories(): Record<string, ReturnType<SpendHistory['dump']>> {
    const now = Date.now();
    const out: Record<string, ReturnType<SpendHistory['dump']>> = {};
    for (const [subject, h] of this.histories) out[subject] = h.dump(now);
    return out;
  }
}
