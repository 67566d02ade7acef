import { Args } from '@oclif/core';
import { appError } from '../../errors/index.js';
import type { ChannelView } from '../../settlement/index.js';
import { AdminCommand } from '../../cli/admin-command.js';
import { out } from '../../cli/output.js';

const CHAIN_TIMEOUT_MS = 180_000;

/** `agent-runtime channels deposit <channelId> <amount>`. */
export default class ChannelsDeposit extends AdminCommand {
  static override summary = 'Add funds to one of our payment channels';

  static override description =
    'Add <amount> (asset units) to the deposit of a channel this node pays through (POST /admin/channels/:id/deposit). ' +
    'Claims to the peer can then go that much higher.';

  static override examples = ['<%= config.bin %> channels deposit 0x5e1f…c0de 500000000'];

  static override args = {
    channelId: Args.string({ description: 'Channel id (EVM, Aptos: 0x and 64 hex digits; XRPL: 64 hex digits)', required: true }),
    amount: Args.string({ description: 'Amount to add (asset units)', required: true }),
  };

  async run(): Promise<ChannelView & { txHash: string }> {
    const { args, flags } = await this.parse(ChannelsDeposit);
    if (!/^[0-9]+$/.test(args.amount)) throw appError('INVALID_ARGUMENT', { field: 'amount', reason: 'must be an unsigned integer in asset units' });
    const channel = await this.client(flags, CHAIN_TIMEOUT_MS).post<ChannelView & { txHash: string }>(
      `/admin/channels/${encodeURIComponent(args.channelId)}/deposit`,
      { amount: args.amount },
    );
    if (!this.jsonEnabled()) {
      out(`Deposited ${args.amount} into ${channel.channelId}: deposit now ${channel.deposit}, available ${channel.available}`);
      out(`  tx ${channel.txHash}`);
    }
    return channel;
  }
}
