/**
 * A real node on the PostgreSQL ledger (`ledger.backend: postgres`, a private server from
 * test/helpers/postgres.ts) forwarding between two BTP peers over real sockets: the books are in the
 * database (read by another session), verify, come back after a restart, a replayed id books nothing;
 * then the server is stopped under it: fail-stop (T00 before forwarding, 503), and when the server is
 * back the hub books the loss of the packet it could not book and takes payments again.
 */
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { computeConditionFromData, IlpPacketType, type ConnectorNode } from '../../src/index.js';
import { entries } from '../../src/ledger/index.js';
import type { NodeEvent } from '../../src/node/events.js';
import { Harness, waitFor } from '../helpers/node.js';
import { havePostgres, TestPostgres } from '../helpers/postgres.js';

const h = new Harness();
let server: TestPostgres | undefined;

function pay(from: ConnectorNode, destination: string, amount: bigint) {
  const data = Buffer.from(`pg ${Math.random()}`);
  return from.sendPacket({ destination, amount, executionCondition: computeConditionFromData(data).condition, expiresAt: new Date(Date.now() + 20_000), data });
}

const balance = (n: ConnectorNode, account: string) => n.getAccounts().find((a) => a.account === account)?.balance ?? '0';

async function dbBalances(url: string): Promise<Record<string, string>> {
  const c = new pg.Client(url);
  await c.connect();
  try {
    const r = await c.query<{ account: string; amount: string }>(
      `SELECT account, sum(amount)::text AS amount FROM (SELECT account, balance AS amount FROM ledger_balances
       UNION ALL SELECT p.account, p.amount FROM ledger_deltas, unnest(accounts, amounts) AS p(account, amount)) b GROUP BY account`,
    );
    return Object.fromEntries(r.rows.filter((x) => x.amount !== '0').map((x) => [x.account, x.amount]));
  } finally {
    await c.end();
  }
}

