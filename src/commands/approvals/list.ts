import { AdminCommand } from '../../cli/admin-command.js';
import type { ApprovalList } from '../../cli/agents-views.js';
import { out, table } from '../../cli/output.js';

/** `agent-runtime approvals list`. */
export default class ApprovalsList extends AdminCommand {
  static override summary = 'List local sends waiting for approval (and recent decisions)';

  static override description = 'List the local sends above policies.local.approvalAbove: pending ones first, then recently decided ones.';

  static override examples = ['<%= config.bin %> approvals list', '<%= config.bin %> approvals list --json | jq ".approvals[] | select(.status == \\"pending\\")"'];

  async run(): Promise<ApprovalList> {
    const { flags } = await this.parse(ApprovalsList);
    const list = await this.client(flags).get<ApprovalList>('/admin/approvals');
    if (!this.jsonEnabled()) {
      const rows = [...list.approvals].sort((a, b) => Number(b.status === 'pending') - Number(a.status === 'pending'));
      out(
        table(
          rows,
          [
            { key: 'id', header: 'id' },
            { key: 'status', header: 'status' },
            { key: 'amount', header: 'amount' },
            { key: 'destination', header: 'destination' },
            { key: 'expiresAt', header: 'expires' },
            { key: 'decidedBy', header: 'decided by' },
          ],
          'No approvals.',
        ),
      );
    }
    return list;
  }
}
