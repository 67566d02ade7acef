import { Args, Flags } from '@oclif/core';
import { appError } from '../../errors/index.js';
import { adminPaths, type PeerUpdatedResponse, type UpdatePeerRequest } from '../../node/control/bodies.js';
import { AdminCommand } from '../../cli/admin-command.js';
import { out } from '../../cli/output.js';

/** `agent-runtime peers update <id>`. */
export default class PeersUpdate extends AdminCommand {
  static override summary = 'Change some fields of a peer of a running node';

  static override description =
    'Change only the fields given; the others keep their value. The change is kept in the data directory and wins over the config file at restart.';

  static override examples = [
    '<%= config.bin %> peers update bob --credit-limit 5000000',
    '<%= config.bin %> peers update carol --relation child --settle-threshold 100000 --json',
  ];

  static override args = {
    id: Args.string({ description: 'Peer id', required: true }),
  };

  static override flags = {
    'credit-limit': Flags.string({ description: 'How far the peer may owe us (asset units)' }),
    relation: Flags.string({ description: 'Relation to this node', options: ['parent', 'peer', 'child'] }),
    'max-packet-amount': Flags.string({ description: 'Largest Prepare accepted from the peer (asset units)' }),
    'settle-threshold': Flags.string({ description: 'Settle when we owe the peer this much (asset units)' }),
    'btp-url': Flags.string({ description: "The peer's BTP URL to dial (ws:// or wss://); a new URL reconnects" }),
    'asset-code': Flags.string({ description: "The peer's asset code (e.g. XRP); unset: the node's. Its amounts are in this asset, converted with rates" }),
    'asset-scale': Flags.integer({ description: "The peer's asset scale (0-255); unset: the node's", min: 0, max: 255 }),
  };

  async run(): Promise<PeerUpdatedResponse> {
    const { args, flags } = await this.parse(PeersUpdate);
    const body: UpdatePeerRequest = {
      ...(flags['credit-limit'] === undefined ? {} : { creditLimit: flags['credit-limit'] }),
      ...(flags.relation === undefined ? {} : { relation: flags.relation as UpdatePeerRequest['relation'] }),
      ...(flags['max-packet-amount'] === undefined ? {} : { maxPacketAmount: flags['max-packet-amount'] }),
      ...(flags['settle-threshold'] === undefined ? {} : { settleThreshold: flags['settle-threshold'] }),
      ...(flags['btp-url'] === undefined ? {} : { url: flags['btp-url'] }),
      ...(flags['asset-code'] === undefined ? {} : { assetCode: flags['asset-code'] }),
      ...(flags['asset-scale'] === undefined ? {} : { assetScale: flags['asset-scale'] }),
    };
    if (Object.keys(body).length === 0) {
      throw appError('INVALID_ARGUMENT', {
        field: 'flags',
        reason: 'nothing to change',
        suggestion: 'Give at least one of --credit-limit, --relation, --max-packet-amount, --settle-threshold, --btp-url, --asset-code, --asset-scale.',
      });
    }
    const updated = await this.client(flags).call<PeerUpdatedResponse>('PATCH', adminPaths.peer(args.id), body);
    if (!this.jsonEnabled()) out(updated.message);
    return updated;
  }
}
