import { AdminCommand } from '../../cli/admin-command.js';
import type { ApprovalList } from '../../cli/agents-views.js';
import { fetchList } from '../../cli/list-output.js';

/** `agent-runtime approvals list`. */
export default class ApprovalsList extends AdminCommand {
  static override summary = 'List local sends waiting for approval (and recent decisions)';

  static override description = 'List the local sends above policies.local.approvalAbove: pending ones first, then recently decided ones.';

  static override examples = ['<%= config.bin %> approvals list', '<%= config.bin %> approvals list --json | jq ".approvals[] | select(.status == \\"pending\\")"'];

  async run(): Promise<ApprovalList> {
    const { flags } = await this.parse(ApprovalsList);
    return fetchList(this.client(flags), '/admin/approvals', this.jsonEnabled(), {
      rows: (list: ApprovalList) => [...list.approvals].sort((a, b) => Number(b.status === 'pending') - Number(a.status === 'pending')),
      columns: ['id', 'status', 'amount', 'destination', { key: 'expiresAt', header: 'expires' }, { key: 'decidedBy', header: 'decided by' }],
      empty: 'No approvals.',
    });
  }
}
