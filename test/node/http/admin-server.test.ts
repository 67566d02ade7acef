import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appError } from '../../../src/errors/index.js';
import { createAdminServer, type AdminServerOptions } from '../../../src/node/http/admin-server.js';
import { createFakeNode, healthReport, type FakeNode } from './fake-node.js';
import { call, closeAll, corsHeaders, listen, silent } from './helpers.js';

let node: FakeNode;
let base: string;

async function start(opts: Partial<AdminServerOptions> = {}): Promise<string> {
  return listen(createAdminServer(node, { host: '127.0.0.1', port: 0, logger: silent, ...opts }));
}

beforeEach(async () => {
  node = createFakeNode();
  base = await start();
});
afterEach(closeAll);

describe('admin API: health', () => {
  it.each([
    ['healthy', 200],
    ['degraded', 200],
    ['starting', 503],
    ['unhealthy', 503],
  ] as const)('%s -> %i with the health report', async (status, code) => {
    node.report = healthReport(status);
    const r = await call(base, 'GET', '/health');
    expect(r.status).toBe(code);
    expect(r.body).toEqual(healthReport(status));
  });
});

describe('admin API: peers', () => {
  it('GET /admin/peers lists peers with counts', async () => {
    const r = await call(base, 'GET', '/admin/peers');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ nodeId: 'alice', peerCount: 2, connectedCount: 1, peers: node.peers });
  });

  it('POST /admin/peers creates (201), refuses the same id (409 PEER_EXISTS), replaces it with ?replace=true (200)', async () => {
    const body = {
      id: 'dave',
      url: 'ws://dave.example:3000',
      authToken: 's3cret',
      relation: 'child',
      routes: [{ prefix: 'g.dave', priority: 5 }],
      creditLimit: '0001000',
      settleThreshold: '500',
      maxPacketAmount: '18446744073709551615',
      rateLimit: { packetsPerSecond: 100, burst: 200 },
      settlement: { chain: 'xrpl', address: 'rDave' },
    };
    const created = await call(base, 'POST', '/admin/peers', { json: body });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      success: true,
      peer: expect.objectContaining({ id: 'dave' }),
      routes: [{ prefix: 'g.dave', nextHop: 'dave', priority: 5, source: 'runtime' }],
      created: true,
      updated: false,
      message: 'Peer dave added',
    });
    expect(node.registered[0]).toEqual({ ...body, creditLimit: '1000' });

    const again = await call(base, 'POST', '/admin/peers', { json: { id: 'dave', authToken: 's3cret' } });
    expect(again.status).toBe(409);
    expect(again.body).toEqual({ error: 'Conflict', code: 'PEER_EXISTS', message: 'Peer dave already exists' });
    expect(node.registered).toHaveLength(1);

    const replaced = await call(base, 'POST', '/admin/peers?replace=true', { json: { id: 'dave', authToken: 's3cret' } });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ success: true, created: false, updated: true, message: 'Peer dave replaced' });
  });

  it('PATCH /admin/peers/:peerId passes only the given fields; 404 when unknown; 400 for an empty or bad body', async () => {
    const r = await call(base, 'PATCH', '/admin/peers/bob', { json: { creditLimit: '0700', relation: 'child' } });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      success: true,
      peer: expect.objectContaining({ id: 'bob', relation: 'child', creditLimit: '700' }),
      changed: ['relation', 'creditLimit'],
      message: 'Peer bob updated: relation, creditLimit',
    });
    expect(node.updated).toEqual([{ peerId: 'bob', patch: { relation: 'child', creditLimit: '700' } }]);

    const missing = await call(base, 'PATCH', '/admin/peers/zed', { json: { creditLimit: '1' } });
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ code: 'PEER_NOT_FOUND' });
    const empty = await call(base, 'PATCH', '/admin/peers/bob', { json: {} });
    expect(empty.status).toBe(400);
    const id = await call(base, 'PATCH', '/admin/peers/bob', { json: { id: 'other' } });
    expect(id.status).toBe(400);
    expect(id.body).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'id', message: expect.stringMatching(/not a known field/) });
    const bad = await call(base, 'PATCH', '/admin/peers/bob', { json: { creditLimit: 'lots' } });
    expect(bad.body).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'creditLimit' });
    expect(node.updated).toHaveLength(1);
  });

  it("accepts the seed's settlement shape as chain evm", async () => {
    const evmAddress = '0x' + 'ab'.repeat(20);
    const r = await call(base, 'POST', '/admin/peers', { json: { id: 'erin', authToken: 't', settlement: { preference: 'evm', evmAddress } } });
    expect(r.status).toBe(201);
    expect(node.registered[0].settlement).toEqual({ chain: 'evm', address: evmAddress });
  });

  it.each([
    [{ authToken: 'x' }, 'id', /^Invalid id: is required$/],
    [{ id: 'bad id', authToken: 'x' }, 'id', /Invalid id: must be a peer id/],
    [{ id: 'd', authToken: '' }, 'authToken', /must be the shared BTP secret \(not empty\)/],
    [{ id: 'd', authToken: 'x', url: 'http://d:3000' }, 'url', /ws:\/\/ or wss:\/\//],
    [{ id: 'd', authToken: 'x', url: 'ws://' }, 'url', /with a host/],
    [{ id: 'd', authToken: 'x', creditLimit: 1000 }, 'creditLimit', /must be a string \(an unsigned integer as a decimal string/],
    [{ id: 'd', authToken: 'x', creditLimit: '18446744073709551616' }, 'creditLimit', /unsigned 64-bit/],
    [{ id: 'd', authToken: 'x', settleThreshold: '0' }, 'settleThreshold', /positive/],
    [{ id: 'd', authToken: 'x', routes: [{ prefix: 'g..x' }] }, 'routes[0].prefix', /ILP address prefix/],
    [{ id: 'd', authToken: 'x', relation: 'friend' }, 'relation', /parent, peer, child/],
    [{ id: 'd', authToken: 'x', colour: 'red' }, 'colour', /is not a known field/],
    [{ id: 'd', authToken: 'x', settlement: { chain: 'evm' } }, 'settlement', /chain, address/],
  ])('400 naming the field for %j', async (json, field, message) => {
    const r = await call(base, 'POST', '/admin/peers', { json });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ error: 'BadRequest', code: 'INVALID_ARGUMENT', field, message: expect.stringMatching(message) });
    expect(node.registered).toHaveLength(0);
  });

  it('400 for malformed JSON and for a missing body', async () => {
    const bad = await call(base, 'POST', '/admin/peers', { raw: '{"id":', headers: { 'content-type': 'application/json' } });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: 'BadRequest', code: 'INVALID_ARGUMENT' });
    const none = await call(base, 'POST', '/admin/peers');
    expect(none.status).toBe(400);
    expect(none.body).toMatchObject({ error: 'BadRequest', field: 'request body' });
  });

  it('415 for a body that is not JSON', async () => {
    const r = await call(base, 'POST', '/admin/peers', { raw: 'id=d', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(r.status).toBe(415);
    expect(r.body).toMatchObject({ error: 'UnsupportedMediaType', code: 'UNSUPPORTED_MEDIA_TYPE' });
  });

  it('DELETE /admin/peers/:peerId removes with routes, keeps them with removeRoutes=false, 404 when unknown', async () => {
    const r = await call(base, 'DELETE', '/admin/peers/bob');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      success: true,
      peerId: 'bob',
      removedRoutes: ['g.bob'],
      message: 'Peer bob removed with 1 route',
      warning: 'Peer bob still owes 5: its account is kept',
    });
    const kept = await call(base, 'DELETE', '/admin/peers/carol?removeRoutes=false');
    expect(kept.body).toEqual({ success: true, peerId: 'carol', removedRoutes: [], message: 'Peer carol removed' });
    expect(node.routes.map((x) => x.prefix)).toEqual(['g.carol']);

    const missing = await call(base, 'DELETE', '/admin/peers/zed');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ error: 'NotFound', code: 'PEER_NOT_FOUND', message: 'Peer not found: zed' });
    const badQuery = await call(base, 'DELETE', '/admin/peers/carol?removeRoutes=no');
    expect(badQuery.status).toBe(400);
    expect(badQuery.body.field).toBe('query parameter removeRoutes');
  });
});

