import { AdminCommand } from '../../cli/admin-command.js';
import type { PoliciesView, PolicyView } from '../../cli/agents-views.js';
import { fetchList } from '../../cli/list-output.js';

/** `agent-runtime policies list`. */
export default class PoliciesList extends AdminCommand {
  static override summary = 'List the spend policies of a running node';

  static override description =
    'List the spend policies (local agent and peers) with each budget: spent, held by payments in flight, and left. Amounts are raw units of the asset.';

  static override examples = ['<%= config.bin %> policies list', '<%= config.bin %> policies list --json | jq .local.budgets'];

  async run(): Promise<PoliciesView> {
    const { flags } = await this.parse(PoliciesList);
    return fetchList(this.client(flags), '/admin/policies', this.jsonEnabled(), {
      rows: policyRows,
      columns: [{ key: 'subject', header: 'payer' }, { key: 'max', header: 'max/payment' }, 'budget', 'spent', 'left', { key: 'approval', header: 'approval above' }, 'prefixes'],
      empty: 'No policies. Set one with `agent-runtime policies set local --budget 1000/day`.',
    });
  }
}

/** One row per budget of each policy (one row with '-' for a policy without budgets). */
function policyRows(view: PoliciesView): Record<string, string>[] {
  const all: PolicyView[] = [...(view.local ? [view.local] : []), ...Object.values(view.peers)];
  return all.flatMap((v) => {
    const p = v.policy as { maxPerPayment?: string; approvalAbove?: string; allowedPrefixes?: string[]; deniedPrefixes?: string[] };
    const base = {
      subject: v.subject,
      max: p.maxPerPayment ?? '-',
      approval: p.approvalAbove ?? '-',
      prefixes: [...(p.allowedPrefixes ?? []).map((x) => `+${x}`), ...(p.deniedPrefixes ?? []).map((x) => `-${x}`)].join(' ') || '-',
    };
    if (v.budgets.length === 0) return [{ ...base, budget: '-', spent: '-', left: '-' }];
    return v.budgets.map((b) => ({ ...base, budget: `${b.amount}/${b.per}`, spent: b.spent, left: b.remaining }));
  });
}
