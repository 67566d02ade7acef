/**
 * Real nodes for the command tests: `alice` (whose admin API the commands talk to) and `bob`, which
 * dials alice as a peer and answers packets with the simple handler. Data in temp folders, ports 0.
 */
import type { ConnectorNode } from '../../src/index.js';
import type { Harness} from '../helpers/node.js';
import { waitFor } from '../helpers/node.js';

export const SECRET = 'alice-bob-test-secret';

export interface Pair {
  alice: ConnectorNode;
  bob: ConnectorNode;
  /** alice's admin API URL */
  url: string;
}

/** Bob accepts everything except data 'reject me' (F99 via the simple handler) and echoes the data. */
export async function startPair(h: Harness, aliceExtra: Record<string, unknown> = {}): Promise<Pair> {
  const alice = h.node({
    nodeId: 'alice',
    peers: [{ id: 'bob', relation: 'peer', authToken: SECRET, creditLimit: '1000000' }],
    routes: [{ prefix: 'g.bob', nextHop: 'bob' }],
    ...aliceExtra,
  });
  await alice.start();
  const bob = h.node({
    nodeId: 'bob',
    peers: [{ id: 'alice', relation: 'peer', url: `ws://127.0.0.1:${alice.btpPort}`, authToken: SECRET, creditLimit: '1000000' }],
    routes: [{ prefix: 'g.alice', nextHop: 'alice' }],
  });
  bob.setPacketHandler((req) => {
    const text = Buffer.from(req.data ?? '', 'base64').toString();
    if (text === 'reject me') return { accept: false, rejectReason: { code: 'application_error', message: 'bob says no' } };
    return { accept: true, data: Buffer.from(`echo:${text}`).toString('base64') };
  });
  await bob.start();
  await waitFor(() => alice.listPeers().find((p) => p.id === 'bob')?.connected, 10_000, 'bob connected to alice');
  return { alice, bob, url: alice.endpoints.admin! };
}
