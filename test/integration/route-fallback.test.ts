/**
 * Same-prefix fallback over real BTP sockets, with route broadcast on as by default.
 *
 *        ┌── b ──┐
 *   a ───┤       ├─── d (g.d)
 *        └── c ──┘
 *
 * a has two static routes for g.d: via b (priority 10) and via c (priority 0). While b is up the
 * packet goes through b; once b is stopped it goes through c; once c is stopped too it is T01 naming
 * b (the best candidate), never a fall back to a shorter prefix.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Harness, waitFor } from '../helpers/node.js';
import { computeConditionFromData, IlpPacketType, type ConnectorNode } from '../../src/index.js';

const h = new Harness();
afterEach(() => h.cleanup());

const credit = '1000000';

function pay(from: ConnectorNode, destination: string) {
  const data = Buffer.from(`fallback ${Math.random()}`);
  return from.sendPacket({
    destination,
    amount: 100n,
    executionCondition: computeConditionFromData(data).condition,
    expiresAt: new Date(Date.now() + 20_000),
    data,
  });
}

const connected = (n: ConnectorNode, peer: string) => n.listPeers().some((p) => p.id === peer && p.connected);
const balance = (n: ConnectorNode, account: string) => n.getAccounts().find((a) => a.account === account)?.balance ?? '0';

describe('same-prefix fallback over real sockets', () => {
  it('pays g.d through b, then through c once b is stopped, then T01 naming b when both are down', async () => {
    const d = h.node({
      nodeId: 'd',
      ilpAddress: 'g.d',
      peers: [
        { id: 'b', authToken: 'b-d', relation: 'peer', creditLimit: credit },
        { id: 'c', authToken: 'c-d', relation: 'peer', creditLimit: credit },
      ],
    } as never);
    d.setPacketHandler(() => ({ accept: true }));
    await d.start();
    const dUrl = `ws://127.0.0.1:${d.btpPort}`;

    const middle = (id: 'b' | 'c') =>
      h.node({
        nodeId: id,
        ilpAddress: `g.${id}`,
        peers: [
          { id: 'd', url: dUrl, authToken: `${id}-d`, relation: 'peer', creditLimit: credit },
          { id: 'a', authToken: `a-${id}`, relation: 'peer', creditLimit: credit },
        ],
        routes: [{ prefix: 'g.d', nextHop: 'd' }],
      } as never);
    const b = middle('b');
    const c = middle('c');
    await Promise.all([b.start(), c.start()]);

    const a = h.node({
      nodeId: 'a',
      ilpAddress: 'g.a',
      peers: [
        { id: 'b', url: `ws://127.0.0.1:${b.btpPort}`, authToken: 'a-b', relation: 'peer', creditLimit: credit },
        { id: 'c', url: `ws://127.0.0.1:${c.btpPort}`, authToken: 'a-c', relation: 'peer', creditLimit: credit },
      ],
      routes: [
        { prefix: 'g.d', nextHop: 'b', priority: 10 },
        { prefix: 'g.d', nextHop: 'c', priority: 0 },
      ],
    } as never);
    await a.start();
    await waitFor(() => connected(a, 'b') && connected(a, 'c') && connected(b, 'd') && connected(c, 'd'), 30_000, 'every link up');

    const first = await pay(a, 'g.d.agent');
    expect(first.type).toBe(IlpPacketType.Fulfill);
    expect(balance(b, 'peer:a')).toBe('100');
    expect(balance(c, 'peer:a')).toBe('0');

    await b.stop();
    await waitFor(() => !connected(a, 'b'), 30_000, 'a sees b down');
    const second = await pay(a, 'g.d.agent');
    expect(second).toMatchObject({ type: IlpPacketType.Fulfill });
    expect(balance(c, 'peer:a')).toBe('100');

    await c.stop();
    await waitFor(() => !connected(a, 'c'), 30_000, 'a sees c down');
    const third = await pay(a, 'g.d.agent');
    expect(third.type).toBe(IlpPacketType.Reject);
    if (third.type !== IlpPacketType.Reject) return;
    expect(third.code).toBe('T01');
    expect(third.message).toContain('b');
  }, 90_000);
});
