import { adminPaths, type RouteListResponse } from '../../node/control/bodies.js';
import { AdminCommand } from '../../cli/admin-command.js';
import { out, table } from '../../cli/output.js';

/** The body of GET /admin/routes. */
export type RouteList = RouteListResponse;

/** `agent-runtime routes list`. */
export default class RoutesList extends AdminCommand {
  static override summary = 'List the routing table of a running node';

  static override description =
    "List a running node's routing table: prefix, next hop ('local' = delivered to this node), priority and where the route came from.";

  static override examples = ['<%= config.bin %> routes list', '<%= config.bin %> routes list --json | jq -r ".routes[].prefix"'];

  async run(): Promise<RouteList> {
    const { flags } = await this.parse(RoutesList);
    const list = await this.client(flags).get<RouteList>(adminPaths.routes);
    if (!this.jsonEnabled()) {
      out(
        table(
          list.routes,
          [
            { key: 'prefix', header: 'prefix' },
            { key: 'nextHop', header: 'next hop' },
            { key: 'priority', header: 'priority' },
            { key: 'source', header: 'source' },
          ],
          'No routes.',
        ),
      );
    }
    return list;
  }
}
