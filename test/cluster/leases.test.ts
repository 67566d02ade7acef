/**
 * Link leases with real processes: two instances of "hub" on one private PostgreSQL both have the peer
 * "up" with a url. Exactly one instance dials it (the other lists it as served by the holder); up
 * routes payments to the hub through that link. The holder is killed with SIGKILL: the survivor takes
 * the lease over, dials up, and payments flow again; the dead instance is seen dead by its heartbeat.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeConditionFromData, IlpPacketType, type ConnectorNode } from '../../src/index.js';
import { Harness, waitFor } from '../helpers/node.js';
import { havePostgres, TestPostgres } from '../helpers/postgres.js';
import { childPeers, health, hubConfig, InstanceProcess, type Ready } from './helpers.js';

const h = new Harness();
let server: TestPostgres | undefined;
const procs: InstanceProcess[] = [];

function pay(from: ConnectorNode, destination: string, amount: bigint) {
  const data = Buffer.from(`lease ${Math.random()}`);
  return from.sendPacket({ destination, amount, executionCondition: computeConditionFromData(data).condition, expiresAt: new Date(Date.now() + 20_000), data });
}

describe.skipIf(!havePostgres())('link leases across cluster instances', () => {
  let up: ConnectorNode;
  const ready: Record<string, Ready> = {};
  const proc: Record<string, InstanceProcess> = {};

  beforeAll(async () => {
    server = await TestPostgres.start();
    up = h.node({
      nodeId: 'up',
      ilpAddress: 'g.up',
      routing: { enabled: false },
      peers: [{ id: 'hub', authToken: 'hub-secret', relation: 'peer' }],
      routes: [{ prefix: 'g.hub', nextHop: 'hub' }],
    } as never);
    await up.start();
    const peers = [...childPeers(), { id: 'up', url: `ws://127.0.0.1:${up.btpPort}`, authToken: 'hub-secret', relation: 'peer', creditLimit: '100000000' }];
    for (const id of ['i1', 'i2']) {
      proc[id] = new InstanceProcess(hubConfig(server.url, id, h.dir(), { peers }));
      procs.push(proc[id]);
    }
    [ready.i1, ready.i2] = await Promise.all([proc.i1.ready, proc.i2.ready]);
  }, 120_000);

  afterAll(async () => {
    await h.cleanup();
    await Promise.all(procs.map((p) => p.kill('SIGTERM')));
    await server?.stop();
  }, 60_000);

  /** The instance whose health says it holds up's lease, once exactly one does and the other names it. */
  async function holder(ids: string[]): Promise<string> {
    return waitFor(async () => {
      const views = await Promise.all(ids.map(async (id) => ({ id, h: await health(ready[id]) })));
      const holders = views.filter((v) => v.h.cluster?.leases.includes('up'));
      if (holders.length !== 1 || !up.listPeers().find((p) => p.id === 'hub')?.connected) return undefined;
      const at = holders[0].id;
      const othersAgree = views.filter((v) => v.id !== at).every((v) => v.h.checks.peers.find((p) => p.id === 'up')?.instance === at);
      return othersAgree ? at : undefined;
    }, 30_000, 'exactly one instance holding up\'s link, named by the others');
  }

  it('exactly one instance dials the peer; payments cross that link', async () => {
    const at = await holder(['i1', 'i2']);
    const h1 = await health(ready[at]);
    expect(h1.checks.peers.find((p) => p.id === 'up')).toEqual({ id: 'up', connected: true });
    const results = await Promise.all(Array.from({ length: 10 }, () => pay(up, 'g.hub', 1000n)));
    expect(results.filter((r) => r.type !== IlpPacketType.Fulfill)).toEqual([]);
  });

  it('SIGKILL of the holder: the other instance takes the link over, payments continue, the dead one is seen dead', async () => {
    const was = await holder(['i1', 'i2']);
    const survivor = was === 'i1' ? 'i2' : 'i1';
    await proc[was].kill('SIGKILL');
    expect(await holder([survivor])).toBe(survivor);
    const results = await Promise.all(Array.from({ length: 10 }, () => pay(up, 'g.hub', 1000n)));
    expect(results.filter((r) => r.type !== IlpPacketType.Fulfill)).toEqual([]);
    const seen = await waitFor(async () => {
      const b = await health(ready[survivor]);
      return b.cluster?.dead.includes(was) ? b : undefined;
    }, 30_000, `${was} seen dead`);
    expect(seen.cluster?.members).toEqual([survivor]);
    expect(seen.cluster?.leases).toContain('up');
  });
});