describe('admin API: routes', () => {
  it('GET /admin/routes', async () => {
    const r = await call(base, 'GET', '/admin/routes');
    expect(r.body).toEqual({ nodeId: 'alice', routeCount: 2, routes: node.routes });
  });

  it('POST /admin/routes -> 201, with a warning for an unknown next hop', async () => {
    const r = await call(base, 'POST', '/admin/routes', { json: { prefix: 'g.bob.sub', nextHop: 'bob', priority: 2 } });
    expect(r.status).toBe(201);
    expect(r.body).toEqual({
      success: true,
      route: { prefix: 'g.bob.sub', nextHop: 'bob', priority: 2, source: 'runtime' },
      message: 'Route g.bob.sub -> bob added',
    });
    const w = await call(base, 'POST', '/admin/routes', { json: { prefix: 'g.zed', nextHop: 'zed' } });
    expect(w.status).toBe(201);
    expect(w.body.warning).toBe('Next hop zed is not a known peer');
  });

  it('POST /admin/routes: 400 naming the field', async () => {
    const r = await call(base, 'POST', '/admin/routes', { json: { prefix: 'g.x', nextHop: 'bob', priority: 1.5 } });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ field: 'priority', message: expect.stringMatching(/^Invalid priority: must be an integer/) });
    const missing = await call(base, 'POST', '/admin/routes', { json: { prefix: 'g.x' } });
    expect(missing.body).toMatchObject({ field: 'nextHop', message: 'Invalid nextHop: is required' });
  });

  it('DELETE /admin/routes/<prefix> takes the URL-decoded rest of the path; 404 when unknown', async () => {
    const r = await call(base, 'DELETE', '/admin/routes/g.b%6Fb');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ success: true, prefix: 'g.bob', message: 'Route g.bob removed' });
    const again = await call(base, 'DELETE', '/admin/routes/g.bob');
    expect(again.status).toBe(404);
    expect(again.body).toEqual({ error: 'NotFound', code: 'ROUTE_NOT_FOUND', message: 'Route not found: g.bob' });
    const empty = await call(base, 'DELETE', '/admin/routes/');
    expect(empty.status).toBe(400);
  });
});

