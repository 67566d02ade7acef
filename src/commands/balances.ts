import { Args } from '@oclif/core';
import type { PeerAccountBalance } from '../node/types.js';
import { AdminCommand } from '../cli/admin-command.js';
import { out, table } from '../cli/output.js';

/** The body of GET /admin/balances. */
export interface AccountList {
  nodeId: string;
  accounts: { account: string; balance: string; reserved?: string; lateFulfills?: LateFulfills }[];
}

/** Fulfills from a peer the node could not pass upstream: not booked, to reconcile with that peer. */
interface LateFulfills {
  count: number;
  amount: string;
}

const lateText = (l: LateFulfills | undefined) => (l === undefined ? undefined : `${l.count} (amount ${l.amount})`);

/** `agent-runtime balances [peer]`. */
export default class Balances extends AdminCommand {
  static override summary = 'Show ledger balances of a running node';

  static override description =
    "Show ledger balances of a running node: every account, or one peer's balance.\n" +
    'A positive balance is what the account owes us; a negative one is what we owe it (asset units).\n' +
    'LATE FULFILLS (shown when there are any): fulfills from that peer that came too late to pass upstream; not booked, reconcile them with the peer.';

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
        if (one.lateFulfills) out(`late fulfills: ${lateText(one.lateFulfills)} (not booked: reconcile with ${one.peerId})`);
      }
      return one;
    }
    const all = await client.get<AccountList>('/admin/balances');
    if (!this.jsonEnabled()) {
      const anyLate = all.accounts.some((a) => a.lateFulfills !== undefined);
      const rows = all.accounts.map((a) => ({ ...a, late: lateText(a.lateFulfills) }));
      const columns = [
        { key: 'account', header: 'account' },
        { key: 'balance', header: 'balance' },
        { key: 'reserved', header: 'reserved' },
        ...(anyLate ? [{ key: 'late', header: 'late fulfills' }] : []),
      ];
      out(table(rows, columns, 'No accounts yet.'));
    }
    return all;
  }
}
