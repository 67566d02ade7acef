import { appError, isAppError } from '../errors/index.js';
/** Bodies of the agents admin routes as the CLI and the MCP server read them (docs/agents.md). */

export interface BudgetStatus {
  amount: string;
  per: string;
  spent: string;
  reserved: string;
  remaining: string;
}

export interface PolicyView {
  subject: string;
  policy: Record<string, unknown>;
  budgets: BudgetStatus[];
  inFlight: string;
}

/** GET /admin/policies */
export interface PoliciesView {
  local?: PolicyView;
  peers: Record<string, PolicyView>;
}

export interface ApprovalView {
  id: string;
  destination: string;
  amount: string;
  status: string;
  createdAt: string;
  expiresAt: string;
  decidedAt?: string;
  decidedBy?: string;
  outcome?: unknown;
}

/** GET /admin/approvals */
export interface ApprovalList {
  pending: number;
  approvals: ApprovalView[];
}

/** The PUT /admin/policies body that keeps every policy of `view`. */
export function policiesBody(view: PoliciesView): { local?: Record<string, unknown>; peers: Record<string, Record<string, unknown>> } {
  const peers: Record<string, Record<string, unknown>> = {};
  for (const [id, v] of Object.entries(view.peers)) peers[id] = v.policy;
  return { ...(view.local === undefined ? {} : { local: view.local.policy }), peers };
}

/**
 * An approval request whose NOT_FOUND says where ids come from: the admin API's error body carries
 * the code and message only, so the CLI adds the hint (payments get, approvals approve|deny).
 */
export async function approvalRequest<T>(request: Promise<T>): Promise<T> {
  try {
    return await request;
  } catch (e) {
    if (!isAppError(e) || e.code !== 'NOT_FOUND') throw e;
    throw appError('NOT_FOUND', {
      message: e.message,
      suggestion: 'Use the approvalId a send above policies.local.approvalAbove answered ({pending: true, approvalId}); `agent-runtime approvals list` shows the approvals the node holds.',
    }, e);
  }
}