describe('admin API: balances', () => {
  it('GET /admin/balances lists every account', async () => {
    const r = await call(base, 'GET', '/admin/balances');
    expect(r.body).toEqual({ nodeId: 'alice', accounts: node.getAccounts() });
  });

  it("GET /admin/balances/:peerId answers the seed's shape, 404 for an unknown peer", async () => {
    const r = await call(base, 'GET', '/admin/balances/bob');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ peerId: 'bob', balances: [{ tokenId: 'USD', assetCode: 'USD', assetScale: 9, debitBalance: '0', creditBalance: '250', netBalance: '250' }] });
    const missing = await call(base, 'GET', '/admin/balances/zed');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ error: 'NotFound', code: 'PEER_NOT_FOUND', message: 'Peer not found: zed' });
  });
});

describe('admin API: /admin/ilp/send', () => {
  const data = Buffer.from('hello').toString('base64');

  it('passes the request to the node with the default timeout and answers its result', async () => {
    const r = await call(base, 'POST', '/admin/ilp/send', { json: { destination: 'g.bob.agent', amount: '1000', data } });
    expect(r.status).toBe(200);
    expect(r.body).toEqual(node.sendResult);
    expect(node.sent).toEqual([{ destination: 'g.bob.agent', amount: '1000', data, timeoutMs: 30000 }]);
  });

  it('answers a reject as 200 with accepted false', async () => {
    node.sendResult = { accepted: false, fulfilled: false, code: 'F02', message: 'No route', triggeredBy: 'g.alice', packetId: 'p' };
    const r = await call(base, 'POST', '/admin/ilp/send', { json: { destination: 'g.nowhere', amount: '1', timeoutMs: 5000 } });
    expect(r.status).toBe(200);
    expect(r.body).toEqual(node.sendResult);
    expect(node.sent[0]).toEqual({ destination: 'g.nowhere', amount: '1', timeoutMs: 5000 });
  });

  it('accepts data of exactly 32767 bytes and refuses 32768 naming the ILP limit', async () => {
    const max = Buffer.alloc(32767, 1).toString('base64');
    expect((await call(base, 'POST', '/admin/ilp/send', { json: { destination: 'g.bob', amount: '1', data: max } })).status).toBe(200);
    const over = await call(base, 'POST', '/admin/ilp/send', { json: { destination: 'g.bob', amount: '1', data: Buffer.alloc(40000).toString('base64') } });
    expect(over.status).toBe(400);
    expect(over.body).toMatchObject({ field: 'data', message: expect.stringMatching(/40000 bytes; ILP packet data is limited to 32767 bytes/) });
    expect(node.sent).toHaveLength(1);
  });

  it.each([
    [{ amount: '1' }, 'destination', /is required/],
    [{ destination: 'not an address', amount: '1' }, 'destination', /ILP address/],
    [{ destination: 'g.bob', amount: '-5' }, 'amount', /decimal string/],
    [{ destination: 'g.bob', amount: 1000 }, 'amount', /must be a string/],
    [{ destination: 'g.bob', amount: '99999999999999999999' }, 'amount', /unsigned 64-bit/],
    [{ destination: 'g.bob', amount: '1', data: 'aGVsbG8' }, 'data', /base64/],
    [{ destination: 'g.bob', amount: '1', timeoutMs: 0 }, 'timeoutMs', /between 1 and 120000/],
    [{ destination: 'g.bob', amount: '1', timeoutMs: 120001 }, 'timeoutMs', /between 1 and 120000/],
    [{ destination: 'g.bob', amount: '1', condition: 'x' }, 'condition', /not a known field/],
  ])('400 naming the field for %j', async (json, field, message) => {
    const r = await call(base, 'POST', '/admin/ilp/send', { json });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ error: 'BadRequest', field, message: expect.stringMatching(message) });
    expect(node.sent).toHaveLength(0);
  });

  it('503 NotReady while the node is starting, before looking at the body', async () => {
    node.ready = false;
    const r = await call(base, 'POST', '/admin/ilp/send', { json: { nonsense: true } });
    expect(r.status).toBe(503);
    expect(r.body).toEqual({ error: 'NotReady', code: 'NOT_READY', message: 'The node is not ready yet' });
  });

  it('413 for a body over maxBodyBytes', async () => {
    const r = await call(base, 'POST', '/admin/ilp/send', { json: { destination: 'g.bob', amount: '1', data: 'A'.repeat(70000) } });
    expect(r.status).toBe(413);
    expect(r.body).toMatchObject({ error: 'PayloadTooLarge', code: 'PAYLOAD_TOO_LARGE' });
    const small = await start({ maxBodyBytes: 100 });
    const s = await call(small, 'POST', '/admin/routes', { json: { prefix: 'g.' + 'x'.repeat(200), nextHop: 'bob' } });
    expect(s.status).toBe(413);
    expect(s.body.message).toBe('Request body is larger than 100 bytes');
  });
});

