import { Args } from '@oclif/core';
import type { PeerAccountBalance } from '../node/types.js';
import { AdminCommand } from '../cli/admin-command.js';
import { out, table } from '../cli/output.js';
import { formatAmount } from '../rates/amount.js';

/** The body of GET /admin/balances. */
export interface AccountList {
  nodeId: string;
  /** `balance` and `reserved` are integer units of the account's asset (`assetCode` at `assetScale`). */
  accounts: { account: string; balance: string; assetCode: string; assetScale: number; reserved?: string; lateFulfills?: LateFulfills }[];
}

/** Fulfills from a peer the node could not pass upstream: not booked, to reconcile with that peer. */
interface LateFulfills {
  count: number;
  amount: string;
}

type Asset = { code: string; scale: number };
const lateText = (l: LateFulfills | undefined, asset: Asset) => (l === undefined ? undefined : `${l.count} (amount ${formatAmount(l.amount, asset)})`);

/** `agent-runtime balances [peer]`. */
export default class Balances extends AdminCommand {
  static override summary = 'Show ledger balances of a running node';

  static override description =
    "Show ledger balances of a running node: every account, or one peer's balance.\n" +
    "A positive balance is what the account owes us; a negative one is what we owe it. Each account is in its own asset: the table shows decimals with the asset code (12.500000 XRP), --json integer units with assetCode and assetScale.\n" +
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
        const rows = one.balances.map((b) => {
          const asset = { code: b.assetCode, scale: b.assetScale };
          return { asset: `${b.assetCode}@${b.assetScale}`, net: formatAmount(b.netBalance, asset), credit: formatAmount(b.creditBalance, asset), debit: formatAmount(b.debitBalance, asset) };
        });
        out(
          table(rows, [
            { key: 'asset', header: 'asset' },
            { key: 'net', header: 'net' },
            { key: 'credit', header: 'owes us' },
            { key: 'debit', header: 'we owe' },
          ]),
        );
        const asset = one.balances[0] === undefined ? undefined : { code: one.balances[0].assetCode, scale: one.balances[0].assetScale };
        if (one.lateFulfills && asset) out(`late fulfills: ${lateText(one.lateFulfills, asset)} (not booked: reconcile with ${one.peerId})`);
      }
      return one;
    }
    const all = await client.get<AccountList>('/admin/balances');
    if (!this.jsonEnabled()) {
      const anyLate = all.accounts.some((a) => a.lateFulfills !== undefined);
      const rows = all.accounts.map((a) => {
        const asset = { code: a.assetCode, scale: a.assetScale };
        return { account: a.account, balance: formatAmount(a.balance, asset), reserved: a.reserved === undefined ? undefined : formatAmount(a.reserved, asset), late: lateText(a.lateFulfills, asset) };
      });
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
