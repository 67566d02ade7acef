/**
 * Agents as users of the node (issue 22): scoped admin keys (scopes.ts), spend policies with their
 * own reservations (policies.ts, enforced for peers in the pipeline and for the local agent in
 * local-payments.ts), approvals (approvals.ts), the identity key and payee receipts (identity.ts,
 * receipts/), and their admin routes. docs/agents.md describes them.
 */
import type { Logger } from 'pino';
import type { NodeConfig } from '../config/index.js';
import type { PoliciesConfig } from '../config/schema-agents.js';
import type { AdminRoutePlugin } from '../node/http/admin-server.js';
import { agentAdminRoutes } from './admin-routes.js';
import { ApprovalQueue } from './approvals.js';
import { LocalPayments, type RawSend } from './local-payments.js';
import { ApprovalStore } from './approval-store.js';
import { Policies } from './policies.js';
import type { LocalDeliver } from '../node/pipeline/packet-processor.js';
import { loadIdentity, type Identity } from './identity.js';
import { withReceipts } from './receipts/payee.js';
import { ReceiptStore } from './receipts/store.js';
import { receiptRoutes } from './receipts/admin-routes.js';
import type { Registry } from 'prom-client';
import type { NodeEventInput } from '../node/events.js';
import { AgentSignals } from './signals.js';
import { quote, type QuoteParts } from './quote.js';

export { Policies } from './policies.js';
export type { LocalOutcome } from './local-payments.js';
export { sendResponse } from './local-payments.js';

/** The agents module of one node. */
export interface Agents {
  readonly policies: Policies;
  readonly approvals: ApprovalQueue;
  readonly payments: LocalPayments;
  /** The node's Ed25519 identity key, which signs the receipts it gives. */
  readonly identity: Identity;
  readonly receipts: ReceiptStore;
  /** Local delivery that answers receipt requests (receipts/payee.ts). */
  wrapDelivery(deliver: LocalDeliver): LocalDeliver;
  adminRoutes(): AdminRoutePlugin[];
  /** What quotes read (route lookup, peer assets, rates); set once the pipeline exists. */
  setQuoteParts(parts: QuoteParts): void;
  /** Policy and approval metrics on the node's registry (signals.ts). */
  registerMetrics(registry: Registry): void;
  /** Stops approval timers (pending approvals stay on disk) and writes the spend history. */
  close(): Promise<void>;
}

/**
 * Builds the agents module; reads `<dataDir>/agents/` for runtime policies, spend history and pending
 * approvals and `<dataDir>/identity.key` for the identity key (made when missing). `emit` gets its
 * events.
 */
export function createAgents(
  config: NodeConfig,
  logger: Logger,
  address: () => string,
  emit: (e: NodeEventInput) => void = () => undefined,
  opts: {
    /** Sends an approved payment restored from the last run (called only once the node runs). */
    send?: RawSend;
    /** The ledger's durable balance of an account (spend memo accounts; policies.ts). */
    booked?: (account: string) => bigint;
    /** Where approvals and receipts are kept (a cluster instance's stores: src/cluster); default the data directory. */
    approvalStore?: ApprovalStore;
    receipts?: ReceiptStore;
  } = {},
): Agents {
  const signals = new AgentSignals(emit);
  const policies = new Policies(config.dataDir, config.policies as PoliciesConfig, logger, signals.denied, opts.booked);
  const approvals = new ApprovalQueue({
    max: () => policies.config.local?.maxPendingApprovals ?? 100,
    timeoutMs: () => policies.config.local?.approvalTimeoutMs ?? 300_000,
    onChange: signals.approvalChanged,
    store: opts.approvalStore ?? new ApprovalStore(config.dataDir, logger),
    onPersistError: (err) => logger.error({ err }, 'could not write an approval decision to disk'),
  });
  const identity = loadIdentity(config.dataDir, logger);
  const receipts = opts.receipts ?? new ReceiptStore(config.dataDir);
  const payments = new LocalPayments(policies, approvals, address, receipts, logger);
  if (opts.send !== undefined) payments.restore(opts.send);
  const asset = { code: config.assetCode, scale: config.assetScale };
  let quoteParts: QuoteParts | undefined;
  const quoter = (destination: string, amount: bigint) => (quoteParts === undefined ? undefined : quote(quoteParts, policies, destination, amount));
  return {
    policies,
    approvals,
    payments,
    identity,
    receipts,
    wrapDelivery: (deliver) => withReceipts(deliver, { identity, address, asset, logger, onSigned: signals.receiptSigned }),
    registerMetrics: (registry) => signals.registerMetrics(registry, policies, approvals),
    setQuoteParts: (parts) => (quoteParts = parts),
    adminRoutes: () => [agentAdminRoutes(policies, approvals, quoter), receiptRoutes(identity, receipts)],
    async close() {
      approvals.close();
      payments.close();
      await policies.close();
    },
  };
}
