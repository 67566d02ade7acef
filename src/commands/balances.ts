import { Args } from '@oclif/core';
import type { PeerAccountBalance } from '../node/types.js';
import { AdminCommand } from '../cli/admin-command.js';
import { out, table } from '../cli/output.js';

/** The body of GET /admin/balances. */
export interface AccountList {
  nodeId: string;
  accounts: { account: string; balance: string; reserved?: string }[];
}

/** `agent-runtime balances [peer]`. */
export default class Balances extends AdminCommand {
  static override summary = 'Show ledger balances of a running node';

  static override description =
    "Show ledger balances of a running node: every account, or one peer's balance.\n" +
    'A positive balance is what the account owes us; a negative one is what we owe it (asset units).';

  static override examples = ['<%= config.bin %> balances', '<%= config.bin %> balances bob', '<%= config.bin %> balances bob --json | jq -r ".balances[0].netBalance"'];

  static override args = {
    peer: Args.string({ description: 'Peer id (omit for every account)' }),
  };

  async run(): Promise<AccountList | PeerAccountBalance> {
    const { args, flags } = await this.parse(Balances);
    const client = this.client(flags);
    if (args.peer !== undefined) {
      const one = await client.get<PeerAccountBalance>(`/admin/balances/${encodeURIComponent(args.peer)}`);
      if (!this.jsonEnabled()) {
        out(
          table(one.balances, [
            { key: 'tokenId', header: 'asset' },
            { key: 'netBalance', header: 'net' },
            { key: 'creditBalance', header: 'owes us' },
            { key: 'debitBalance', header: 'we owe' },
          ]),
        );
      }
      return one;
    }
    const all = await client.get<AccountList>('/admin/balances');
    if (!this.jsonEnabled()) {
      out(
        table(
          all.accounts,
          [
            { key: 'account', header: 'account' },
            { key: 'balance', header: 'balance' },
            { key: 'reserved', header: 'reserved' },
          ],
          'No accounts yet.',
        ),
      );
    }
    return all;
  }
}
