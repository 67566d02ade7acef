/**
 * Route broadcast interop with ilp-connector 23 (npm) over real BTP on 127.0.0.1, with no static
 * routes anywhere: our node x ↔ ilp-connector ↔ our node y. ilp-connector learns both our addresses
 * from our CCP updates, each of our nodes learns the other's (and ilp-connector's) from ilp-connector's,
 * and payments cross both ways on learned routes only.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Harness, waitFor } from '../helpers/node.js';
import { InteropHarness } from '../helpers/interop.js';
import { computeConditionFromData, IlpPacketType, type ConnectorNode } from '../../src/index.js';

const h = new Harness();
const ih = new InteropHarness();
afterEach(async () => {
  await h.cleanup();
  await ih.cleanup();
}, 30_000);

function pay(from: ConnectorNode, destination: string, amount = 1000n) {
  const data = Buffer.from(`to ${destination} ${Math.random()}`);
  return from.sendPacket({ destination, amount, executionCondition: computeConditionFromData(data).condition, expiresAt: new Date(Date.now() + 20_000), data });
}

const learned = (n: ConnectorNode, prefix: string) => n.listRoutes().find((r) => r.prefix === prefix && r.source === 'ccp');

describe('CCP interop with ilp-connector', () => {
  it('our node ↔ ilp-connector ↔ our node: routes learned both ways, payments cross on them', async () => {
    const ilpc = await ih.ilpConnector({
      ilpAddress: 'g.ilpc',
      accounts: { x: { relation: 'peer', secret: 'x-secret' }, y: { relation: 'peer', secret: 'y-secret' } },
      routeBroadcast: true,
    });
    const node = (id: string) =>
      h.node({
        nodeId: id,
        peers: [{ id: 'ilpc', relation: 'peer', authToken: `${id}-secret`, url: `ws://127.0.0.1:${ilpc.listenerPort(id)}`, creditLimit: '1000000000' }],
        routing: { broadcastIntervalMs: 500 },
      } as never);
    const x = node('x');
    const y = node('y');
    for (const n of [x, y]) n.setPacketHandler(() => ({ accept: true }));
    await Promise.all([x.start(), y.start()]);
    await ilpc.ready;

    await waitFor(() => learned(x, 'g.y') && learned(y, 'g.x'), 20_000, 'x and y learn each other through ilp-connector');
    expect(learned(x, 'g.y')).toMatchObject({ nextHop: 'ilpc', path: ['g.ilpc', 'g.y'] });
    expect(learned(y, 'g.x')).toMatchObject({ nextHop: 'ilpc', path: ['g.ilpc', 'g.x'] });
    expect(learned(x, 'g.ilpc')).toMatchObject({ nextHop: 'ilpc', path: ['g.ilpc'] });
    expect(x.listRoutes().filter((r) => r.source === 'config' || r.source === 'runtime')).toEqual([]);

    const there = await pay(x, 'g.y.bob');
    expect(there.type).toBe(IlpPacketType.Fulfill);
    const back = await pay(y, 'g.x.alice');
    expect(back.type).toBe(IlpPacketType.Fulfill);
    // a destination nobody announced has no route
    const nowhere = await pay(x, 'g.nowhere.z');
    expect(nowhere.type).toBe(IlpPacketType.Reject);
  }, 60_000);
});
