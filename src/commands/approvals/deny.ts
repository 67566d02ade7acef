import { Args } from '@oclif/core';
import { AdminCommand } from '../../cli/admin-command.js';
import { approvalRequest, type ApprovalView } from '../../cli/agents-views.js';
import { out } from '../../cli/output.js';

/** `agent-runtime approvals deny <id>` (needs a key with the approve scope). */
export default class ApprovalsDeny extends AdminCommand {
  static override summary = 'Deny a waiting local send: its budget is released';

  static override description =
    'Deny a send waiting above policies.local.approvalAbove. No packet is sent and its budget is released. Needs a key with the approve scope.';

  static override examples = ['<%= config.bin %> approvals deny 3f2a…', '<%= config.bin %> approvals deny 3f2a… --json'];

  static override args = {
    id: Args.string({ description: 'Approval id (from approvals list or the pending send)', required: true }),
  };

  async run(): Promise<ApprovalView> {
    const { args, flags } = await this.parse(ApprovalsDeny);
    const view = await approvalRequest(this.client(flags, 60_000).post<ApprovalView>(`/admin/approvals/${encodeURIComponent(args.id)}`, { decision: 'deny' }));
    if (!this.jsonEnabled()) {
      out(`Approval ${view.id}: ${view.status} (${view.amount} to ${view.destination})`);
      if (view.outcome !== undefined) out(`outcome  ${JSON.stringify(view.outcome)}`);
    }
    return view;
  }
}
