import { AdminCommand } from '../../cli/admin-command.js';
import type { PoliciesView, PolicyView } from '../../cli/agents-views.js';
import { out, table } from '../../cli/output.js';

/** `agent-runtime policies list`. */
export default class PoliciesList extends AdminCommand {
  static override summary = 'List the spend policies of a running node';

  static override description =
    'List the spend policies (local agent and peers) with each budget: spent, held by payments in flight, and left. Amounts are raw units of the asset.';

  static override examples = ['<%= config.bin %> policies list', '<%= config.bin %> policies list --json | jq .local.budgets'];

  async run(): Promise<PoliciesView> {
    const { flags } = await this.parse(PoliciesList);
    const view = await this.client(flags).get<PoliciesView>('/admin/policies');
    if (!this.jsonEnabled()) {
      const all: PolicyView[] = [...(view.local ? [view.local] : []), ...Object.values(view.peers)];
      const rows = all.flatMap((v) => {
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
      out(
        table(
          rows,
          [
            { key: 'subject', header: 'payer' },
            { key: 'max', header: 'max/payment' },
            { key: 'budget', header: 'budget' },
            { key: 'spent', header: 'spent' },
            { key: 'left', header: 'left' },
            { key: 'approval', header: 'approval above' },
            { key: 'prefixes', header: 'prefixes' },
          ],
          'No policies. Set one with `agent-runtime policies set local --budget 1000/day`.',
        ),
      );
    }
    return view;
  }
}