describe('admin API: errors, 404, CORS, plugins', () => {
  it('unknown routes are 404 NotFound without echoing the query', async () => {
    const r = await call(base, 'GET', '/admin/nothing?token=abc');
    expect(r.status).toBe(404);
    expect(r.body).toEqual({ error: 'NotFound', code: 'NOT_FOUND', message: 'No route GET /admin/nothing' });
  });

  it('sends no CORS headers, not even to a preflight', async () => {
    const origin = { origin: 'https://evil.example', 'access-control-request-method': 'POST' };
    const pre = await call(base, 'OPTIONS', '/admin/ilp/send', { headers: origin });
    expect(pre.status).toBe(404);
    expect(corsHeaders(pre.headers)).toEqual([]);
    const get = await call(base, 'GET', '/admin/peers', { headers: { origin: 'https://evil.example' } });
    expect(get.status).toBe(200);
    expect(corsHeaders(get.headers)).toEqual([]);
  });

  it('a node error that is not an AppError is a 500 with a generic message', async () => {
    node.listPeers = () => {
      throw new Error('db exploded at /secret/path');
    };
    const r = await call(base, 'GET', '/admin/peers');
    expect(r.status).toBe(500);
    expect(r.body).toEqual({ error: 'InternalError', code: 'INTERNAL', message: 'Internal error (details are in the node log)' });
  });

  it('plugins and addRoutes add routes behind the same auth and error handling', async () => {
    const server = createAdminServer(node, {
      host: '127.0.0.1',
      port: 0,
      logger: silent,
      apiKey: 'k',
      plugins: [
        (app, ctx) => {
          app.get('/admin/channels', () => ({ nodeId: ctx.node.nodeId, channels: [] }));
        },
      ],
    });
    server.addRoutes((app) => {
      app.post('/admin/settlement/settle', () => {
        throw appError('SETTLEMENT_DISABLED');
      });
    });
    const url = await listen(server);
    expect(() => server.addRoutes(() => undefined)).toThrow(/before the admin server listens/);
    expect((await call(url, 'GET', '/admin/channels')).status).toBe(401);
    expect((await call(url, 'GET', '/admin/channels', { headers: { 'x-api-key': 'k' } })).body).toEqual({ nodeId: 'alice', channels: [] });
    const settle = await call(url, 'POST', '/admin/settlement/settle', { headers: { 'x-api-key': 'k' } });
    expect(settle.status).toBe(503);
    expect(settle.body).toMatchObject({ error: 'NotReady', code: 'SETTLEMENT_DISABLED' });
  });

  it('listen reports PORT_IN_USE naming the listener; close is idempotent', async () => {
    const port = Number(new URL(base).port);
    const second = createAdminServer(node, { host: '127.0.0.1', port, logger: silent });
    await expect(second.listen()).rejects.toMatchObject({ code: 'PORT_IN_USE', message: `admin API cannot listen on 127.0.0.1:${port}: the port is in use` });
    await second.close();
    await second.close();
  });
});
