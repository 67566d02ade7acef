/**
 * The explorer's HTTP surface on real nodes (explorer.enabled, port 0): assets, the JSON API, the
 * history endpoint, the live SSE stream and its resume, the send form's previews, and the guards.
 */
import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { computeConditionFromData, type ConnectorNode } from '../../../src/index.js';
import { startExplorer } from '../../../src/node/http/explorer/index.js';
import { Harness, quietLogger, waitFor } from '../../helpers/node.js';
import { call } from './helpers.js';

const h = new Harness();
afterEach(() => h.cleanup());

interface Chain {
  alice: ConnectorNode;
  hub: ConnectorNode;
  bob: ConnectorNode;
  explorer: string;
}

/** alice → hub → bob, the hub with the explorer on. */
async function chain(explorer: Record<string, unknown> = {}): Promise<Chain> {
  const hub = h.node({
    nodeId: 'hub',
    ilpAddress: 'g.hub',
    explorer: { enabled: true, port: 0, ...explorer },
    peers: [
      { id: 'alice', authToken: 'alice-secret', relation: 'child', creditLimit: '1000000' },
      { id: 'bob', authToken: 'bob-secret', relation: 'child', creditLimit: '1000000', settleThreshold: '5000' },
    ],
  } as never);
  await hub.start();
  const url = `ws://127.0.0.1:${hub.btpPort}`;
  const alice = h.node({ nodeId: 'alice', peers: [{ id: 'hub', url, authToken: 'alice-secret', relation: 'parent', creditLimit: '1000000' }] } as never);
  const bob = h.node({ nodeId: 'bob', peers: [{ id: 'hub', url, authToken: 'bob-secret', relation: 'parent', creditLimit: '1000000' }] } as never);
  bob.setPacketHandler((req) => (req.amount === '13' ? { accept: false, rejectReason: { code: 'invalid_amount', message: 'unlucky' } } : { accept: true, data: Buffer.from('thanks').toString('base64') }));
  await Promise.all([alice.start(), bob.start()]);
  await waitFor(() => hub.listPeers().every((p) => p.connected), 10_000, 'children connected');
  return { alice, hub, bob, explorer: hub.endpoints.explorer! };
}

function pay(from: ConnectorNode, destination: string, amount: bigint, text = `hello ${Math.random()}`) {
  const data = Buffer.from(text);
  return from.sendPacket({ destination, amount, executionCondition: computeConditionFromData(data).condition, expiresAt: new Date(Date.now() + 10_000), data });
}

/** Reads a server-sent event stream until `until` holds for the events parsed so far. */
async function readStream(
  url: string,
  until: (events: { id?: string; event?: string; data: unknown }[]) => boolean,
  headers: Record<string, string> = {},
  onOpen: () => void = () => undefined,
) {
  const ac = new AbortController();
  const res = await fetch(url, { headers, signal: ac.signal });
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  onOpen();
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const events: { id?: string; event?: string; data: unknown }[] = [];
  let buf = '';
  const deadline = Date.now() + 10_000;
  try {
    while (!until(events)) {
      if (Date.now() > deadline) throw new Error(`stream: condition not met; got ${JSON.stringify(events).slice(0, 500)}`);
      const { value, done } = await reader.read();
      if (done) break;
      buf += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, end);
        buf = buf.slice(end + 2);
        const msg: { id?: string; event?: string; data: unknown } = { data: undefined };
        for (const line of block.split('\n')) {
          if (line.startsWith('id: ')) msg.id = line.slice(4);
          else if (line.startsWith('event: ')) msg.event = line.slice(7);
          else if (line.startsWith('data: ')) msg.data = JSON.parse(line.slice(6));
        }
        if (msg.data !== undefined) events.push(msg);
      }
    }
  } finally {
    ac.abort();
  }
  return { events, res };
}

