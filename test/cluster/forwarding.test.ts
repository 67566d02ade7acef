/**
 * In-cluster forwarding with real processes: two instances of "hub" on one private PostgreSQL, child
 * alice logged in at i1 and carol at i2. A payment from alice to carol enters at i1, whose routing
 * finds carol's link held by i2: i1 forwards the Prepare to i2 over the internal link (cluster
 * secret), i2 puts it on carol's link unchanged. i1 books the packet once (no fee at i2, no second
 * expiry margin); the books verify and sum to zero. A forward with a wrong secret is refused.
 *
 * Credit limits hold cluster-wide: a peer's Prepares are only taken by the instance holding its link
 * lease, which checks them against the shared books (read back from PostgreSQL) plus its own
 * reservations; a lease goes back only once the peer's packets there have ended and are booked, and
 * the next holder reads the books before serving it. bob (credit limit 100,000) pays at i1 through both
 * instances at once, then moves to i2, where what i1 booked counts.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeConditionFromData, IlpPacketType, type ConnectorNode } from '../../src/index.js';
import { Harness, waitFor } from '../helpers/node.js';
import { havePostgres, TestPostgres } from '../helpers/postgres.js';
import { balanceAt, childPeers, getJson, health, hubConfig, InstanceProcess, type Ready } from './helpers.js';

const h = new Harness();
let server: TestPostgres | undefined;
const procs: InstanceProcess[] = [];
const LIMIT = 100_000n;

function child(id: string, hub: Ready): ConnectorNode {
  return h.node({ nodeId: id, peers: [{ id: 'hub', url: `ws://127.0.0.1:${hub.btpPort}`, authToken: `${id}-secret`, relation: 'parent' }] } as never);
}

function pay(from: ConnectorNode, destination: string, amount: bigint, expiresAt = new Date(Date.now() + 20_000)) {
  const data = Buffer.from(`forward ${Math.random()}`);
  return from.sendPacket({ destination, amount, executionCondition: computeConditionFromData(data).condition, expiresAt, data });
}

type Result = Awaited<ReturnType<typeof pay>>;
const codes = (rs: Result[]) => rs.map((r) => (r.type === IlpPacketType.Fulfill ? 'fulfilled' : r.code)).sort();

describe.skipIf(!havePostgres())('forwarding and credit limits inside a cluster', () => {
  let i1: Ready;
  let i2: Ready;
  const kids: Record<string, ConnectorNode> = {};
  /** expiries (ms) carol saw */
  const carolSaw: number[] = [];

  beforeAll(async () => {
    server = await TestPostgres.start();
    const peers = childPeers().map((p) => (p.id === 'bob' ? { ...p, creditLimit: LIMIT.toString() } : p));
    const p1 = new InstanceProcess(hubConfig(server.url, 'i1', h.dir(), { peers }));
    const p2 = new InstanceProcess(hubConfig(server.url, 'i2', h.dir(), { peers }));
    procs.push(p1, p2);
    [i1, i2] = await Promise.all([p1.ready, p2.ready]);
    kids.alice = child('alice', i1);
    kids.bob = child('bob', i1);
    kids.carol = child('carol', i2);
    await Promise.all(Object.values(kids).map((k) => k.start()));
    kids.alice.setPacketHandler(() => ({ accept: true }));
    kids.bob.setPacketHandler(() => ({ accept: true }));
    kids.carol.setPacketHandler((req) => {
      carolSaw.push(new Date(req.expiresAt).getTime());
      return { accept: true };
    });
  }, 120_000);

  afterAll(async () => {
    await h.cleanup();
    await Promise.all(procs.map((p) => p.kill('SIGTERM')));
    await server?.stop();
  }, 60_000);

  it('each instance names the other as the holder of the child it does not serve', async () => {
    await waitFor(async () => (await health(i1)).checks.peers.find((p) => p.id === 'carol')?.instance === 'i2', 30_000, 'i1 sees carol at i2');
    await waitFor(async () => (await health(i2)).checks.peers.find((p) => p.id === 'alice')?.instance === 'i1', 30_000, 'i2 sees alice at i1');
  });

  it('payments both ways cross the instances, fulfilled; booked once by the entry instance, no fee at the relay; verify ok', async () => {
    const expiresAt = new Date(Date.now() + 20_000);
    const results = await Promise.all([
      ...Array.from({ length: 20 }, () => pay(kids.alice, 'g.hub.carol', 10_000n, expiresAt)),
      ...Array.from({ length: 20 }, () => pay(kids.carol, 'g.hub.alice', 5_000n)),
    ]);
    expect(results.filter((r) => r.type !== IlpPacketType.Fulfill)).toEqual([]);
    // alice paid 20 × 10,000 and received 20 × (5,000 − 5); carol the other way round; one fee per packet (10 bps)
    const want: Record<string, bigint> = { 'peer:alice': 200_000n - 99_900n, 'peer:carol': 100_000n - 199_800n, fees: -300n };
    for (const r of [i1, i2]) {
      for (const [account, v] of Object.entries(want)) await waitFor(async () => (await balanceAt(r, account)) === v, 30_000, `${account} = ${v} at ${r.admin}`);
    }
    for (const r of [i1, i2]) {
      const { status, body } = await getJson<{ ok: boolean; sum: string }>(`${r.admin}/admin/ledger/verify`);
      expect(status).toBe(200);
      expect(body).toMatchObject({ ok: true, sum: '0' });
    }
    // the expiry carol got is the one i1 forwarded: one margin (1000 ms) off alice's, none at the relay
    expect(carolSaw.length).toBe(20);
    expect(new Set(carolSaw)).toEqual(new Set([expiresAt.getTime() - 1000]));
    // each instance forwarded its 20 and relayed the other's 20
    for (const r of [i1, i2]) expect((await health(r)).cluster?.forwarded).toEqual({ sent: 20, relayed: 20 });
    // one journal entry per packet
    const c = new pg.Client({ connectionString: server!.url });
    await c.connect();
    try {
      const n = await c.query<{ n: string }>("SELECT count(*)::text AS n FROM ledger_journal WHERE kind = 'packet'");
      expect(n.rows[0].n).toBe('40');
    } finally {
      await c.end();
    }
  });

  it('a forward with a wrong cluster secret is refused (401) and books nothing', async () => {
    const c = new pg.Client({ connectionString: server!.url });
    await c.connect();
    let url: string;
    try {
      const r = await c.query<{ info: { forward?: string } }>("SELECT info FROM cluster_instances WHERE id = 'i2'");
      url = r.rows[0].info.forward!;
    } finally {
      await c.end();
    }
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${url}/cluster/forward/carol`, { method: 'POST', headers: { authorization: 'Bearer wrong', 'x-cluster-deadline': String(Date.now() + 5000) }, body: Buffer.alloc(10) });
    expect(res.status).toBe(401);
    expect(await res.text()).toContain('wrong cluster secret');
  });

  it('concurrent payments through both instances stop exactly at the limit (T04 past it)', async () => {
    const results = await Promise.all(Array.from({ length: 15 }, (_, i) => pay(kids.bob, i % 2 === 0 ? 'g.hub.alice' : 'g.hub.carol', 10_000n)));
    expect(codes(results)).toEqual([...Array(5).fill('T04'), ...Array(10).fill('fulfilled')]);
    for (const r of [i1, i2]) await waitFor(async () => (await balanceAt(r, 'peer:bob')) === LIMIT, 30_000, `bob at the limit at ${r.admin}`);
  });

  it('bob moves to i2: what i1 booked counts there; he may spend again only what he received', async () => {
    await kids.bob.stop();
    await waitFor(async () => !(await health(i1)).cluster?.leases.includes('bob'), 30_000, 'i1 gave bob\'s lease back');
    kids.bob = child('bob', i2);
    await kids.bob.start();
    kids.bob.setPacketHandler(() => ({ accept: true }));
    await waitFor(async () => (await health(i2)).cluster?.leases.includes('bob'), 30_000, 'bob served by i2');
    expect(codes([await pay(kids.bob, 'g.hub.carol', 10_000n), await pay(kids.bob, 'g.hub.alice', 10_000n)])).toEqual(['T04', 'T04']);
    // carol pays bob 3 × 10,000 (bob is credited 3 × 9,990): room for two more packets, not three
    expect(codes(await Promise.all(Array.from({ length: 3 }, () => pay(kids.carol, 'g.hub.bob', 10_000n))))).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    await waitFor(async () => (await balanceAt(i2, 'peer:bob')) === LIMIT - 29_970n, 30_000, 'bob credited at i2');
    const results = await Promise.all(Array.from({ length: 4 }, (_, i) => pay(kids.bob, i % 2 === 0 ? 'g.hub.alice' : 'g.hub.carol', 10_000n)));
    expect(codes(results)).toEqual(['T04', 'T04', 'fulfilled', 'fulfilled']);
    for (const r of [i1, i2]) {
      await waitFor(async () => (await balanceAt(r, 'peer:bob')) === LIMIT - 29_970n + 20_000n, 30_000, `bob's balance at ${r.admin}`);
      const { body } = await getJson<{ ok: boolean; sum: string }>(`${r.admin}/admin/ledger/verify`);
      expect(body).toMatchObject({ ok: true, sum: '0' });
    }
  });
});
