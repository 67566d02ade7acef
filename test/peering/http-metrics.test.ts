/**
 * /metrics for ILP-over-HTTP peering, read as Prometheus text: requests per peer by direction and
 * status class (2xx, 4xx, 5xx, error: no connection, timeout: no answer before expiry), and the
 * duration histogram of our requests per peer (an answer after the expiry in it too, and counted as
 * late). A real local HTTP server plays peer z and answers
 * each packet as its destination says; z also posts to our listener.
 */
import { createServer, request, type ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { Harness, waitFor } from '../helpers/node.js';
import { sample, scrape } from '../helpers/metrics-text.js';
import { computeConditionFromData, IlpPacketType, type ConnectorNode } from '../../src/index.js';
import { deserializePrepare, serializeFulfill, serializePrepare } from '../../src/node/ilp/packet.js';
import { closedPort, listen } from './http-line.js';

const h = new Harness();
afterEach(() => h.cleanup(), 30_000);

function pay(node: ConnectorNode, destination: string, timeoutMs = 20_000) {
  const data = Buffer.from(`to ${destination} ${Math.random()}`);
  return node.sendPacket({ destination, amount: 10n, executionCondition: computeConditionFromData(data).condition, expiresAt: new Date(Date.now() + timeoutMs), data });
}

/** A POST to our listener as peer z; resolves with the status. */
function postAsZ(port: number, body: Buffer, contentType: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/ilp/z', method: 'POST', headers: { authorization: 'Bearer z-in', 'content-type': contentType, 'content-length': String(body.length) } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('ILP-over-HTTP peering metrics', () => {
  it('counts requests per peer by direction and status class, and times ours', async () => {
    const held: ServerResponse[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const last = deserializePrepare(Buffer.concat(chunks)).destination.split('.').pop();
        if (last === 'boom') res.writeHead(500).end('boom');
        else if (last === 'missing') res.writeHead(404).end();
        else if (last === 'hang') held.push(res);
        else res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(serializeFulfill({ fulfillment: Buffer.alloc(32), data: Buffer.alloc(0) }));
      });
    });
    const port = await listen(server);
    const gonePort = await closedPort();
    h.onCleanup(
      () =>
        new Promise<void>((r) => {
          for (const res of held) res.destroy();
          server.close(() => r());
        }),
    );

    const a = h.node({
      nodeId: 'a',
      // failures are the point here: keep the peers up (no probes) so every request is one we sent
      http: { enabled: true, port: 0, downAfterFailures: 1000 },
      routing: { enabled: false },
      peers: [
        { id: 'z', transport: 'http', http: { url: `http://127.0.0.1:${port}/ilp`, incomingToken: 'z-in', outgoingToken: 'z-out' }, creditLimit: '1000000' },
        { id: 'gone', transport: 'http', http: { url: `http://127.0.0.1:${gonePort}/ilp`, incomingToken: 'g-in', outgoingToken: 'g-out' } },
      ],
      routes: [
        { prefix: 'g.z', nextHop: 'z' },
        { prefix: 'g.gone', nextHop: 'gone' },
      ],
    } as never);
    a.setPacketHandler(() => ({ accept: true }));
    await a.start();

    // out: two 200s (Fulfills the pipeline rejects, as the fulfillment is wrong: still a 2xx), a 500, a 404, a timeout, a refused connection
    for (const d of ['g.z.ok1', 'g.z.ok2', 'g.z.boom', 'g.z.missing']) expect((await pay(a, d)).type).toBe(IlpPacketType.Reject);
    expect(await pay(a, 'g.z.hang', 2500)).toMatchObject({ code: 'R00' });
    expect(await pay(a, 'g.gone.x')).toMatchObject({ code: 'T01' });
    // in: z pays us (200), then sends the wrong content type (415)
    const data = Buffer.from('in');
    const prepare = serializePrepare({ amount: 5n, expiresAt: new Date(Date.now() + 10_000), executionCondition: computeConditionFromData(data).condition, destination: 'g.a.x', data });
    expect(await postAsZ(a.endpoints.ilpHttp!, prepare, 'application/octet-stream')).toBe(200);
    expect(await postAsZ(a.endpoints.ilpHttp!, prepare, 'text/plain')).toBe(415);

    const m = await scrape(a.endpoints.health!);
    const requests = (peer: string, direction: string, cls: string) => sample(m, 'ilp_http_peer_requests_total', { peer, direction, class: cls });
    expect(requests('z', 'out', '2xx')).toBe(2);
    expect(requests('z', 'out', '5xx')).toBe(1);
    expect(requests('z', 'out', '4xx')).toBe(1);
    expect(requests('z', 'out', 'timeout')).toBe(1);
    expect(requests('gone', 'out', 'error')).toBe(1);
    expect(requests('z', 'in', '2xx')).toBe(1);
    expect(requests('z', 'in', '4xx')).toBe(1);
    // the histogram holds the four answered requests to z (not the timeout), every one under +Inf
    expect(sample(m, 'ilp_http_peer_request_duration_seconds_count', { peer: 'z' })).toBe(4);
    expect(sample(m, 'ilp_http_peer_request_duration_seconds_bucket', { peer: 'z', le: '+Inf' })).toBe(4);
    expect(sample(m, 'ilp_http_peer_request_duration_seconds_sum', { peer: 'z' })).toBeGreaterThan(0);
    expect(sample(m, 'ilp_http_peer_request_duration_seconds_count', { peer: 'gone' })).toBeUndefined();
    expect(sample(m, 'ilp_http_peer_late_responses_total', { peer: 'z' })).toBeUndefined();

    // z answers the timed-out request now: counted as late and in the histogram, still one timeout
    held.shift()!.writeHead(200, { 'content-type': 'application/octet-stream' }).end(serializeFulfill({ fulfillment: Buffer.alloc(32), data: Buffer.alloc(0) }));
    const after = await waitFor(async () => {
      const m2 = await scrape(a.endpoints.health!);
      return sample(m2, 'ilp_http_peer_late_responses_total', { peer: 'z' }) === 1 ? m2 : undefined;
    }, 30_000, 'the late answer counted');
    expect(sample(after, 'ilp_http_peer_request_duration_seconds_count', { peer: 'z' })).toBe(5);
    expect(sample(after, 'ilp_http_peer_requests_total', { peer: 'z', direction: 'out', class: 'timeout' })).toBe(1);
    expect(sample(after, 'ilp_http_peer_requests_total', { peer: 'z', direction: 'out', class: '2xx' })).toBe(2);
  });
});
