/**
 * The approvals pane's port onto a running node: its admin API, with a key from the node's own config.
 * Listing needs `read`, deciding `approve` (the same POST /admin/approvals/:id the CLI makes), so the
 * dashboard can do no more than the key it uses: a node whose keys give no one the approve scope
 * gets the API's SCOPE_DENIED on the pane, like the CLI would.
 */
import { AdminClient } from '../../cli/admin-client.js';
import type { ApprovalAsset, DashboardApprovals, PendingApproval } from './types.js';
import { shortId } from './types.js';

interface KeyConfig {
  readonly apiKey?: string;
  readonly keys?: readonly { readonly key: string; readonly scopes: readonly string[] }[];
}

/** The key to use for `scope`: the operator's apiKey, else a key with admin, else one with the scope. */
export function keyFor(admin: KeyConfig, scope: 'read' | 'approve'): string | undefined {
  if (admin.apiKey !== undefined && admin.apiKey !== '') return admin.apiKey;
  const keys = admin.keys ?? [];
  return (keys.find((k) => k.scopes.includes('admin')) ?? keys.find((k) => k.scopes.includes(scope)))?.key;
}

interface ApprovalBody {
  id: string;
  destination: string;
  amount: string;
  status: string;
  createdAt: string;
  outcome?: { fulfilled?: boolean; code?: string; message?: string; unknown?: boolean };
}

/** How an approval ended, in a few words: `approved 1a2b3c4d: paid`. */
export function decisionLine(v: ApprovalBody): string {
  const head = `${v.status} ${shortId(v.id)}`;
  const o = v.outcome;
  if (v.status !== 'approved' || o === undefined) return head;
  if (o.fulfilled === true) return `${head}: paid`;
  if (o.unknown === true) return `${head}: outcome unknown`;
  return `${head}: rejected ${o.code ?? ''}`.trimEnd();
}

/** Approvals through the admin API at `url`. */
export function adminApprovals(url: string, admin: KeyConfig, asset: ApprovalAsset): DashboardApprovals {
  const reader = new AdminClient(url, keyFor(admin, 'read'), 5_000);
  // approving waits for the payment (its expiry is at most a minute by default)
  const decider = new AdminClient(url, keyFor(admin, 'approve'), 90_000);
  return {
    asset,
    async list(): Promise<PendingApproval[]> {
      const body = await reader.get<{ approvals: ApprovalBody[] }>('/admin/approvals');
      return body.approvals
        .filter((a) => a.status === 'pending')
        .map((a) => ({ id: a.id, destination: a.destination, amount: a.amount, createdAt: Date.parse(a.createdAt) }))
        .sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
    },
    async decide(id, approve) {
      const v = await decider.post<ApprovalBody>(`/admin/approvals/${encodeURIComponent(id)}`, { decision: approve ? 'approve' : 'deny' });
      return decisionLine(v);
    },
  };
}
