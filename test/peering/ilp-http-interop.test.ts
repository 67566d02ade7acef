/**
 * ILP-over-HTTP interop with the JavaScript stack from npm, on real sockets on 127.0.0.1:
 *
 * - `ilp-plugin-http` 1.6 alone as the other side: it POSTs to our `/ilp` (peer found by its token,
 *   `application/ilp+octet-stream`), and we POST to its listener; payments both ways.
 * - ilp-connector 23 in the middle of a line, peered with us through ilp-plugin-http:
 *     a (ours) ──HTTP── ilpc (ilp-connector) ──BTP── b (ours)
 *   a STREAM-free plain payment crosses one HTTP hop and one BTP hop in each direction, and the
 *   books of all three agree.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import PluginHttpExport from 'ilp-plugin-http';
import { Harness, waitFor } from '../helpers/node.js';
import { InteropHarness, fulfillingHandler, sendThroughPlugin, type ReceivedPrepare } from '../helpers/interop.js';
import { computeConditionFromData, IlpPacketType, type ConnectorNode } from '../../src/index.js';

const h = new Harness();
const ih = new InteropHarness();
afterEach(async () => {
  await ih.cleanup();
  await h.cleanup();
}, 30_000);

interface HttpPlugin {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  sendData(ilp: Buffer): Promise<Buffer>;
  registerDataHandler(handler: (ilp: Buffer) => Promise<Buffer>): void;
  _httpServer?: Server;
}
const PluginHttp = ((PluginHttpExport as unknown as { default?: unknown }).default ?? PluginHttpExport) as new (opts: Record<string, unknown>) => HttpPlugin;
const portOf = (p: HttpPlugin) => (p._httpServer!.address() as AddressInfo).port;

function pay(from: ConnectorNode, destination: string, amount: bigint) {
  const data = Buffer.from(`to ${destination} ${Math.random()}`);
  return from.sendPacket({ destination, amount, executionCondition: computeConditionFromData(data).condition, expiresAt: new Date(Date.now() + 20_000), data });
}

describe('ILP-over-HTTP interop', () => {
  it('ilp-plugin-http as the peer: it pays us on /ilp (found by its token), we pay it on its listener', async () => {
    const a = h.node({ nodeId: 'a', http: { port: 0 }, routing: { enabled: false }, peers: [{ id: 'plug', transport: 'http', http: { incomingToken: 'plug-to-a' } }], routes: [{ prefix: 'g.plug', nextHop: 'plug' }] } as never);
    const atA: string[] = [];
    a.setPacketHandler((req) => {
      atA.push(`${req.destination} ${req.amount}`);
      return { accept: true };
    });
    await a.start();
    const plugin = new PluginHttp({ incoming: { port: 0, staticToken: 'a-to-plug' }, outgoing: { url: `http://127.0.0.1:${a.endpoints.ilpHttp}/ilp`, staticToken: 'plug-to-a' } });
    const seen: ReceivedPrepare[] = [];
    plugin.registerDataHandler(fulfillingHandler('g.plug', seen));
    await plugin.connect();
    ih.onCleanup(() => plugin.disconnect());
    await a.updatePeer('plug', { http: { url: `http://127.0.0.1:${portOf(plugin)}/`, incomingToken: 'plug-to-a', outgoingToken: 'a-to-plug' } });

    const toUs = await sendThroughPlugin(plugin as never, { destination: 'g.a.shop', amount: 700n });
    expect(toUs.type).toBe('fulfill');
    expect(atA).toEqual(['g.a.shop 700']);

    const toIt = await pay(a, 'g.plug.bob', 300n);
    expect(toIt.type).toBe(IlpPacketType.Fulfill);
    expect(seen.map((p) => `${p.destination} ${p.amount}`)).toEqual(['g.plug.bob 300']);
    // plug owes us 700 for what it sent, we owe it 300: +400
    expect(a.getBalance('plug').balances[0].netBalance).toBe('400');

    // a wrong token from the plugin's side is refused: its sendData throws on the 401
    const impostor = new PluginHttp({ incoming: { port: 0, staticToken: 'x' }, outgoing: { url: `http://127.0.0.1:${a.endpoints.ilpHttp}/ilp`, staticToken: 'wrong' } });
    await impostor.connect();
    ih.onCleanup(() => impostor.disconnect());
    await expect(sendThroughPlugin(impostor as never, { destination: 'g.a.shop', amount: 1n })).rejects.toThrow(/401/);
  });

  it('ilp-connector 23 between an HTTP hop and a BTP hop: payments cross both ways and the books agree', async () => {
    // a first, with ilpc as a receive-only HTTP peer: ilpc needs a's URL, a needs ilpc's port
    const a = h.node({ nodeId: 'a', http: { port: 0 }, routing: { enabled: false }, peers: [{ id: 'ilpc', transport: 'http', http: { incomingToken: 'ilpc-to-a' }, creditLimit: '1000000' }], routes: [{ prefix: 'g.b', nextHop: 'ilpc' }] } as never);
    a.setPacketHandler(() => ({ accept: true }));
    await a.start();
    const ilpc = await ih.ilpConnector({
      ilpAddress: 'g.ilpc',
      accounts: {
        a: { relation: 'peer', plugin: { name: 'ilp-plugin-http', options: { incoming: { port: 0, staticToken: 'a-to-ilpc' }, outgoing: { url: `http://127.0.0.1:${a.endpoints.ilpHttp}/ilp/ilpc`, staticToken: 'ilpc-to-a' } } } },
        b: { relation: 'peer', secret: 'b-and-ilpc' },
      },
      routes: [
        { targetPrefix: 'g.a', peerId: 'a' },
        { targetPrefix: 'g.b', peerId: 'b' },
      ],
    });
    const ilpcHttpPort = portOf(ilpc.app.getPlugin('a'));
    await a.updatePeer('ilpc', { http: { url: `http://127.0.0.1:${ilpcHttpPort}/`, incomingToken: 'ilpc-to-a', outgoingToken: 'a-to-ilpc' } });
    const b = h.node({ nodeId: 'b', routing: { enabled: false }, peers: [{ id: 'ilpc', authToken: 'b-and-ilpc', url: `ws://127.0.0.1:${ilpc.listenerPort('b')}`, creditLimit: '1000000' }], routes: [{ prefix: 'g.a', nextHop: 'ilpc' }] });
    b.setPacketHandler(() => ({ accept: true }));
    await b.start();
    await ilpc.ready;
    await waitFor(() => b.listPeers().find((p) => p.id === 'ilpc')?.connected, 20_000, 'b connected to ilp-connector');

    const ab = await pay(a, 'g.b.x', 1000n);
    expect(ab.type, JSON.stringify(ab)).toBe(IlpPacketType.Fulfill);
    const ba = await pay(b, 'g.a.y', 400n);
    expect(ba.type, JSON.stringify(ba)).toBe(IlpPacketType.Fulfill);

    // a paid 1000 and got 400 through ilpc (ilp-connector keeps no spread): a owes ilpc 600, ilpc owes b 600
    expect(a.getBalance('ilpc').balances[0].netBalance).toBe('-600');
    expect(b.getBalance('ilpc').balances[0].netBalance).toBe('600');
    const books = await ilpc.balances();
    expect(books).toMatchObject({ a: '600', b: '-600' });
  });
});
