import { Args } from '@oclif/core';
import type { Quote } from '../agents/quote.js';
import { AdminCommand } from '../cli/admin-command.js';
import { checkAmountArg } from '../cli/amount-arg.js';
import { out } from '../cli/output.js';

/** `agent-runtime quote <destination> <amount>`: GET /admin/quote. */
export default class QuoteCommand extends AdminCommand {
  static override summary = 'Quote a local send without sending it';

  static override description =
    'What a local send of <amount> (raw units of the node asset) to <destination> would hand the next hop, in that hop\'s asset, and whether the local spend policy allows it, waits for approval or refuses it. Nothing is sent. Connectors further on may convert again or take fees: the quote speaks for this node\'s hop. Needs a key with the read scope.';

  static override examples = ['<%= config.bin %> quote g.bob.shop 5000', '<%= config.bin %> quote g.bob.shop 5000 --json | jq .delivered'];

  static override args = {
    destination: Args.string({ description: 'ILP address to pay', required: true }),
    amount: Args.string({ description: 'Amount in raw units of the node asset (a decimal integer)', required: true }),
  };

  async run(): Promise<Quote> {
    const { args, flags } = await this.parse(QuoteCommand);
    checkAmountArg(args.amount);
    const query = new URLSearchParams({ destination: args.destination, amount: args.amount });
    const q = await this.client(flags).get<Quote>(`/admin/quote?${query.toString()}`);
    if (!this.jsonEnabled()) {
      if (q.ok) {
        out(`${q.amount} ${q.asset.code}@${q.asset.scale} to ${q.destination}`);
        out(`next hop   ${q.nextHop}`);
        out(`delivered  ${q.delivered} ${q.deliveredAsset.code}@${q.deliveredAsset.scale}`);
        out(`policy     ${q.policy}`);
        out(`note       ${q.note}`);
      } else {
        out(`${q.amount} to ${q.destination} cannot be sent: ${q.code} ${q.message}`);
      }
    }
    return q;
  }
}
