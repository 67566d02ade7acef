/**
 * Failover harness (slow tier): three instances of "hub" on one private PostgreSQL, four children
 * whose one peer (the hub) lists every instance in `urls`. The children pay each other all the time
 * (most packets cross instances: forwarding). Ten times an instance is killed with SIGKILL under that
 * load and started again on the same ports; after each kill the dead instance's children reconnect to
 * another instance (their BTP client tries the next URL) and every child is served again. At the end:
 * every packet a child saw fulfilled is in the journal exactly once, no packet is booked twice, the
 * books verify, and every instance is healthy.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeConditionFromData, IlpPacketType, type ConnectorNode } from '../../src/index.js';
import { Harness, waitFor } from '../helpers/node.js';
import { havePostgres, TestPostgres } from '../helpers/postgres.js';
import { freePort } from '../reliability/helpers.js';
import { getJson, health, hubConfig, InstanceProcess, type Ready } from './helpers.js';

const h = new Harness();
let server: TestPostgres | undefined;
const IDS = ['i1', 'i2', 'i3'];
const KIDS = ['alice', 'bob', 'carol', 'dave'];
const ROUNDS = 10;

describe.skipIf(!havePostgres())('kill -9 failover across three cluster instances', () => {
  const procs: Record<string, InstanceProcess> = {};
  const ready: Record<string, Ready> = {};
  const configs: Record<string, Record<string, unknown>> = {};
  const kids: Record<string, ConnectorNode> = {};
  /** conditions (hex) of the packets each child saw fulfilled */
  const acked: string[] = [];
  let running = true;
  const loops: Promise<void>[] = [];

  async function startInstance(id: string): Promise<void> {
    procs[id] = new InstanceProcess(configs[id]);
    ready[id] = await procs[id].ready;
  }

  /** Every child served by exactly one live instance, as the live instances' health says. */
  async function allServed(live: string[]): Promise<boolean> {
    const held = (await Promise.all(live.map(async (id) => (await health(ready[id])).cluster?.leases ?? []))).flat();
    return KIDS.every((k) => held.filter((x) => x === k).length === 1) && KIDS.every((k) => kids[k].listPeers().find((p) => p.id === 'hub')?.connected === true);
  }

  async function payLoop(from: string): Promise<void> {
    let n = 0;
    while (running) {
      const to = KIDS[(KIDS.indexOf(from) + 1 + (n++ % (KIDS.length - 1))) % KIDS.length];
      const data = Buffer.from(`failover ${from} ${n} ${Math.random()}`);
      const { condition } = computeConditionFromData(data);
      try {
        const r = await kids[from].sendPacket({ destination: `g.hub.${to}`, amount: 1000n, executionCondition: condition, expiresAt: new Date(Date.now() + 5000), data });
        if (r.type === IlpPacketType.Fulfill) acked.push(condition.toString('hex'));
      } catch {
        // the child itself may refuse while it has no link: not acknowledged
      }
      if (!kids[from].listPeers().find((p) => p.id === 'hub')?.connected) await new Promise((r) => setTimeout(r, 50));
    }
  }

  beforeAll(async () => {
    server = await TestPostgres.start();
    const ports: Record<string, { btp: number; health: number; admin: number }> = {};
    for (const id of IDS) ports[id] = { btp: await freePort(), health: await freePort(), admin: await freePort() };
    for (const id of IDS) {
      configs[id] = hubConfig(server.url, id, h.dir(), { btpServerPort: ports[id].btp, healthCheckPort: ports[id].health, adminApi: { enabled: true, port: ports[id].admin } });
    }
    await Promise.all(IDS.map((id) => startInstance(id)));
    const urls = IDS.map((id) => `ws://127.0.0.1:${ports[id].btp}`);
    KIDS.forEach((k, i) => {
      // each child starts at a different instance, and lists them all
      const mine = [...urls.slice(i % urls.length), ...urls.slice(0, i % urls.length)];
      kids[k] = h.node({ nodeId: k, peers: [{ id: 'hub', url: mine[0], urls: mine, authToken: `${k}-secret`, relation: 'parent' }] } as never);
    });
    await Promise.all(Object.values(kids).map((k) => k.start()));
    for (const k of Object.values(kids)) k.setPacketHandler(() => ({ accept: true }));
    await waitFor(() => allServed(IDS), 60_000, 'every child served');
  }, 180_000);

  afterAll(async () => {
    running = false;
    await Promise.allSettled(loops);
    await h.cleanup();
    await Promise.all(Object.values(procs).map((p) => p.kill('SIGTERM')));
    await server?.stop();
  }, 90_000);

  it(`${ROUNDS} SIGKILLs under load: children move to a live instance, nothing acknowledged is lost or doubled, verify ok`, async () => {
    for (const k of KIDS) loops.push(payLoop(k));
    await waitFor(() => acked.length >= 20, 60_000, 'load running');
    for (let round = 0; round < ROUNDS; round++) {
      const victim = IDS[round % IDS.length];
      const live = IDS.filter((id) => id !== victim);
      const before = acked.length;
      await procs[victim].kill('SIGKILL');
      await waitFor(() => allServed(live), 60_000, `round ${round}: every child served by ${live.join('/')}`);
      await waitFor(() => acked.length >= before + 10, 60_000, `round ${round}: payments flow again`);
      await startInstance(victim);
      await waitFor(async () => (await health(ready[victim])).cluster?.members.length === IDS.length, 60_000, `round ${round}: ${victim} back`);
    }
    running = false;
    await Promise.all(loops);
    // survivors (all three now) healthy, books verify and sum to zero
    for (const id of IDS) {
      await waitFor(async () => (await health(ready[id])).status === 'healthy', 60_000, `${id} healthy`);
      const { body } = await getJson<{ ok: boolean; sum: string }>(`${ready[id].admin}/admin/ledger/verify`);
      expect(body).toMatchObject({ ok: true, sum: '0' });
    }
    // every acknowledged packet booked exactly once, and no packet booked twice
    const c = new pg.Client({ connectionString: server!.url });
    await c.connect();
    try {
      const rows = (await c.query<{ c: string; n: string }>("SELECT encode(condition, 'hex') AS c, count(*)::text AS n FROM ledger_journal WHERE kind = 'packet' GROUP BY condition")).rows;
      const booked = new Map(rows.map((r) => [r.c, Number(r.n)]));
      expect(rows.filter((r) => r.n !== '1')).toEqual([]);
      expect(acked.filter((cond) => booked.get(cond) !== 1)).toEqual([]);
      expect(new Set(acked).size).toBe(acked.length);
    } finally {
      await c.end();
    }
  }, 900_000);
});
