import { Args, Flags } from '@oclif/core';
import type { ChannelView } from '../../settlement/index.js';
import { AdminCommand } from '../../cli/admin-command.js';
import { out } from '../../cli/output.js';

const CHAIN_TIMEOUT_MS = 180_000;

/** `agent-runtime channels close <channelId>`. */
export default class ChannelsClose extends AdminCommand {
  static override summary = 'Close a payment channel';

  static override description =
    'Close a payment channel (POST /admin/channels/:id/close).\n' +
    'One we pay through: --cooperative asks the peer to sign, and the channel settles at once; without it the challenge ' +
    'period starts (the peer may still redeem its best claim) and the node takes the rest back when it ends.\n' +
    'One the peer pays us through: the node redeems its best claim first, then the channel settles at once (on XRPL the ' +
    'redeem itself closes it, in one transaction).\n' +
    '--cooperative is for EVM channels only: XRPL and Aptos have no cooperative close.';

  static override examples = ['<%= config.bin %> channels close 0x5e1f…c0de', '<%= config.bin %> channels close 0x5e1f…c0de --cooperative --json'];

  static override args = {
    channelId: Args.string({ description: 'Channel id (EVM, Aptos: 0x and 64 hex digits; XRPL: 64 hex digits)', required: true }),
  };

  static override flags = {
    cooperative: Flags.boolean({ description: 'Close at once with the peer\'s signature (channels we pay through)', default: false }),
  };

  async run(): Promise<ChannelView & { txHash: string }> {
    const { args, flags } = await this.parse(ChannelsClose);
    const channel = await this.client(flags, CHAIN_TIMEOUT_MS).post<ChannelView & { txHash: string }>(
      `/admin/channels/${encodeURIComponent(args.channelId)}/close`,
      { cooperative: flags.cooperative },
    );
    if (!this.jsonEnabled()) {
      const when = channel.status === 'closing' && channel.settleAfter !== null ? `; settles after ${channel.settleAfter}` : '';
      out(`Channel ${channel.channelId} is ${channel.status}${when}`);
      out(`  paid out ${channel.claimedOnchain} of deposit ${channel.deposit}`);
      out(`  tx ${channel.txHash}`);
    }
    return channel;
  }
}
