import { Flags } from '@oclif/core';
import type { ChannelView } from '../../settlement/index.js';
import { AdminCommand } from '../../cli/admin-command.js';
import { fetchList } from '../../cli/list-output.js';

/** `agent-runtime channels list`. */
export default class ChannelsList extends AdminCommand {
  static override summary = 'List the payment channels of a running node';

  static override description =
    'List the payment channels a running node pays through (outgoing) and is paid through (incoming), on every chain it ' +
    'settles on, with their deposit, the latest claim, what was redeemed on-chain and our last transaction on it (pending with its ' +
    'confirmations, final, failed or reorged). Amounts are asset units (GET /admin/channels).';

  static override examples = [
    '<%= config.bin %> channels list',
    '<%= config.bin %> channels list --peer bob --status open',
    '<%= config.bin %> channels list --chain xrpl',
    '<%= config.bin %> channels list --json | jq -r ".[] | select(.direction == \\"outgoing\\") | .channelId"',
  ];

  static override flags = {
    peer: Flags.string({ description: 'Only channels with this peer' }),
    status: Flags.string({ description: 'Only channels in this state', options: ['open', 'closing', 'settled'] }),
    chain: Flags.string({ description: 'Only channels on this chain', options: ['evm', 'xrpl', 'aptos'] }),
  };

  async run(): Promise<ChannelView[]> {
    const { flags } = await this.parse(ChannelsList);
    const query = new URLSearchParams();
    if (flags.peer !== undefined) query.set('peerId', flags.peer);
    if (flags.status !== undefined) query.set('status', flags.status);
    if (flags.chain !== undefined) query.set('chain', flags.chain);
    const qs = query.size > 0 ? `?${query.toString()}` : '';
    return fetchList(this.client(flags), `/admin/channels${qs}`, this.jsonEnabled(), {
      rows: (channels: ChannelView[]) => channels.map((c) => ({ ...c, lastTx: lastOperation(c) })),
      columns: [
        { key: 'channelId', header: 'channel' },
        { key: 'peerId', header: 'peer' },
        'chain',
        'direction',
        'status',
        'deposit',
        { key: 'latestClaim', header: 'claimed' },
        { key: 'claimedOnchain', header: 'redeemed' },
        'available',
        { key: 'lastTx', header: 'our last tx' },
      ],
      empty: 'No channels. Open one with `agent-runtime channels open <peer> --deposit <amount>`.',
    });
  }
}

/** `deposit pending 1/3`, `redeem final`: the channel's newest operation, or undefined. */
function lastOperation(c: ChannelView): string | undefined {
  const op = c.operations?.[0];
  if (op === undefined) return undefined;
  return op.state === 'pending' ? `${op.operation} pending ${op.confirmations}/${op.required}` : `${op.operation} ${op.state}`;
}
