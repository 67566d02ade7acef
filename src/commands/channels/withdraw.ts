import { Args } from '@oclif/core';
import { appError } from '../../errors/index.js';
import type { ChannelView } from '../../settlement/index.js';
import { AdminCommand } from '../../cli/admin-command.js';
import { out } from '../../cli/output.js';

const CHAIN_TIMEOUT_MS = 180_000;

/** `agent-runtime channels withdraw <channelId> <amount>`. */
export default class ChannelsWithdraw extends AdminCommand {
  static override summary = 'Take unused funds back from one of our payment channels';

  static override description =
    'Take <amount> (asset units) of unused deposit back from a channel this node pays through, keeping it open ' +
    '(POST /admin/channels/:id/withdraw). The peer must be connected: it signs its consent, which it gives only when ' +
    'what remains still covers every claim it holds. EVM channels only: XRPL and Aptos channels have no partial ' +
    'withdrawal (close the channel instead).';

  static override examples = ['<%= config.bin %> channels withdraw 0x5e1f…c0de 100000000'];

  static override args = {
    channelId: Args.string({ description: 'Channel id (EVM, Aptos: 0x and 64 hex digits; XRPL: 64 hex digits)', required: true }),
    amount: Args.string({ description: 'Amount to take back (asset units)', required: true }),
  };

  async run(): Promise<ChannelView & { txHash: string }> {
    const { args, flags } = await this.parse(ChannelsWithdraw);
    if (!/^[0-9]+$/.test(args.amount)) throw appError('INVALID_ARGUMENT', { field: 'amount', reason: 'must be an unsigned integer in asset units' });
    const channel = await this.client(flags, CHAIN_TIMEOUT_MS).post<ChannelView & { txHash: string }>(
      `/admin/channels/${encodeURIComponent(args.channelId)}/withdraw`,
      { amount: args.amount },
    );
    if (!this.jsonEnabled()) {
      out(`Withdrew ${args.amount} from ${channel.channelId}: ${channel.withdrawn} withdrawn in all, available ${channel.available}`);
      out(`  tx ${channel.txHash}`);
    }
    return channel;
  }
}