/** A raw request with a chosen Host header (fetch does not let a test forge it). */
function rawGet(base: string, path: string, host: string): Promise<number> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: u.hostname, port: u.port, path, headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('explorer on a real node', () => {
  it('serves the UI from the package with a strict CSP, and nothing from elsewhere', async () => {
    const node = h.node({ nodeId: 'solo', explorer: { enabled: true, port: 0 } });
    await node.start();
    const base = node.endpoints.explorer!;
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const page = await fetch(base + '/');
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(html).not.toMatch(/https?:\/\//);
    const srcs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]).filter((s) => s.startsWith('/'));
    expect(srcs).toEqual(expect.arrayContaining(['/style.css', '/app.js']));
    for (const path of [...srcs, '/dom.js', '/state.js', '/format.js', '/packets-view.js', '/tables-view.js']) {
      const r = await fetch(base + path);
      expect(r.status, path).toBe(200);
      const etag = r.headers.get('etag')!;
      expect((await fetch(base + path, { headers: { 'if-none-match': etag } })).status).toBe(304);
    }
    expect((await fetch(base + '/tsconfig.json')).status).toBe(404);
    expect((await fetch(base + '/../package.json')).status).toBe(404);
    expect(await call(base, 'GET', '/api/nope')).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
  });

  it('answers /api/info, health, peers, routes and balances with limits', async () => {
    const { explorer, hub } = await chain();
    await pay(hub, 'g.hub.bob', 2000n);
    const info = await call(explorer, 'GET', '/api/info');
    // explorer.allowSend defaults to false (issue 17): the send form is off unless enabled
    expect(info.body).toMatchObject({ nodeId: 'hub', ilpAddress: 'g.hub', sendEnabled: false, maxEvents: 10000, retentionMs: 3600000 });
    expect(await call(explorer, 'GET', '/api/health')).toMatchObject({ status: 200, body: { status: 'healthy', nodeId: 'hub' } });
    const peers = await call(explorer, 'GET', '/api/peers');
    expect(peers.body).toMatchObject({ nodeId: 'hub', peerCount: 2, connectedCount: 2 });
    expect(peers.body.peers.map((p: { id: string }) => p.id).sort()).toEqual(['alice', 'bob']);
    const routes = await call(explorer, 'GET', '/api/routes');
    expect(routes.body.routes).toEqual(expect.arrayContaining([expect.objectContaining({ prefix: 'g.hub.bob', nextHop: 'bob' })]));
    const balances = await call(explorer, 'GET', '/api/balances');
    expect(balances.body.peers).toEqual(
      expect.arrayContaining([{ peerId: 'bob', relation: 'child', connected: true, balance: '-2000', creditLimit: '1000000', settleThreshold: '5000', asset: { code: 'USD', scale: 9 } }]),
    );
    // each peer's asset and the node's (issue 19): what the explorer shows amounts with
    expect(balances.body.asset).toEqual({ code: 'USD', scale: 9 });
    expect(balances.body.accounts).toEqual(expect.arrayContaining([expect.objectContaining({ account: 'agent', balance: '2000' })]));
  });

  it('/api/events: history by limit, since and type; bad parameters are 400s naming them', async () => {
    const { explorer, alice } = await chain();
    await pay(alice, 'g.hub.bob', 100n);
    await pay(alice, 'g.hub.bob', 13n);
    const all = await call(explorer, 'GET', '/api/events?type=packet&limit=1000');
    const types = all.body.events.map((e: { type: string }) => e.type);
    expect(types.filter((t: string) => t === 'packet:fulfilled').length).toBeGreaterThanOrEqual(1);
    expect(all.body.events.find((e: { type: string }) => e.type === 'packet:rejected')).toMatchObject({ code: 'F03', from: 'alice', to: 'bob', destination: 'g.hub.bob', amount: '13' });
    const fulfilled = all.body.events.filter((e: { type: string; amount: string }) => e.type === 'packet:fulfilled' && e.amount === '100');
    expect(fulfilled).toEqual([expect.objectContaining({ from: 'alice', to: 'bob', amountOut: '100', fee: '0', latencyMs: expect.any(Number) })]);

    const two = await call(explorer, 'GET', '/api/events?limit=2');
    expect(two.body.events).toHaveLength(2);
    expect(two.body.hasMore).toBe(true);
    expect(two.body.events[0].seq).toBeLessThan(two.body.events[1].seq);
    const since = all.body.events[0].seq;
    const after = await call(explorer, 'GET', `/api/events?since=${since}&type=packet:rejected,balance`);
    expect(after.body.events.length).toBeGreaterThan(0);
    expect(after.body.events.every((e: { seq: number; type: string }) => e.seq > since && (e.type === 'packet:rejected' || e.type === 'balance:changed'))).toBe(true);

    expect(await call(explorer, 'GET', '/api/events?limit=0')).toMatchObject({ status: 400, body: { code: 'INVALID_ARGUMENT', field: 'query parameter limit' } });
    expect(await call(explorer, 'GET', '/api/events?limit=5000')).toMatchObject({ status: 400 });
    expect(await call(explorer, 'GET', '/api/events?type=packet:exploded')).toMatchObject({ status: 400, body: { field: 'query parameter type' } });
    expect(await call(explorer, 'GET', '/api/events?since=-1')).toMatchObject({ status: 400 });
    expect(await call(explorer, 'GET', '/api/events?lmit=5')).toMatchObject({ status: 400 });
  });

  it('streams events live (SSE) and resumes from Last-Event-ID', async () => {
    const { explorer, alice } = await chain();
    const streamUrl = `${explorer}/api/stream`;
    let sent: Promise<unknown> = Promise.resolve();
    const isDone = (e: { data: unknown }) => (e.data as { type: string }).type === 'packet:fulfilled' && (e.data as { amount: string }).amount === '321';
    const { events } = await readStream(streamUrl, (evs) => evs.some(isDone), {}, () => {
      sent = pay(alice, 'g.hub.bob', 321n);
    });
    await sent;
    const done = events.find(isDone)!;
    expect(done.id).toBe(String((done.data as { seq: number }).seq));

    // A client that dropped after `prepared` gets the rest replayed from the ring.
    const prepared = events.find((e) => (e.data as { type: string; amount?: string }).type === 'packet:prepared' && (e.data as { amount: string }).amount === '321')!;
    const resumed = await readStream(streamUrl, (evs) => evs.some((e) => e.id === done.id), { 'last-event-id': prepared.id! });
    expect(resumed.events[0].id).not.toBe(prepared.id);
    expect(resumed.events.every((e) => Number(e.id) > Number(prepared.id))).toBe(true);
  });

  it('a client resuming from before what the ring still holds is told to reset', async () => {
    const { explorer, alice } = await chain({ maxEvents: 5 });
    for (let i = 0; i < 4; i++) await pay(alice, 'g.hub.bob', 10n);
    const info = (await call(explorer, 'GET', '/api/info')).body;
    expect(info.oldestSeq).toBeGreaterThan(1);
    const { events } = await readStream(`${explorer}/api/stream`, (evs) => evs.length > 0, { 'last-event-id': '1' });
    expect(events[0]).toEqual({ event: 'reset', data: {} });
    const page = await call(explorer, 'GET', '/api/events?limit=100');
    expect(page.body.events.length).toBeLessThanOrEqual(5);
  });

  it('send form: returns the packet id; /api/packets/:id has its events and the data preview both ways', async () => {
    const { explorer } = await chain({ allowSend: true });
    const r = await call(explorer, 'POST', '/api/send', { json: { destination: 'g.hub.bob', amount: '777', data: Buffer.from('what is the ETH price?').toString('base64') } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ accepted: true, fulfilled: true, packetId: expect.any(String) });
    const detail = await waitFor(async () => {
      const d = await call(explorer, 'GET', `/api/packets/${r.body.packetId}`);
      return d.body.events?.some((e: { type: string }) => e.type === 'packet:fulfilled') ? d : undefined;
    }, 5000, 'packet events');
    expect(detail.body.events[0]).toMatchObject({ type: 'packet:prepared', from: 'local', destination: 'g.hub.bob', amount: '777' });
    expect(Buffer.from(detail.body.preview.prepare.data, 'base64').toString()).toBe('what is the ETH price?');
    expect(detail.body.preview.response).toMatchObject({ type: 'fulfill', length: 6 });
    expect(Buffer.from(detail.body.preview.response.data, 'base64').toString()).toBe('thanks');

    // A synchronous local reject is still correlated (the event is read after the stream delivers it).
    const f02 = await call(explorer, 'POST', '/api/send', { json: { destination: 'g.nowhere.x', amount: '1' } });
    expect(f02.body).toMatchObject({ fulfilled: false, code: 'F02', packetId: expect.any(String) });
    expect((await call(explorer, 'GET', `/api/packets/${f02.body.packetId}`)).body.preview.prepare).toEqual({ data: '', length: 0, truncated: false });

    expect(await call(explorer, 'GET', '/api/packets/nope')).toMatchObject({ status: 404 });
    expect(await call(explorer, 'POST', '/api/send', { json: { destination: 'g.hub.bob', amount: 5 } })).toMatchObject({ status: 400 });
    expect(await call(explorer, 'POST', '/api/send', { json: { destination: 'g.hub.bob', amount: '5', data: 'not base64!' } })).toMatchObject({ status: 400, body: { field: 'data' } });
  });

  it('refuses foreign Host headers (DNS rebinding) and cross-site POSTs', async () => {
    const node = h.node({ nodeId: 'solo', explorer: { enabled: true, port: 0, allowSend: true } });
    await node.start();
    const base = node.endpoints.explorer!;
    const port = new URL(base).port;
    expect(await rawGet(base, '/api/info', `evil.example:${port}`)).toBe(403);
    expect(await rawGet(base, '/', `attacker.test`)).toBe(403);
    expect(await rawGet(base, '/api/info', `localhost:${port}`)).toBe(200);
    expect(await rawGet(base, '/api/info', `127.0.0.1:${port}`)).toBe(200);
    const json = { destination: 'g.solo.x', amount: '1' };
    expect(await call(base, 'POST', '/api/send', { json, headers: { origin: 'http://evil.example' } })).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
    expect(await call(base, 'POST', '/api/send', { json, headers: { 'sec-fetch-site': 'cross-site' } })).toMatchObject({ status: 403 });
    expect(await call(base, 'POST', '/api/send', { json, headers: { origin: base } })).toMatchObject({ status: 200 });
    // text/plain (a "simple" cross-site form body) is not a packet
    expect((await call(base, 'POST', '/api/send', { raw: 'destination=g.x', headers: { 'content-type': 'text/plain' } })).status).toBeGreaterThanOrEqual(400);
  });

  it('beyond loopback sending is off; a taken port is PORT_IN_USE and leaves nothing subscribed', async () => {
    const node = h.node({ nodeId: 'solo' });
    await node.start();
    const wide = await startExplorer(node as never, { host: '0.0.0.0', port: 0, maxEvents: 10, retentionMs: 1000, logger: quietLogger() });
    h.onCleanup(() => wide.close());
    const base = `http://127.0.0.1:${wide.port}`;
    expect((await call(base, 'GET', '/api/info')).body.sendEnabled).toBe(false);
    expect(await call(base, 'POST', '/api/send', { json: { destination: 'g.solo.x', amount: '1' } })).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });

    const listeners = () => (node.events as unknown as { listeners: Set<unknown> }).listeners.size;
    const before = listeners();
    await expect(startExplorer(node as never, { host: '127.0.0.1', port: wide.port, maxEvents: 10, retentionMs: 1000, logger: quietLogger() })).rejects.toMatchObject({
      code: 'PORT_IN_USE',
    });
    expect(listeners()).toBe(before);
  });
});
