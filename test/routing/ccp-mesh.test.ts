/**
 * Route broadcast between our own nodes over real BTP sockets on 127.0.0.1, with no static routes:
 * a ring of five nodes (a cycle) learns every address, carries a payment between every pair, and
 * after a link is cut re-routes the long way round with no packet circling (no R00/R02).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Harness, waitFor } from '../helpers/node.js';
import { computeConditionFromData, IlpPacketType, type ConnectorNode } from '../../src/index.js';

const h = new Harness();
afterEach(() => h.cleanup(), 30_000);

const routing = { broadcastIntervalMs: 200, holdDownMs: 3000 };
const secret = (x: string, y: string) => [x, y].sort().join('-');

function pay(from: ConnectorNode, destination: string, amount = 100n) {
  const data = Buffer.from(`to ${destination} ${Math.random()}`);
  return from.sendPacket({ destination, amount, executionCondition: computeConditionFromData(data).condition, expiresAt: new Date(Date.now() + 20_000), data });
}

/** Starts nodes in order; each dials the already started neighbours it names. */
async function ring(ids: string[], extra: [string, string][] = []): Promise<Map<string, ConnectorNode>> {
  const links: [string, string][] = ids.map((id, i) => [id, ids[(i + 1) % ids.length]]);
  links.push(...extra);
  const nodes = new Map<string, ConnectorNode>();
  for (const id of ids) {
    const peers = links
      .filter(([x, y]) => x === id || y === id)
      .map(([x, y]) => (x === id ? y : x))
      .map((other) => {
        const started = nodes.get(other);
        return { id: other, relation: 'peer', authToken: secret(id, other), creditLimit: '1000000000', ...(started ? { url: `ws://127.0.0.1:${started.btpPort}` } : {}) };
      });
    const node = h.node({ nodeId: id, peers, routing } as never);
    node.setPacketHandler(() => ({ accept: true }));
    await node.start();
    nodes.set(id, node);
  }
  return nodes;
}

const learnedPrefixes = (n: ConnectorNode) => new Set(n.listRoutes().filter((r) => r.source === 'ccp').map((r) => r.prefix));

