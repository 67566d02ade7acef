/**
 * ILP-over-HTTP keeps its connections (issue 21: "Keep-alive pooling"): a real HTTP server plays peer
 * z and counts the TCP connections it accepts while node a forwards packets to it. Packets one after
 * another all ride one connection; packets at once open at most one connection each, and those
 * connections are reused by the packets that follow, so no packet pays for a new handshake once the
 * pool is warm. Every request carries the outgoing token as a Bearer token and an ILP content type.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Harness } from '../helpers/node.js';
import { computeFulfillmentFromData, IlpPacketType } from '../../src/index.js';
import { deserializePrepare, serializeFulfill } from '../../src/node/ilp/packet.js';
import { listen, startLine, type Line } from './http-line.js';

const h = new Harness();
let server: Server;
let line: Line;
let connections = 0;
const seen: { authorization?: string; contentType?: string }[] = [];

const pay = () => line.pay('g.z.shop');

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ authorization: req.headers.authorization, contentType: req.headers['content-type'] });
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const prepare = deserializePrepare(Buffer.concat(chunks));
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(serializeFulfill({ fulfillment: computeFulfillmentFromData(prepare.data), data: Buffer.alloc(0) }));
    });
  });
  // long enough that an idle pooled socket is never closed by the server between two packets of a loaded run
  server.keepAliveTimeout = 120_000;
  server.on('connection', () => connections++);
  const port = await listen(server);
  line = await startLine(h, { peers: [{ id: 'z', url: `http://127.0.0.1:${port}/ilp`, prefix: 'g.z' }], creditLimit: '100000000', expiryMs: 30_000 });
}, 90_000);

afterAll(async () => {
  await h.cleanup();
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
}, 30_000);

describe('ILP-over-HTTP keep-alive pooling', () => {
  it('packets one after another share one connection', async () => {
    for (let i = 0; i < 40; i++) {
      const r = await pay();
      expect(r.type).toBe(IlpPacketType.Fulfill);
    }
    expect(seen).toHaveLength(40);
    expect(connections).toBe(1);
    expect(seen.every((s) => s.authorization === 'Bearer z-out' && /^application\/(ilp\+)?octet-stream$/.test(s.contentType ?? ''))).toBe(true);
  });

  it('packets at once open at most one connection each, and later packets reuse them', async () => {
    const before = connections;
    const burst = await Promise.all(Array.from({ length: 16 }, () => pay()));
    expect(burst.every((r) => r.type === IlpPacketType.Fulfill)).toBe(true);
    const afterBurst = connections;
    expect(afterBurst - before).toBeLessThanOrEqual(16);
    // the pool is warm now: more bursts of the same size and a run one after another open nothing new
    for (let round = 0; round < 3; round++) {
      const again = await Promise.all(Array.from({ length: 16 }, () => pay()));
      expect(again.every((r) => r.type === IlpPacketType.Fulfill)).toBe(true);
    }
    for (let i = 0; i < 20; i++) expect((await pay()).type).toBe(IlpPacketType.Fulfill);
    expect(connections).toBe(afterBurst);
    expect(seen).toHaveLength(40 + 16 * 4 + 20);
  });
});