describe.skipIf(!havePostgres())('a node on the PostgreSQL ledger', () => {
  beforeAll(async () => {
    server = await TestPostgres.start();
  });
  afterEach(async () => {
    await h.cleanup();
  });
  afterAll(async () => {
    await server?.stop();
  });

  /** The hub on PostgreSQL with children alice and bob (LevelDB), all connected. */
  async function network(hubDir = h.dir()) {
    const hub = h.node({
      nodeId: 'hub',
      ilpAddress: 'g.hub',
      dataDir: hubDir,
      feeBps: 0,
      ledger: { backend: 'postgres', postgres: { url: server!.url } },
      peers: [
        { id: 'alice', authToken: 'alice-secret', relation: 'child', creditLimit: '1000000' },
        { id: 'bob', authToken: 'bob-secret', relation: 'child', creditLimit: '1000000' },
      ],
    } as never);
    await hub.start();
    const url = `ws://127.0.0.1:${hub.btpPort}`;
    const alice = h.node({ nodeId: 'alice', peers: [{ id: 'hub', url, authToken: 'alice-secret', relation: 'parent' }] } as never);
    const bob = h.node({ nodeId: 'bob', peers: [{ id: 'hub', url, authToken: 'bob-secret', relation: 'parent' }] } as never);
    await Promise.all([alice.start(), bob.start()]);
    await waitFor(() => hub.listPeers().every((p) => p.connected), 20_000, 'both children connected');
    return { hub, alice, bob, hubDir };
  }

  it('forwards between two BTP peers with the books in PostgreSQL; verify; restart; replays book nothing', async () => {
    const { hub, alice, bob } = await network();
    bob.setPacketHandler(() => ({ accept: true }));
    const results = await Promise.all(Array.from({ length: 40 }, () => pay(alice, 'g.hub.bob', 25n)));
    expect(results.filter((r) => r.type !== IlpPacketType.Fulfill)).toEqual([]);
    expect(balance(hub, 'peer:alice')).toBe('1000');
    expect(balance(hub, 'peer:bob')).toBe('-1000');
    // acknowledged means committed: another session sees every booking
    expect(await dbBalances(server!.url)).toEqual({ 'peer:alice': '1000', 'peer:bob': '-1000' });
    const ledger = hub.ledgerHandle!;
    expect(await ledger.verify()).toEqual({ ok: true, mismatches: [], sum: '0' });
    const snapshot = await ledger.exportSnapshot();
    expect(snapshot.journal.filter((e) => e.kind === 'packet')).toHaveLength(40);

    await ledger.commitAsync(entries.claimReceived('claim-in:alice:300', 'alice', 300n));
    await hub.stop();
    const hub2 = h.node({
      nodeId: 'hub',
      ilpAddress: 'g.hub',
      dataDir: h.dir(),
      ledger: { backend: 'postgres', postgres: { url: server!.url } },
      peers: [{ id: 'alice', authToken: 'alice-secret', relation: 'child' }],
    } as never);
    await hub2.start();
    expect(balance(hub2, 'peer:alice')).toBe('700');
    await hub2.ledgerHandle!.commitAsync(entries.claimReceived('claim-in:alice:300', 'alice', 300n));
    expect(balance(hub2, 'peer:alice')).toBe('700');
    expect(await hub2.ledgerHandle!.verify()).toMatchObject({ ok: true, sum: '0' });
    await hub2.stop();
  });

  it('stops the money path when the server stops, and books the loss when it is back', async () => {
    const { hub, alice, bob } = await network();
    const events: NodeEvent[] = [];
    hub.events.subscribe((batch) => events.push(...batch.filter((e) => e.type.startsWith('ledger:'))));
    const before = { alice: BigInt(balance(hub, 'peer:alice')), bob: BigInt(balance(hub, 'peer:bob')), fees: BigInt(balance(hub, 'fees')) };
    let prepares = 0;
    let hold: ((accept: boolean) => void) | undefined;
    bob.setPacketHandler(() => {
      prepares++;
      if (prepares !== 2) return { accept: true };
      return new Promise((resolve) => (hold = (accept) => resolve({ accept })));
    });
    const health = hub.endpoints.health!;

    expect((await pay(alice, 'g.hub.bob', 100n)).type).toBe(IlpPacketType.Fulfill);
    const held = pay(alice, 'g.hub.bob', 40n);
    await waitFor(() => hold, 20_000, 'bob holding the second packet');
    await server!.stopServer('SIGQUIT'); // immediate shutdown: every session cut, as in a crash
    hold!(true); // bob is paid; the hub cannot book it
    expect(await held).toMatchObject({ type: IlpPacketType.Reject, code: 'T00' });
    await waitFor(() => events.some((e) => e.type === 'ledger:fault'), 20_000, 'ledger:fault');

    const refused = await pay(alice, 'g.hub.bob', 7n);
    expect(refused).toMatchObject({ type: IlpPacketType.Reject, code: 'T00' });
    expect(prepares).toBe(2);
    expect((await fetch(`${health}/health/ready`)).status).toBe(503);

    await server!.startServer();
    await waitFor(() => events.some((e) => e.type === 'ledger:recovered'), 30_000, 'ledger:recovered');
    expect(events.find((e) => e.type === 'ledger:recovered')).toMatchObject({ lossesBooked: 1 });
    expect((await fetch(`${health}/health/ready`)).status).toBe(200);
    expect(BigInt(balance(hub, 'peer:alice')) - before.alice).toBe(100n);
    expect(BigInt(balance(hub, 'peer:bob')) - before.bob).toBe(-140n);
    expect(BigInt(balance(hub, 'fees')) - before.fees).toBe(40n);
    expect((await pay(alice, 'g.hub.bob', 5n)).type).toBe(IlpPacketType.Fulfill);
    expect(await hub.ledgerHandle!.verify()).toMatchObject({ ok: true, sum: '0' });
  });
});
