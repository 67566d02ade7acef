import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHealthServer, healthStatusCode, type HealthServerOptions } from '../../../src/node/http/health-server.js';
import { createFakeNode, healthReport, type FakeNode } from './fake-node.js';
import { call, closeAll, corsHeaders, listen, silent } from './helpers.js';

let node: FakeNode;

async function start(opts: Partial<HealthServerOptions> = {}): Promise<string> {
  return listen(createHealthServer(node, { host: '127.0.0.1', port: 0, logger: silent, ...opts }));
}

beforeEach(() => {
  node = createFakeNode();
});
afterEach(closeAll);

describe('health server', () => {
  it.each([
    ['healthy', 200],
    ['degraded', 200],
    ['starting', 503],
    ['unhealthy', 503],
  ] as const)('GET /health when %s -> %i with the report', async (status, code) => {
    const base = await start();
    node.report = healthReport(status, status === 'unhealthy' ? ['no peer connected'] : []);
    const r = await call(base, 'GET', '/health');
    expect(r.status).toBe(code);
    expect(r.body).toEqual(node.report);
    expect(healthStatusCode(status)).toBe(code);
  });

  it('GET /health is a 503 when the health check itself throws', async () => {
    const base = await start();
    node.health = () => {
      throw new Error('boom');
    };
    const r = await call(base, 'GET', '/health');
    expect(r.status).toBe(503);
    expect(r.body).toMatchObject({ status: 'unhealthy', nodeId: 'alice', reasons: ['health check failed'] });
  });

  it('GET /health/live is always alive', async () => {
    const base = await start();
    node.ready = false;
    const r = await call(base, 'GET', '/health/live');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ status: 'alive', timestamp: expect.any(String) });
    expect(Number.isNaN(Date.parse(r.body.timestamp))).toBe(false);
  });

  it('GET /health/ready: 200 ready, 503 not_ready with a reason', async () => {
    const base = await start();
    expect(await call(base, 'GET', '/health/ready')).toMatchObject({ status: 200, body: { status: 'ready' } });

    node.ready = false;
    node.report = healthReport('starting', ['learning the address from the parent (ILDCP)']);
    expect(await call(base, 'GET', '/health/ready')).toMatchObject({
      status: 503,
      body: { status: 'not_ready', reason: 'learning the address from the parent (ILDCP)' },
    });

    node.report = healthReport('starting');
    expect((await call(base, 'GET', '/health/ready')).body).toEqual({ status: 'not_ready', reason: 'node is starting' });

    node.ready = true;
    node.report = { ...healthReport('unhealthy'), checks: { ledger: false, btp: true, peers: [] } };
    expect((await call(base, 'GET', '/health/ready')).body).toEqual({ status: 'not_ready', reason: 'ledger is not open' });
  });

  it('GET /metrics serves the provider output with its content type', async () => {
    const body = '# HELP ilp_packets_total Packets\n# TYPE ilp_packets_total counter\nilp_packets_total 3\n';
    const base = await start({ metrics: () => Promise.resolve({ contentType: 'text/plain; version=0.0.4; charset=utf-8', body }) });
    const r = await call(base, 'GET', '/metrics');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(r.body).toBe(body);
  });

  it('GET /metrics is 404 without a provider, 500 when the provider fails', async () => {
    const base = await start();
    expect(await call(base, 'GET', '/metrics')).toMatchObject({ status: 404, body: { error: 'NotFound', code: 'NOT_FOUND' } });
    const failing = await start({ metrics: () => Promise.reject(new Error('registry broke')) });
    expect(await call(failing, 'GET', '/metrics')).toMatchObject({ status: 500, body: { error: 'InternalError' } });
  });

  it('unknown paths are 404 and nothing carries CORS headers', async () => {
    const base = await start();
    const r = await call(base, 'GET', '/admin/peers', { headers: { origin: 'https://x.example' } });
    expect(r).toMatchObject({ status: 404, body: { error: 'NotFound', message: 'No route GET /admin/peers' } });
    expect(corsHeaders(r.headers)).toEqual([]);
    expect(corsHeaders((await call(base, 'GET', '/health', { headers: { origin: 'https://x.example' } })).headers)).toEqual([]);
  });

  it('listen resolves with the bound URL and port; close twice is fine', async () => {
    const server = createHealthServer(node, { host: '127.0.0.1', port: 0, logger: silent });
    const { url, port } = await server.listen();
    expect(url).toBe(`http://127.0.0.1:${port}`);
    expect(port).toBeGreaterThan(0);
    await server.close();
    await server.close();
    await expect(fetch(url + '/health/live')).rejects.toThrow();
  });
});
