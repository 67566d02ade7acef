import { Args, Flags } from '@oclif/core';
import { AdminCommand } from '../../cli/admin-command.js';
import { policiesBody, type PoliciesView } from '../../cli/agents-views.js';
import { out } from '../../cli/output.js';
import { appError } from '../../errors/index.js';

/** `agent-runtime policies set <payer>`: replaces one payer's policy (needs the admin scope). */
export default class PoliciesSet extends AdminCommand {
  static override summary = "Set (or remove) one payer's spend policy on a running node";

  static override description =
    "Set the spend policy of `local` (the local agent) or of a peer id. The flags given replace that payer's whole policy; other payers keep theirs. Amounts are raw units of the asset. Needs a key with the admin scope.";

  static override examples = [
    '<%= config.bin %> policies set local --max-per-payment 5000 --budget 100000/day --approval-above 2000',
    '<%= config.bin %> policies set kid --budget 1000/minute --deny g.casino',
    '<%= config.bin %> policies set kid --remove --json',
  ];

  static override args = {
    payer: Args.string({ description: '`local` or a peer id', required: true }),
  };

  static override flags = {
    'max-per-payment': Flags.string({ description: 'Largest single payment (raw units)', helpValue: '<amount>' }),
    budget: Flags.string({ description: 'A budget as <amount>/<minute|hour|day|month> (repeatable)', multiple: true, helpValue: '<amount/per>' }),
    allow: Flags.string({ description: 'Only pay destinations under this prefix (repeatable)', multiple: true, helpValue: '<prefix>' }),
    deny: Flags.string({ description: 'Never pay destinations under this prefix (repeatable)', multiple: true, helpValue: '<prefix>' }),
    'approval-above': Flags.string({ description: 'local only: sends above this wait for approval', helpValue: '<amount>' }),
    remove: Flags.boolean({ description: "Remove the payer's policy", default: false }),
  };

  async run(): Promise<PoliciesView> {
    const { args, flags } = await this.parse(PoliciesSet);
    const client = this.client(flags);
    const body = policiesBody(await client.get<PoliciesView>('/admin/policies'));
    const policy: Record<string, unknown> = {};
    if (flags['max-per-payment'] !== undefined) policy.maxPerPayment = flags['max-per-payment'];
    if (flags.budget !== undefined) policy.budgets = flags.budget.map(parseBudget);
    if (flags.allow !== undefined) policy.allowedPrefixes = flags.allow;
    if (flags.deny !== undefined) policy.deniedPrefixes = flags.deny;
    if (flags['approval-above'] !== undefined) policy.approvalAbove = flags['approval-above'];
    if (args.payer === 'local') {
      if (flags.remove) delete body.local;
      else body.local = policy;
    } else if (flags.remove) delete body.peers[args.payer];
    else body.peers[args.payer] = policy;
    const view = await client.call<PoliciesView>('PUT', '/admin/policies', body);
    if (!this.jsonEnabled()) out(flags.remove ? `Policy of ${args.payer} removed` : `Policy of ${args.payer} set`);
    return view;
  }
}

function parseBudget(text: string): { amount: string; per: string } {
  const m = /^(\d+)\/(minute|hour|day|month)$/.exec(text);
  if (m === null) throw appError('INVALID_ARGUMENT', { field: '--budget', reason: `${JSON.stringify(text)} must look like 1000/day (minute, hour, day or month)` });
  return { amount: m[1], per: m[2] };
}
