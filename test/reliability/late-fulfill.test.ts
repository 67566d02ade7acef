/**
 * Ledger agreement with a next hop that fulfills late, over real BTP sockets: alice (a node) pays
 * through the hub (a node) to bob, a BTP peer played by hand that holds its Fulfill.
 *
 * - Fulfilled after the expiry the hub forwarded but before the hub's own incoming deadline minus
 *   half the margin: booked and passed upstream, all three ledgers agree.
 * - Fulfilled after the hub stopped waiting: alice has her R00, nothing is booked, and the late
 *   fulfill is recorded durably for bob (balances in the admin API, the library and `balances --json`,
 *   /metrics, the `packet:late-fulfill` event), still there after a restart.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Harness, waitFor } from '../helpers/node.js';
import { json, run } from '../cli/run-command.js';
import { connectRaw, pay as payTo, receivedPrepares, startChild, startHub } from '../helpers/raw-btp.js';
import type { ConnectorNode } from '../../src/index.js';
import { IlpPacketType } from '../../src/index.js';
import type { NodeEvent } from '../../src/node/events.js';
import { DashboardFeed } from '../../src/tui/feed.js';

const h = new Harness();
afterEach(() => h.cleanup());

const balance = (n: ConnectorNode, account: string) => n.getAccounts().find((a) => a.account === account);

/** hub (given performance settings) with alice (a node) and bob (by hand; `prepares()` is what he received). */
async function net(performance: Record<string, number>, dataDir?: string) {
  const { hub, url } = await startHub(h, '1000000', { performance, explorer: { enabled: true, port: 0 }, ...(dataDir ? { dataDir } : {}) });
  const alice = await startChild(h, url, 'alice', '1000000');
  const bob = await connectRaw(h, url, 'bob');
  await waitFor(() => hub.listPeers().every((p) => p.connected), 20_000, 'alice and bob connected');
  return { hub, alice, bob, prepares: () => receivedPrepares(bob) };
}

const pay = (from: ConnectorNode, amount: bigint, expiresInMs: number) => payTo(from, 'g.hub.bob', amount, expiresInMs);

describe('a next hop that fulfills late', () => {
  it('after the expiry the hub forwarded, inside its own deadline minus the margin: booked, and the ledgers agree', async () => {
    // maxHoldTimeMs makes the forwarded expiry ~1 s away; the hub waits 3 s (half the 6 s margin) past it
    const { hub, alice, bob, prepares } = await net({ expiryMarginMs: 6000, maxHoldTimeMs: 1000 });
    const result = pay(alice, 700n, 20_000);
    const prepare = await waitFor(() => prepares()[0], 20_000, 'the Prepare at bob');
    // bob answers only once the expiry the hub gave him has passed
    await waitFor(() => Date.now() > prepare.expiresAt + 100, 20_000, 'the forwarded expiry passed');
    bob.send(prepare.fulfill);
    const r = await result;
    expect(r.type).toBe(IlpPacketType.Fulfill);
    expect(balance(hub, 'peer:alice')).toMatchObject({ balance: '700', reserved: '0' });
    expect(balance(hub, 'peer:bob')).toMatchObject({ balance: '-700' });
    expect(balance(hub, 'peer:bob')?.lateFulfills).toBeUndefined();
    expect(balance(alice, 'peer:hub')?.balance).toBe('-700');
  });

  it('after the hub stopped waiting: R00 upstream, nothing booked, recorded durably per peer and shown everywhere', async () => {
    const dataDir = h.dir();
    const { hub, alice, bob, prepares } = await net({ expiryMarginMs: 1000 }, dataDir);
    const events: NodeEvent[] = [];
    hub.events.subscribe((batch) => events.push(...batch.filter((e) => e.type === 'packet:late-fulfill')));
    const r = await pay(alice, 900n, 2500);
    // alice has her answer: only now does bob fulfil
    expect(r).toMatchObject({ type: IlpPacketType.Reject, code: 'R00', triggeredBy: 'g.hub' });
    expect(prepares()).toHaveLength(1);
    bob.send(prepares()[0].fulfill);
    await waitFor(() => balance(hub, 'peer:bob')?.lateFulfills, 20_000, 'the late fulfill recorded');

    expect(balance(hub, 'peer:bob')).toMatchObject({ balance: '0', reserved: '0', lateFulfills: { count: 1, amount: '900' } });
    expect(balance(hub, 'peer:alice')).toMatchObject({ balance: '0', reserved: '0' });
    expect(balance(alice, 'peer:hub')?.balance ?? '0').toBe('0');
    expect(hub.getBalance('bob').lateFulfills).toEqual({ count: 1, amount: '900' });
    await waitFor(() => events.length === 1, 20_000, 'the packet:late-fulfill event');
    expect(events[0]).toMatchObject({ type: 'packet:late-fulfill', to: 'bob', destination: 'g.hub.bob', amount: '900', reason: 'expired' });

    const admin = hub.endpoints.admin!;
    const one = (await (await fetch(`${admin}/admin/balances/bob`)).json()) as { lateFulfills?: unknown };
    expect(one.lateFulfills).toEqual({ count: 1, amount: '900' });
    const cli = await run(['balances', '--url', admin, '--json']);
    expect(cli.exitCode).toBe(0);
    const accounts = json<{ accounts: { account: string; lateFulfills?: unknown }[] }>(cli).accounts;
    expect(accounts.find((a) => a.account === 'peer:bob')?.lateFulfills).toEqual({ count: 1, amount: '900' });
    const human = await run(['balances', '--url', admin]);
    expect(human.stdout).toMatch(/LATE FULFILLS/);
    expect(human.stdout).toMatch(/peer:bob +0\.000000000 USD +0\.000000000 USD +1 \(amount 0\.000000900 USD\)/);

    const metrics = await (await fetch(`${hub.endpoints.health!}/metrics`)).text();
    expect(metrics).toMatch(/^ilp_late_fulfills\{peer="bob"[^}]*\} 1$/m);
    expect(metrics).toMatch(/^ilp_late_fulfill_amount\{peer="bob"[^}]*\} 900$/m);

    // the explorer's status line and the dashboard's defence line read the same totals from the node
    const defences = (await (await fetch(`${hub.endpoints.explorer!}/api/defences`)).json()) as Record<string, unknown>;
    expect(defences).toEqual({ preAuthRefused: 0, inFlightRejected: 0, lateFulfills: { count: 1, amount: '900', byPeer: { bob: { count: 1, amount: '900' } } } });
    const feed = new DashboardFeed(hub);
    feed.refresh(true);
    expect(feed.store.defences).toMatchObject({ lateFulfills: 1, lateAmount: 900n });
    feed.close();

    // durable: on disk at once, and read back by a node started on the same data directory
    await hub.stop();
    const lines = readFileSync(join(dataDir, 'late-fulfills.jsonl'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toMatchObject({ peer: 'bob', amount: '900', from: 'alice', destination: 'g.hub.bob', reason: 'expired' });
    const again = h.node({ nodeId: 'hub', ilpAddress: 'g.hub', dataDir, peers: [{ id: 'bob', authToken: 'bob-secret', relation: 'child' }] } as never);
    await again.start();
    expect(balance(again, 'peer:bob')?.lateFulfills).toEqual({ count: 1, amount: '900' });
  });
});
