/**
 * ILP-over-HTTP (RFC 0035) between two of our nodes over real sockets on 127.0.0.1: they learn each
 * other's routes by CCP over HTTP and pay each other both ways through the same pipeline and ledger
 * as BTP peers. Then the listener's refusals: bad token, oversized body, wrong content type, a
 * browser Origin, a foreign Host; and a peer that never answers gives R00 at the packet's expiry.
 */
import { createServer, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Harness, waitFor } from '../helpers/node.js';
import { computeConditionFromData, IlpPacketType, type ConnectorNode } from '../../src/index.js';
import { deserializeIlpPacket, serializePrepare } from '../../src/node/ilp/packet.js';

const h = new Harness();
afterEach(() => h.cleanup(), 30_000);

const routing = { broadcastIntervalMs: 200, holdDownMs: 5000 };
const http = { enabled: true, port: 0 };

function pay(from: ConnectorNode, destination: string, amount = 100n, timeoutMs = 20_000) {
  const data = Buffer.from(`to ${destination} ${Math.random()}`);
  return from.sendPacket({ destination, amount, executionCondition: computeConditionFromData(data).condition, expiresAt: new Date(Date.now() + timeoutMs), data });
}

/** Two nodes peered over HTTP only (b learns a's URL after a started). */
async function pair(): Promise<{ a: ConnectorNode; b: ConnectorNode }> {
  const b = h.node({ nodeId: 'b', http, routing, peers: [{ id: 'a', transport: 'http', http: { incomingToken: 'a-to-b' }, creditLimit: '1000000' }] } as never);
  b.setPacketHandler(() => ({ accept: true }));
  await b.start();
  const bUrl = `http://127.0.0.1:${b.endpoints.ilpHttp}/ilp/a`;
  const a = h.node({ nodeId: 'a', http, routing, peers: [{ id: 'b', transport: 'http', http: { url: bUrl, incomingToken: 'b-to-a', outgoingToken: 'a-to-b' }, creditLimit: '1000000' }] } as never);
  a.setPacketHandler(() => ({ accept: true }));
  await a.start();
  await b.updatePeer('a', { http: { url: `http://127.0.0.1:${a.endpoints.ilpHttp}/ilp/b`, incomingToken: 'a-to-b', outgoingToken: 'b-to-a' } });
  return { a, b };
}

/** A raw POST to a node's ILP-over-HTTP listener. */
function post(port: number, path: string, body: Buffer, headers: Record<string, string>): Promise<{ status: number; body: Buffer; type?: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', headers: { 'content-length': String(body.length), ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), type: res.headers['content-type'] }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function prepare(destination: string, amount = 10n): Buffer {
  const data = Buffer.from('hello');
  return serializePrepare({ amount, expiresAt: new Date(Date.now() + 10_000), executionCondition: computeConditionFromData(data).condition, destination, data });
}

