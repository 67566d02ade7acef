import { Args } from '@oclif/core';
import { AdminCommand } from '../../cli/admin-command.js';
import { approvalRequest, type ApprovalView } from '../../cli/agents-views.js';
import { out } from '../../cli/output.js';

/** Where a payment stands, in words: pending, paid, rejected, denied, expired. */
export function paymentStanding(v: ApprovalView): string {
  if (v.status === 'pending') return `pending: waiting for approval until ${v.expiresAt}`;
  if (v.status === 'denied') return `denied${v.decidedBy === undefined ? '' : ` by ${v.decidedBy}`}: not sent, its budget released`;
  if (v.status === 'expired') return `expired${v.decidedBy === 'timeout' || v.decidedBy === undefined ? '' : ` (${v.decidedBy})`}: not approved in time, not sent, its budget released`;
  const o = v.outcome as { fulfilled?: boolean; code?: string; message?: string; unknown?: boolean } | undefined;
  const by = v.decidedBy === undefined ? '' : ` by ${v.decidedBy}`;
  if (o === undefined) return `approved${by}: being sent`;
  if (o.unknown === true) return `approved${by}: the node stopped while it was in flight (balances tell whether it was paid)`;
  if (o.fulfilled === true) return `approved${by}: paid`;
  return `approved${by}: rejected ${o.code ?? ''}${o.message ? ` (${o.message})` : ''}`.trimEnd();
}

/** `agent-runtime payments get <id>`: a payment that waited for approval, by the approvalId its send answered. */
export default class PaymentsGet extends AdminCommand {
  static override summary = 'Show where a payment that waited for approval stands';

  static override description =
    'A local send above policies.local.approvalAbove answers {pending: true, approvalId}. This shows that payment: pending (until when), approved and paid or rejected (with the outcome), denied or expired. Needs a key with the read scope.';

  static override examples = ['<%= config.bin %> payments get 0b6c2a8e-5a55-4bd7-9d0e-0d7ad3a4c1f2', '<%= config.bin %> payments get 0b6c… --json | jq .status'];

  static override args = {
    id: Args.string({ description: 'The approvalId the pending send answered', required: true }),
  };

  async run(): Promise<ApprovalView & { standing: string }> {
    const { args, flags } = await this.parse(PaymentsGet);
    const view = await approvalRequest(this.client(flags).get<ApprovalView>(`/admin/approvals/${encodeURIComponent(args.id)}`));
    const standing = paymentStanding(view);
    if (!this.jsonEnabled()) {
      out(`Payment ${view.id}: ${standing}`);
      out(`  ${view.amount} to ${view.destination}, asked ${view.createdAt}`);
      if (view.outcome !== undefined) out(`  outcome  ${JSON.stringify(view.outcome)}`);
    }
    return { ...view, standing };
  }
}
