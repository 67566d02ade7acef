import { adminPaths, type RouteListResponse } from '../../node/control/bodies.js';
import { AdminCommand } from '../../cli/admin-command.js';
import { fetchList } from '../../cli/list-output.js';

/** The body of GET /admin/routes. */
export type RouteList = RouteListResponse;

/** `agent-runtime routes list`. */
export default class RoutesList extends AdminCommand {
  static override summary = 'List the routing table of a running node';

  static override description =
    "List a running node's routing table: prefix, next hop ('local' = delivered to this node), priority, where the route came from (config, runtime, implicit, or ccp: learned from a peer by route broadcast) and, for learned routes, their path and age.";

  static override examples = ['<%= config.bin %> routes list', '<%= config.bin %> routes list --json | jq -r ".routes[].prefix"'];

  async run(): Promise<RouteList> {
    const { flags } = await this.parse(RoutesList);
    return fetchList(this.client(flags), adminPaths.routes, this.jsonEnabled(), {
      rows: (list: RouteList) => list.routes.map((r) => ({ ...r, path: r.path?.join(' '), age: r.ageMs === undefined ? undefined : `${Math.round(r.ageMs / 1000)}s` })),
      // path and age only mean something for learned routes
      columns: (rows) => ['prefix', { key: 'nextHop', header: 'next hop' }, 'priority', 'source', ...(rows.some((r) => r.source === 'ccp') ? ['path', 'age'] : [])],
      empty: 'No routes.',
    });
  }
}