describe('ILP-over-HTTP between our nodes', () => {
  it('learns routes by CCP over HTTP and pays both ways; the ledger books it as for BTP', async () => {
    const { a, b } = await pair();
    await waitFor(() => a.listRoutes().some((r) => r.prefix === 'g.b' && r.source === 'ccp'), 20_000, 'a learns g.b over HTTP');
    await waitFor(() => b.listRoutes().some((r) => r.prefix === 'g.a' && r.source === 'ccp'), 20_000, 'b learns g.a over HTTP');

    const results = await Promise.all([pay(a, 'g.b.x', 100n), pay(a, 'g.b.y', 50n), pay(b, 'g.a.z', 30n)]);
    expect(results.map((r) => r.type)).toEqual([IlpPacketType.Fulfill, IlpPacketType.Fulfill, IlpPacketType.Fulfill]);
    // a sent 150 to b and received 30: b's account at a is -120 (a owes b), and the mirror at b
    expect(a.getBalance('b').balances[0].netBalance).toBe('-120');
    expect(b.getBalance('a').balances[0].netBalance).toBe('120');
    expect(a.listPeers().find((p) => p.id === 'b')?.connected).toBe(true);
  });

  it('refuses a wrong token (401), an oversized body (413), a wrong content type (415), an Origin and a foreign Host (403)', async () => {
    const { b } = await pair();
    const port = b.endpoints.ilpHttp!;
    const packet = prepare('g.b.x');
    const octet = { 'content-type': 'application/octet-stream' };

    const wrong = await post(port, '/ilp/a', packet, { ...octet, authorization: 'Bearer nope' });
    expect(wrong.status).toBe(401);
    expect(JSON.parse(wrong.body.toString())).toMatchObject({ code: 'UNAUTHORIZED' });
    // a's token is not good for another path's peer, and no token at all is refused
    expect((await post(port, '/ilp/c', packet, { ...octet, authorization: 'Bearer a-to-b' })).status).toBe(401);
    expect((await post(port, '/ilp/a', packet, octet)).status).toBe(401);

    const big = await post(port, '/ilp/a', Buffer.alloc(70_000), { ...octet, authorization: 'Bearer a-to-b' });
    expect(big.status).toBe(413);
    expect(JSON.parse(big.body.toString())).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });

    const json = await post(port, '/ilp/a', packet, { 'content-type': 'application/json', authorization: 'Bearer a-to-b' });
    expect(json.status).toBe(415);
    expect(JSON.parse(json.body.toString())).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });

    expect((await post(port, '/ilp/a', packet, { ...octet, authorization: 'Bearer a-to-b', origin: 'https://evil.example' })).status).toBe(403);
    expect((await post(port, '/ilp/a', packet, { ...octet, authorization: 'Bearer a-to-b', host: 'evil.example' })).status).toBe(403);
    expect((await post(port, '/other', packet, { ...octet, authorization: 'Bearer a-to-b' })).status).toBe(404);

    // the right token, bare or Bearer, on /ilp/a or on /ilp (peer found by its token): 200 with a Fulfill
    for (const [path, auth, type] of [['/ilp/a', 'Bearer a-to-b', 'application/octet-stream'], ['/ilp', 'a-to-b', 'application/ilp+octet-stream']]) {
      const ok = await post(port, path, prepare('g.b.x'), { 'content-type': type, authorization: auth });
      expect(ok.status).toBe(200);
      expect(ok.type).toBe('application/octet-stream');
      expect(ok.body[0]).toBe(IlpPacketType.Fulfill);
    }
    // an unreadable packet is an ILP answer, not an HTTP error: 200 with an F01 Reject
    const garbage = await post(port, '/ilp/a', Buffer.from('not a packet'), { ...octet, authorization: 'Bearer a-to-b' });
    expect(garbage.status).toBe(200);
    expect(deserializeIlpPacket(garbage.body)).toMatchObject({ type: IlpPacketType.Reject, reject: { code: 'F01' } });
  });

  it('a peer that never answers: R00 at the expiry; one that answers 500: T00 (RFC 0035), and after downAfterFailures failures it is down', async () => {
    const held: ServerResponse[] = [];
    let mode: 'hang' | 'error' = 'hang';
    const silent: Server = createServer((req, res) => {
      req.resume();
      if (mode === 'hang') held.push(res);
      else res.writeHead(500).end('boom');
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    h.onCleanup(() => new Promise<void>((r) => {
      for (const res of held) res.destroy();
      silent.close(() => r());
    }));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/ilp`;
    const a = h.node({
      nodeId: 'a',
      http: { ...http, downAfterFailures: 2 },
      routing: { enabled: false },
      peers: [{ id: 'z', transport: 'http', http: { url, incomingToken: 'z-in', outgoingToken: 'z-out' } }],
      routes: [{ prefix: 'g.z', nextHop: 'z' }],
    } as never);
    await a.start();

    const slow = await pay(a, 'g.z.x', 10n, 3000);
    expect(slow).toMatchObject({ type: IlpPacketType.Reject, code: 'R00' });
    mode = 'error';
    const failed = await pay(a, 'g.z.x', 10n, 3000);
    expect(failed).toMatchObject({ type: IlpPacketType.Reject, code: 'T00', message: 'peer z answered HTTP 500: boom' });
    expect(a.listPeers().find((p) => p.id === 'z')?.connected).toBe(false);
    // no money moved
    expect(a.getBalance('z').balances[0].netBalance).toBe('0');
  });
});
