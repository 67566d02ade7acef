import { Args, Flags } from '@oclif/core';
import { AdminCommand } from '../../cli/admin-command.js';
import { err, out } from '../../cli/output.js';
import { adminPaths, type PeerRemovedResponse } from '../../node/control/bodies.js';

/** The body of DELETE /admin/peers/:id. */
export type PeerRemoved = PeerRemovedResponse;

/** `agent-runtime peers remove <id>`. */
export default class PeersRemove extends AdminCommand {
  static override summary = 'Remove a peer from a running node';

  static override description =
    'Remove a peer from a running node and (unless --keep-routes) its routes. Its ledger account is kept; a non-zero balance is reported.';

  static override examples = ['<%= config.bin %> peers remove bob', '<%= config.bin %> peers remove bob --keep-routes --json'];

  static override args = {
    id: Args.string({ description: 'Peer id', required: true }),
  };

  static override flags = {
    'keep-routes': Flags.boolean({ description: 'Keep the routes whose next hop is this peer', default: false }),
  };

  async run(): Promise<PeerRemoved> {
    const { args, flags } = await this.parse(PeersRemove);
    const query = flags['keep-routes'] ? '?removeRoutes=false' : '';
    const removed = await this.client(flags).delete<PeerRemoved>(`${adminPaths.peer(args.id)}${query}`);
    if (!this.jsonEnabled()) {
      out(removed.message);
      if (removed.removedRoutes.length > 0) out(`  routes removed: ${removed.removedRoutes.join(', ')}`);
      if (removed.warning) err(`Warning: ${removed.warning}`);
    }
    return removed;
  }
}
