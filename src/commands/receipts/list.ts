import { Flags } from '@oclif/core';
import { AdminCommand } from '../../cli/admin-command.js';
import { fetchList } from '../../cli/list-output.js';
import type { ReceiptRecord } from '../../agents/receipts/store.js';

/** `agent-runtime receipts list`. */
export default class ReceiptsList extends AdminCommand {
  static override summary = 'List the receipts of paid sends that asked for one';

  static override description =
    'List, newest first, the receipts this node kept for local sends made with a receipt request (send --receipt, the MCP send_payment): kind "payee" is signed by the payee\'s node; kind "payer-record" is this node\'s own record when the payee signed none.';

  static override examples = ['<%= config.bin %> receipts list', '<%= config.bin %> receipts list --limit 1 --json | jq ".receipts[0].receipt" > receipt.json'];

  static override flags = {
    limit: Flags.integer({ description: 'How many, newest first', default: 100, min: 1, max: 9999 }),
  };

  async run(): Promise<{ receipts: ReceiptRecord[] }> {
    const { flags } = await this.parse(ReceiptsList);
    return fetchList(this.client(flags), `/admin/receipts?limit=${flags.limit}`, this.jsonEnabled(), {
      rows: (body: { receipts: ReceiptRecord[] }) => body.receipts.map((r) => ({ at: r.at, kind: r.kind, destination: r.destination, amount: r.amountSent, received: r.receipt?.amount ?? '', verified: r.verified === undefined ? '' : String(r.verified) })),
      columns: ['at', 'kind', 'destination', { key: 'amount', header: 'sent' }, 'received', 'verified'],
      empty: 'No receipts.',
    });
  }
}
