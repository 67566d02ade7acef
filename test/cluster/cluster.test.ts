/**
 * Two cluster instances of one node ("hub"), each its own process, on one private PostgreSQL
 * (test/helpers/postgres.ts). Children alice and bob log in at instance i1, carol and dave at i2; both
 * instances forward and book into the same books; each reads back what the other booked; the books
 * verify and sum to zero. A second login of alice at i2 is refused; a lone node (no cluster) and a
 * second process with a live instance id are refused on that database.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeConditionFromData, IlpPacketType, type ConnectorNode } from '../../src/index.js';
import { PostgresLedger } from '../../src/ledger/postgres/index.js';
import { BtpType, decodeBtp } from '../../src/node/btp/codec.js';
import { Harness, waitFor } from '../helpers/node.js';
import { havePostgres, TestPostgres } from '../helpers/postgres.js';
import { RawPeer } from '../reliability/helpers.js';
import { balanceAt, getJson, health, hubConfig, InstanceProcess, postJson, type Ready } from './helpers.js';

const h = new Harness();
let server: TestPostgres | undefined;
const procs: InstanceProcess[] = [];

function child(id: string, hub: Ready): ConnectorNode {
  return h.node({ nodeId: id, peers: [{ id: 'hub', url: `ws://127.0.0.1:${hub.btpPort}`, authToken: `${id}-secret`, relation: 'parent' }] } as never);
}

function pay(from: ConnectorNode, destination: string, amount: bigint) {
  const data = Buffer.from(`cluster ${Math.random()}`);
  return from.sendPacket({ destination, amount, executionCondition: computeConditionFromData(data).condition, expiresAt: new Date(Date.now() + 20_000), data });
}

describe.skipIf(!havePostgres())('two cluster instances on one PostgreSQL ledger', () => {
  let i1: Ready;
  let i2: Ready;
  const kids: Record<string, ConnectorNode> = {};

  beforeAll(async () => {
    server = await TestPostgres.start();
    const p1 = new InstanceProcess(hubConfig(server.url, 'i1', h.dir()));
    const p2 = new InstanceProcess(hubConfig(server.url, 'i2', h.dir()));
    procs.push(p1, p2);
    [i1, i2] = await Promise.all([p1.ready, p2.ready]);
    kids.alice = child('alice', i1);
    kids.bob = child('bob', i1);
    kids.carol = child('carol', i2);
    kids.dave = child('dave', i2);
    await Promise.all(Object.values(kids).map((k) => k.start()));
  }, 120_000);

  afterAll(async () => {
    await h.cleanup();
    await Promise.all(procs.map((p) => p.kill('SIGTERM')));
    await server?.stop();
  }, 60_000);

  it('both instances are ready and healthy; each knows both members and which instance serves each child', async () => {
    for (const r of [i1, i2]) expect((await getJson(`${r.health}/health/ready`)).status).toBe(200);
    const h1 = await waitFor(async () => {
      const b = await health(i1);
      return b.status === 'healthy' && b.cluster?.members.length === 2 ? b : undefined;
    }, 30_000, 'i1 healthy with two members');
    expect(h1.cluster).toMatchObject({ instanceId: 'i1', session: true, members: ['i1', 'i2'] });
    expect(h1.checks.peers).toEqual([
      { id: 'alice', connected: true },
      { id: 'bob', connected: true },
      { id: 'carol', connected: false, instance: 'i2' },
      { id: 'dave', connected: false, instance: 'i2' },
    ]);
    const h2 = await waitFor(async () => {
      const b = await health(i2);
      return b.status === 'healthy' ? b : undefined;
    }, 30_000, 'i2 healthy');
    expect(h2.cluster).toMatchObject({ instanceId: 'i2', members: ['i1', 'i2'] });
  });

  it('both forward and book into the same books; each reads the other\'s bookings; verify ok, sums zero', async () => {
    kids.bob.setPacketHandler(() => ({ accept: true }));
    kids.dave.setPacketHandler(() => ({ accept: true }));
    const results = await Promise.all([
      ...Array.from({ length: 20 }, () => pay(kids.alice, 'g.hub.bob', 10_000n)),
      ...Array.from({ length: 20 }, () => pay(kids.carol, 'g.hub.dave', 10_000n)),
    ]);
    expect(results.filter((r) => r.type !== IlpPacketType.Fulfill)).toEqual([]);
    // each instance sees all four children's balances and both instances' fees
    const want: Record<string, bigint> = { 'peer:alice': 200_000n, 'peer:bob': -199_800n, 'peer:carol': 200_000n, 'peer:dave': -199_800n, fees: -400n };
    for (const r of [i1, i2]) {
      for (const [account, v] of Object.entries(want)) await waitFor(async () => (await balanceAt(r, account)) === v, 20_000, `${account} = ${v} at ${r.admin}`);
    }
    for (const r of [i1, i2]) {
      const { status, body } = await getJson<{ ok: boolean; sum: string }>(`${r.admin}/admin/ledger/verify`);
      expect(status).toBe(200);
      expect(body).toMatchObject({ ok: true, sum: '0' });
    }
  });

  it('a second login of a child at the other instance is refused; the first link stays', async () => {
    const { peer, authReply } = await RawPeer.connect(`ws://127.0.0.1:${i2.btpPort}`, 'alice', 'alice-secret');
    const frame = decodeBtp(authReply);
    expect(frame.type).toBe(BtpType.Error);
    expect(authReply.toString('utf8')).toContain('peer alice is already connected to another instance of this cluster');
    await peer.closed;
    const b = await health(i1);
    expect(b.checks.peers.find((p) => p.id === 'alice')).toEqual({ id: 'alice', connected: true });
    expect(b.cluster?.leases).toEqual(['alice', 'bob']);
  });

  it('a peer and a route added at i1\'s admin API are known at i2 (stored in PostgreSQL, announced by NOTIFY); a removal too', async () => {
    const add = await postJson(`${i1.admin}/admin/peers`, { id: 'erin', authToken: 'erin-secret', relation: 'child', creditLimit: '500', routes: [{ prefix: 'g.erin' }] });
    expect(add.status).toBe(201);
    expect((await postJson(`${i1.admin}/admin/routes`, { prefix: 'g.elsewhere', nextHop: 'erin', priority: 2 })).status).toBe(201);
    type Peers = { peers: { id: string; relation: string }[] };
    type Routes = { routes: { prefix: string; nextHop: string }[] };
    await waitFor(async () => (await getJson<Peers>(`${i2.admin}/admin/peers`)).body.peers.some((p) => p.id === 'erin' && p.relation === 'child'), 20_000, 'erin known at i2');
    await waitFor(async () => (await getJson<Routes>(`${i2.admin}/admin/routes`)).body.routes.some((r) => r.prefix === 'g.elsewhere' && r.nextHop === 'erin'), 20_000, 'g.elsewhere at i2');
    // erin may now log in at i2 (the peer and its token came from i1)
    const { peer, authReply } = await RawPeer.connect(`ws://127.0.0.1:${i2.btpPort}`, 'erin', 'erin-secret');
    expect(decodeBtp(authReply).type).toBe(BtpType.Response);
    peer.terminate();
    const removed = await fetch(`${i1.admin}/admin/peers/erin`, { method: 'DELETE' });
    expect(removed.status).toBe(200);
    await waitFor(async () => !(await getJson<Peers>(`${i2.admin}/admin/peers`)).body.peers.some((p) => p.id === 'erin'), 20_000, 'erin gone at i2');
  });

  it('a lone node is refused on the cluster\'s database (LEDGER_IN_USE), and so is a second process with a live instance id', async () => {
    await expect(PostgresLedger.open({ url: server!.url, dataDir: h.dir() })).rejects.toMatchObject({ code: 'LEDGER_IN_USE' });
    const again = h.node(hubConfig(server!.url, 'i1', h.dir()) as never);
    await expect(again.start()).rejects.toMatchObject({ code: 'CLUSTER_INSTANCE_IN_USE' });
  });
});
