import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpDeliveryClient } from '../../../src/node/delivery/http-client.js';
import type { PaymentRequest } from '../../../src/node/types.js';

const logger = pino({ level: 'silent' });

interface Received {
  authorization?: string;
  method?: string;
  url?: string;
  contentType?: string;
  body: unknown;
}

let server: Server | undefined;

afterEach(async () => {
  const s = server;
  server = undefined;
  if (s) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

/** A real business logic server on 127.0.0.1:0 answering with `handler`. */
async function startServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ url: string; received: Received[]; connections: () => number }> {
  const received: Received[] = [];
  let connections = 0;
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString();
      received.push({ ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}), method: req.method, url: req.url, contentType: req.headers['content-type'], body: text ? JSON.parse(text) : undefined });
      handler(req, res);
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, received, connections: () => connections };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(typeof body === 'string' ? body : JSON.stringify(body));
}

function request(expiresInMs = 30_000): PaymentRequest {
  return {
    paymentId: 'p1',
    destination: 'g.alice.agent',
    amount: '1000',
    expiresAt: new Date(Date.now() + expiresInMs).toISOString(),
    data: Buffer.from('hello').toString('base64'),
  };
}

describe('createHttpDeliveryClient', () => {
  it('posts the PaymentRequest as JSON to /handle-packet and returns an accept', async () => {
    const { url, received } = await startServer((_req, res) => json(res, 200, { accept: true, data: 'cG9uZw==', extra: 1 }));
    const client = createHttpDeliveryClient({ handlerUrl: `${url}/`, timeoutMs: 5000, logger });
    const req = request();
    await expect(client.deliver(req)).resolves.toEqual({ accept: true, data: 'cG9uZw==' });
    expect(received).toEqual([{ method: 'POST', url: '/handle-packet', contentType: 'application/json', body: req }]);
  });

  it('sends the auth token as a bearer token', async () => {
    const { url, received } = await startServer((_req, res) => json(res, 200, { accept: true }));
    const client = createHttpDeliveryClient({ handlerUrl: url, timeoutMs: 5000, logger, authToken: 't0ken' });
    await client.deliver(request());
    expect(received[0].authorization).toBe('Bearer t0ken');
  });

  it('returns a reject with its reason', async () => {
    const { url } = await startServer((_req, res) => json(res, 200, { accept: false, rejectReason: { code: 'invalid_amount', message: 'Pay more' } }));
    const client = createHttpDeliveryClient({ handlerUrl: url, timeoutMs: 5000, logger });
    await expect(client.deliver(request())).resolves.toEqual({ accept: false, rejectReason: { code: 'invalid_amount', message: 'Pay more' } });
  });

  it('non-2xx -> T00 naming the status, without the server body', async () => {
    const { url } = await startServer((_req, res) => json(res, 500, { secret: 'stack trace here' }));
    const client = createHttpDeliveryClient({ handlerUrl: url, timeoutMs: 5000, logger });
    await expect(client.deliver(request())).resolves.toEqual({ error: { code: 'T00', message: 'Business logic server returned status 500' } });
  });

  it.each([
    ['not JSON', 'this is not json'],
    ['no accept', { ok: true }],
    ['accept not boolean', { accept: 'true' }],
    ['a JSON array', [true]],
    ['JSON null', 'null'],
  ])('malformed answer (%s) -> T00', async (_name, body) => {
    const { url } = await startServer((_req, res) => json(res, 200, body));
    const client = createHttpDeliveryClient({ handlerUrl: url, timeoutMs: 5000, logger });
    const out = await client.deliver(request());
    expect(out).toEqual({ error: { code: 'T00', message: expect.stringMatching(/^Malformed response/) } });
  });

  it('an answer over maxResponseBytes is malformed', async () => {
    const { url } = await startServer((_req, res) => json(res, 200, { accept: true, data: 'A'.repeat(4000) }));
    const client = createHttpDeliveryClient({ handlerUrl: url, timeoutMs: 5000, logger, maxResponseBytes: 1000 });
    await expect(client.deliver(request())).resolves.toMatchObject({ error: { code: 'T00' } });
  });

  it('timeout -> R00 after timeoutMs', async () => {
    const { url } = await startServer(() => undefined);
    const client = createHttpDeliveryClient({ handlerUrl: url, timeoutMs: 150, logger });
    const started = Date.now();
    await expect(client.deliver(request())).resolves.toEqual({ error: { code: 'R00', message: 'Business logic server did not answer within 150 ms' } });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('the wait is bounded by the packet expiry when that comes first', async () => {
    const { url } = await startServer(() => undefined);
    const client = createHttpDeliveryClient({ handlerUrl: url, timeoutMs: 30_000, logger });
    const started = Date.now();
    const out = await client.deliver(request(200));
    expect(out).toMatchObject({ error: { code: 'R00' } });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('the wait is bounded by the ms the caller has left (pipeline call shape)', async () => {
    const { url } = await startServer(() => undefined);
    const client = createHttpDeliveryClient({ handlerUrl: url, timeoutMs: 30_000, logger });
    const started = Date.now();
    await expect(client.deliver(request(), 120)).resolves.toEqual({ error: { code: 'R00', message: 'Business logic server did not answer within 120 ms' } });
    expect(Date.now() - started).toBeLessThan(2000);
    await expect(client.deliver(request(), 0)).resolves.toEqual({ error: { code: 'R00', message: 'Payment has expired' } });
  });

  it('an already expired payment is R00 without a request', async () => {
    const { url, received } = await startServer((_req, res) => json(res, 200, { accept: true }));
    const client = createHttpDeliveryClient({ handlerUrl: url, timeoutMs: 5000, logger });
    await expect(client.deliver(request(-1))).resolves.toEqual({ error: { code: 'R00', message: 'Payment has expired' } });
    expect(received).toHaveLength(0);
  });

  it('an aborted signal (node stopping) -> R00', async () => {
    const { url } = await startServer(() => undefined);
    const client = createHttpDeliveryClient({ handlerUrl: url, timeoutMs: 30_000, logger });
    const ac = new AbortController();
    const pending = client.deliver(request(), 30_000, ac.signal);
    setImmediate(() => ac.abort());
    await expect(pending).resolves.toEqual({ error: { code: 'R00', message: 'Delivery aborted' } });
  });

  it('accepts the signal as the second argument too', async () => {
    const { url } = await startServer(() => undefined);
    const client = createHttpDeliveryClient({ handlerUrl: url, timeoutMs: 30_000, logger });
    const ac = new AbortController();
    ac.abort();
    await expect(client.deliver(request(), ac.signal)).resolves.toEqual({ error: { code: 'R00', message: 'Delivery aborted' } });
  });

  it('network error -> T00 naming the URL', async () => {
    const { url } = await startServer(() => undefined);
    const s = server!;
    server = undefined;
    await new Promise((resolve) => s.close(resolve));
    const client = createHttpDeliveryClient({ handlerUrl: url, timeoutMs: 5000, logger });
    await expect(client.deliver(request())).resolves.toEqual({ error: { code: 'T00', message: `Business logic server unreachable at ${url}` } });
  });

  it('reuses one kept-alive connection for consecutive deliveries', async () => {
    const { url, connections } = await startServer((_req, res) => json(res, 200, { accept: true }));
    const client = createHttpDeliveryClient({ handlerUrl: url, timeoutMs: 5000, logger });
    for (let i = 0; i < 10; i++) await expect(client.deliver(request())).resolves.toEqual({ accept: true });
    // undici may open a second socket while the first is being handed back to its pool; never one per request.
    expect(connections()).toBeLessThanOrEqual(2);
  });
});
