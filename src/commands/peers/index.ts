import PeersList from './list.js';

/** `agent-runtime peers`: the topic's own command, the same as `peers list` (and the topic's description). */
export default class Peers extends PeersList {
  static override summary = 'Manage the peers of a running node: list (the default), add, remove';

  static override description = 'Alone, `peers` lists the peers like `peers list`. See `peers add --help` and `peers remove --help`.';

  static override examples = ['<%= config.bin %> peers', '<%= config.bin %> peers add --help'];
}