describe('CCP between our nodes', () => {
  it('a ring of five converges with no static routes, every node pays every other, a cut link re-routes', async () => {
    const ids = ['a', 'b', 'c', 'd', 'e'];
    const nodes = await ring(ids);
    // converged: every node's best route to every other is the shortest way round the ring
    const distance = (i: number, j: number) => Math.min(Math.abs(i - j), ids.length - Math.abs(i - j));
    for (const [i, id] of ids.entries()) {
      const n = nodes.get(id)!;
      const shortest = () =>
        ids.every((o, j) => o === id || (learnedPrefixes(n).has(`g.${o}`) && n.listRoutes().find((r) => r.prefix === `g.${o}`)?.path?.length === distance(i, j)));
      await waitFor(shortest, 20_000, `${id} learns the shortest route to every address`);
    }
    // no route loops back through its own node, and the nearest way is chosen
    const a = nodes.get('a')!;
    const viaA = a.listRoutes().filter((r) => r.source === 'ccp');
    for (const r of viaA) expect(r.path).not.toContain('g.a');
    const best = (n: ConnectorNode, prefix: string) => n.listRoutes().find((r) => r.prefix === prefix);
    expect(best(a, 'g.b')).toMatchObject({ nextHop: 'b', path: ['g.b'] });
    expect(best(a, 'g.c')).toMatchObject({ nextHop: 'b', path: ['g.b', 'g.c'] });
    expect(best(a, 'g.d')).toMatchObject({ nextHop: 'e', path: ['g.e', 'g.d'] });

    // /metrics counts the routes learned per peer and the updates
    const metrics = await (await fetch(`${a.endpoints.health}/metrics`)).text();
    expect(metrics).toMatch(/ilp_routes_learned\{[^}]*peer="b"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/ilp_route_updates_total\{[^}]*direction="received"[^}]*\} [1-9]/);

    const results = await Promise.all(ids.flatMap((x) => ids.filter((y) => y !== x).map((y) => pay(nodes.get(x)!, `g.${y}.x`))));
    expect(results.filter((r) => r.type !== IlpPacketType.Fulfill)).toEqual([]);

    // cut a–b for good: both sides remove the peer; a reaches b the long way round
    await a.removePeer('b');
    await nodes.get('b')!.removePeer('a');
    await waitFor(() => best(a, 'g.b')?.nextHop === 'e', 20_000, 'a re-routes g.b via e');
    expect(best(a, 'g.b')?.path).toEqual(['g.e', 'g.d', 'g.c', 'g.b']);
    // the other routes that went through a–b converge too (each neighbour learns the long way once the other side withdrew)
    await waitFor(() => best(a, 'g.c')?.nextHop === 'e', 20_000, 'a re-routes g.c via e');
    await waitFor(() => best(nodes.get('b')!, 'g.a')?.nextHop === 'c', 20_000, 'b re-routes g.a via c');
    const after = await Promise.all(['b', 'c'].map((y) => pay(a, `g.${y}.x`)));
    expect(after.map((r) => r.type)).toEqual([IlpPacketType.Fulfill, IlpPacketType.Fulfill]);
    const back = await pay(nodes.get('b')!, 'g.a.x');
    expect(back.type).toBe(IlpPacketType.Fulfill);
  }, 60_000);

  it('learned routes never displace a static route of the same prefix', async () => {
    const nodes = await ring(['a', 'b', 'c']);
    const a = nodes.get('a')!;
    // a's static route for g.c goes via b, although c announces g.c directly
    await a.addRoute({ prefix: 'g.c', nextHop: 'b' });
    await waitFor(() => learnedPrefixes(a).has('g.c') && learnedPrefixes(nodes.get('b')!).has('g.c'), 20_000, 'a and b learn g.c');
    const forC = a.listRoutes().filter((r) => r.prefix === 'g.c');
    expect(forC[0]).toMatchObject({ nextHop: 'b', source: 'runtime' });
    expect(forC.some((r) => r.source === 'ccp' && r.nextHop === 'c')).toBe(true);
    expect((await pay(a, 'g.c.x')).type).toBe(IlpPacketType.Fulfill);
    // b withdraws nothing of a's static route when its learned routes go
    await a.removePeer('c');
    await waitFor(() => a.listRoutes().every((r) => r.nextHop !== 'c'), 20_000, 'routes via c withdrawn');
    expect(a.listRoutes().find((r) => r.prefix === 'g.c')).toMatchObject({ nextHop: 'b', source: 'runtime' });
    expect((await pay(a, 'g.c.x')).type).toBe(IlpPacketType.Fulfill);
  }, 60_000);

  it('a dropped link withdraws the routes through it, and they come back with the next update after it reconnects', async () => {
    const nodes = await ring(['a', 'b', 'c']);
    const a = nodes.get('a')!;
    const direct = () => a.listRoutes().some((r) => r.prefix === 'g.b' && r.source === 'ccp' && r.nextHop === 'b');
    await waitFor(direct, 20_000, 'a learns g.b from b');
    const withdrawn: boolean[] = [];
    // the withdrawal happens inside the close handler, before any reconnect
    a.events.subscribe((batch) => {
      for (const e of batch) if (e.type === 'peer:disconnected' && e.peerId === 'b') withdrawn.push(!direct());
    }, { packets: false });
    expect(a.dropPeerConnection('b')).toBe(true);
    await waitFor(() => withdrawn.length > 0, 20_000, 'a sees the link to b drop');
    await waitFor(() => a.listPeers().find((p) => p.id === 'b')?.connected && direct(), 20_000, 'g.b from b again after the reconnect');
  }, 60_000);
});
