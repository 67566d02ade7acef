import { Args } from '@oclif/core';
import { AdminCommand } from '../../cli/admin-command.js';
import { out } from '../../cli/output.js';
import { adminPaths, type RouteRemovedResponse } from '../../node/control/bodies.js';

/** The body of DELETE /admin/routes/<prefix>. */
export type RouteRemoved = RouteRemovedResponse;

/** `agent-runtime routes remove <prefix>`. */
export default class RoutesRemove extends AdminCommand {
  static override summary = 'Remove a route from a running node';

  static override description = 'Remove every route for a prefix from a running node (config routes stay removed across restarts).';

  static override examples = ['<%= config.bin %> routes remove g.bob', '<%= config.bin %> routes remove g.bob --json'];

  static override args = {
    prefix: Args.string({ description: 'ILP address prefix, e.g. g.bob', required: true }),
  };

  async run(): Promise<RouteRemoved> {
    const { args, flags } = await this.parse(RoutesRemove);
    const removed = await this.client(flags).delete<RouteRemoved>(adminPaths.route(args.prefix));
    if (!this.jsonEnabled()) out(removed.message);
    return removed;
  }
}
