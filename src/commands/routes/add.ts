import { Args, Flags } from '@oclif/core';
import { adminPaths, type AddRouteRequest, type RouteAddedResponse } from '../../node/control/bodies.js';
import { AdminCommand } from '../../cli/admin-command.js';
import { err, out } from '../../cli/output.js';

/** The body of POST /admin/routes. */
export type RouteAdded = RouteAddedResponse;

/** `agent-runtime routes add <prefix> <next-hop>`. */
export default class RoutesAdd extends AdminCommand {
  static override summary = 'Add a route to a running node';

  static override description =
    "Add a route to a running node (kept across restarts). The next hop is a peer id, or 'local' for this node's own agent.";

  static override examples = ['<%= config.bin %> routes add g.bob bob', '<%= config.bin %> routes add g.partners carol --priority 10 --json'];

  static override args = {
    prefix: Args.string({ description: 'ILP address prefix, e.g. g.bob', required: true }),
    nextHop: Args.string({ description: "Peer id, or 'local'", required: true }),
  };

  static override flags = {
    priority: Flags.integer({ description: 'Among routes with the same prefix the higher priority wins', default: 0 }),
  };

  async run(): Promise<RouteAdded> {
    const { args, flags } = await this.parse(RoutesAdd);
    const body: AddRouteRequest = { prefix: args.prefix, nextHop: args.nextHop, priority: flags.priority };
    const added = await this.client(flags).post<RouteAdded>(adminPaths.routes, body);
    if (!this.jsonEnabled()) {
      out(added.message);
      if (added.warning) err(`Warning: ${added.warning}`);
    }
    return added;
  }
}
