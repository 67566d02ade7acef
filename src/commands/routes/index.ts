import RoutesList from './list.js';

/** `agent-runtime routes`: the topic's own command, the same as `routes list` (and the topic's description). */
export default class Routes extends RoutesList {
  static override summary = 'Manage the routing table of a running node: list (the default), add, remove';

  static override description = 'Alone, `routes` lists the routes like `routes list`. See `routes add --help` and `routes remove --help`.';

  static override examples = ['<%= config.bin %> routes', '<%= config.bin %> routes add --help'];
}
