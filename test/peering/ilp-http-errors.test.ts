/**
 * What a failing ILP-over-HTTP peer means upstream (RFC 0035 §Error Handling, our table in
 * src/node/http/ilp-http-errors.ts). A real local HTTP server plays the peer and answers each case;
 * a sender node u pays through node a (BTP) to it and sees the Reject a makes: 5xx → T00, no
 * connection → T01, a broken connection → T00, 4xx → F-codes (429 → T05), a 200 without an ILP
 * packet → T00, each message naming the peer and what it answered. No money moves on any of them.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Harness } from '../helpers/node.js';
import { IlpPacketType } from '../../src/index.js';
import { statusToIlpCode, transportError } from '../../src/node/http/ilp-http-errors.js';
import { deserializePrepare, serializeFulfill, serializeReject } from '../../src/node/ilp/packet.js';
import { closedPort, listen, startLine, type Line } from './http-line.js';

const h = new Harness();
let server: Server;
let line: Line;

/** The peer's answer per case; the case rides in the destination's last segment (g.z.<case>). */
const answers: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {
  s500: (_q, res) => res.writeHead(500, { 'content-type': 'text/plain' }).end('database on fire'),
  s503: (_q, res) => res.writeHead(503).end(),
  s502: (_q, res) => res.writeHead(502, { 'content-type': 'text/html' }).end('<html><body>Bad Gateway</body></html>'),
  s400: (_q, res) => res.writeHead(400).end('bad request'),
  s401: (_q, res) => res.writeHead(401, { 'www-authenticate': 'Bearer' }).end('{"error":"Unauthorized"}'),
  s404: (_q, res) => res.writeHead(404).end('no such path'),
  s413: (_q, res) => res.writeHead(413).end(),
  s429: (_q, res) => res.writeHead(429, { 'retry-after': '1' }).end('slow down'),
  s302: (_q, res) => res.writeHead(302, { location: 'http://elsewhere.example/' }).end(),
  html: (_q, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>hello</html>'),
  empty: (_q, res) => res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(),
  // a Fulfill cut short: the right type byte, a length that runs past the end
  cut: (_q, res) => res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(Buffer.from([13, 40, 1, 2, 3])),
  reset: (req) => req.socket.destroy(),
  reject: (_q, res) =>
    res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(serializeReject({ code: 'F99', triggeredBy: 'g.z', message: 'no thanks', data: Buffer.alloc(0) })),
};

const pay = (destination: string) => line.pay(destination);

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const { destination } = deserializePrepare(Buffer.concat(chunks));
      const answer = answers[destination.split('.').pop() ?? ''];
      if (answer) answer(req, res);
      else res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(serializeFulfill({ fulfillment: Buffer.alloc(32), data: Buffer.alloc(0) }));
    });
  });
  const port = await listen(server);
  line = await startLine(h, {
    peers: [
      { id: 'z', url: `http://127.0.0.1:${port}/ilp`, prefix: 'g.z' },
      { id: 'gone', url: `http://127.0.0.1:${await closedPort()}/ilp`, prefix: 'g.gone' },
    ],
    // many failures in a row are expected here: keep z up so every case reaches it the same way
    http: { downAfterFailures: 1000 },
    creditLimit: '1000000',
  });
}, 60_000);

afterAll(async () => {
  await h.cleanup();
  await new Promise<void>((r) => server.close(() => r()));
}, 30_000);

describe('ILP-over-HTTP failures become Rejects upstream', () => {
  it.each([
    ['s500', 'T00', /peer z answered HTTP 500: database on fire/],
    ['s503', 'T00', /peer z answered HTTP 503/],
    ['s502', 'T00', /peer z answered HTTP 502: <html><body>Bad Gateway/],
    ['s302', 'T00', /peer z answered HTTP 302/],
    ['s400', 'F00', /peer z answered HTTP 400: bad request/],
    ['s401', 'F00', /peer z answered HTTP 401/],
    ['s413', 'F00', /peer z answered HTTP 413/],
    ['s404', 'F02', /peer z answered HTTP 404: no such path/],
    ['s429', 'T05', /peer z answered HTTP 429: slow down/],
    ['html', 'T00', /peer z answered HTTP 200 with a body that is not an ILP Fulfill or Reject \(text\/html, 18 bytes\)/],
    ['empty', 'T00', /peer z answered HTTP 200 with a body that is not an ILP Fulfill or Reject .*empty/],
    ['cut', 'T00', /peer z answered HTTP 200 with a body that is not an ILP Fulfill or Reject \(application\/octet-stream, 5 bytes\)/],
    ['reset', 'T00', /HTTP request to peer z failed: .*(ECONNRESET|socket hang up)/],
  ])('%s → %s', async (name, code, message) => {
    const r = await pay(`g.z.${name}`);
    expect(r).toMatchObject({ type: IlpPacketType.Reject, code, triggeredBy: 'g.a' });
    expect(r.type === IlpPacketType.Reject && r.message).toMatch(message);
  });

  it('no connection at all: T01 naming the peer', async () => {
    const refused = await pay('g.gone.x');
    expect(refused).toMatchObject({ type: IlpPacketType.Reject, code: 'T01', triggeredBy: 'g.a' });
    expect(refused.type === IlpPacketType.Reject && refused.message).toMatch(/peer gone is unreachable over HTTP: connection refused \(ECONNREFUSED\)/);
  });

  it('the table itself: every 4xx but 404, 408 and 429 is F00; no such host is T01 (no DNS lookup in CI)', () => {
    expect([400, 401, 403, 405, 409, 413, 415, 422, 451].map(statusToIlpCode)).toEqual(Array(9).fill('F00'));
    expect([404, 408, 429, 500, 501, 599, 204, 301].map(statusToIlpCode)).toEqual(['F02', 'T00', 'T05', 'T00', 'T00', 'T00', 'T00', 'T00']);
    const dns = Object.assign(new Error('getaddrinfo ENOTFOUND peer.example'), { code: 'ENOTFOUND' });
    expect(transportError('p', dns)).toMatchObject({ ilpCode: 'T01', message: 'peer p is unreachable over HTTP: host not found (ENOTFOUND)' });
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    expect(transportError('p', reset)).toMatchObject({ ilpCode: 'T00', message: 'HTTP request to peer p failed: connection reset (ECONNRESET)' });
  });

  it("the peer's own Reject passes through unchanged, and nothing failed was booked", async () => {
    const r = await pay('g.z.reject');
    expect(r).toMatchObject({ type: IlpPacketType.Reject, code: 'F99', triggeredBy: 'g.z', message: 'no thanks' });
    for (const peer of ['u', 'z', 'gone']) expect(line.a.getBalance(peer).balances[0].netBalance).toBe('0');
  });
});
