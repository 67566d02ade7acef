import { adminPaths, type PeerListResponse } from '../../node/control/bodies.js';
import { AdminCommand } from '../../cli/admin-command.js';
import { out, table } from '../../cli/output.js';

/** The body of GET /admin/peers. */
export type PeerList = PeerListResponse;

/** `agent-runtime peers list`. */
export default class PeersList extends AdminCommand {
  static override summary = 'List the peers of a running node';

  static override description = 'List the peers of a running node: relation, connection, balance and routes.';

  static override examples = ['<%= config.bin %> peers list', '<%= config.bin %> peers list --json | jq ".peers[] | select(.connected | not) | .id"'];

  async run(): Promise<PeerList> {
    const { flags } = await this.parse(PeersList);
    const list = await this.client(flags).get<PeerList>(adminPaths.peers);
    if (!this.jsonEnabled()) {
      out(
        table(
          list.peers.map((p) => ({ ...p, state: p.connected ? 'connected' : 'disconnected', routes: p.ilpAddresses })),
          [
            { key: 'id', header: 'id' },
            { key: 'relation', header: 'relation' },
            { key: 'state', header: 'state' },
            { key: 'direction', header: 'dials' },
            { key: 'balance', header: 'balance' },
            { key: 'creditLimit', header: 'credit limit' },
            { key: 'routes', header: 'routes' },
          ],
          'No peers. Add one with `agent-runtime peers add <id> --btp-url ws://host:port`.',
        ),
      );
      if (list.peers.length > 0) out(`${list.connectedCount}/${list.peerCount} connected`);
    }
    return list;
  }
}
