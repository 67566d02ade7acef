import { Args, Flags } from '@oclif/core';
import { appError } from '../../errors/index.js';
import type { ChannelView } from '../../settlement/index.js';
import { AdminCommand } from '../../cli/admin-command.js';
import { out } from '../../cli/output.js';

/** How long a command that sends chain transactions waits for the node, ms. */
const CHAIN_TIMEOUT_MS = 180_000;

/** What --chain accepts (the node checks it against the peer and its own chains). */
const CHAIN = /^(evm|xrpl|aptos)(:[a-z0-9-]+)?(:[0-9]+)?$/i;

/** `agent-runtime channels open <peer>`. */
export default class ChannelsOpen extends AdminCommand {
  static override summary = 'Open and fund a payment channel to a peer';

  static override description =
    'Open a payment channel from this node to a peer and fund it (POST /admin/channels), then pay the peer with signed ' +
    'claims over it. The channel is on the peer\'s settlement chain (peers[].settlement.chain: evm, xrpl or aptos), which ' +
    'this node must settle on too (settlement.<chain> in its config); --chain, when given, must name that chain. ' +
    '--deposit is in asset units; --timeout is the challenge period after we close, in seconds.';

  static override examples = [
    '<%= config.bin %> channels open bob --deposit 1000000000',
    '<%= config.bin %> channels open carol --chain xrpl --deposit 5000000 --timeout 7200 --json',
  ];

  static override args = {
    peer: Args.string({ description: 'Peer id', required: true }),
  };

  static override flags = {
    deposit: Flags.string({ description: 'Initial deposit (asset units)', required: true }),
    timeout: Flags.integer({ description: 'Challenge period after a close, in seconds [default: 86400]', min: 3600, max: 31_536_000 }),
    chain: Flags.string({ description: "Settlement chain: evm, xrpl or aptos (also evm:<network>:<chainId>) [default: the peer's settlement.chain]" }),
  };

  async run(): Promise<ChannelView> {
    const { args, flags } = await this.parse(ChannelsOpen);
    if (!/^[0-9]+$/.test(flags.deposit)) throw appError('INVALID_ARGUMENT', { field: '--deposit', reason: 'must be an unsigned integer in asset units' });
    if (flags.chain !== undefined && !CHAIN.test(flags.chain)) {
      throw appError('INVALID_ARGUMENT', { field: '--chain', reason: `must be evm, xrpl or aptos (or evm:<network>:<chainId>), got ${JSON.stringify(flags.chain)}` });
    }
    const body = { peerId: args.peer, ...(flags.chain === undefined ? {} : { chain: flags.chain }), initialDeposit: flags.deposit, ...(flags.timeout === undefined ? {} : { settlementTimeout: flags.timeout }) };
    const channel = await this.client(flags, CHAIN_TIMEOUT_MS).post<ChannelView>('/admin/channels', body);
    if (!this.jsonEnabled()) {
      out(`Opened ${channel.chain} channel ${channel.channelId} to ${args.peer}`);
      out(`  deposit ${channel.deposit} (${channel.baseUnits.deposit} base units), challenge period ${channel.settlementTimeout} s`);
      if (channel.lastTx !== null) out(`  tx ${channel.lastTx}`);
    }
    return channel;
  }
}
