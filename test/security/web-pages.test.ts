/**
 * Web pages and other local processes must not move money (issue 17), over real sockets:
 * - a DNS-rebinding page (a foreign Host header) is refused by every loopback listener: admin API,
 *   health, explorer and the BTP upgrade; `security.allowedHosts` names a proxy's public name;
 * - a browser (an Origin header) cannot open a BTP socket;
 * - the explorer's send form is off by default, needs the admin key when one is set, and the
 *   production profile refuses to turn it on;
 * - repeated wrong API keys from one address are slowed (429) and counted in /metrics
 *   (the constant-time construction of the key check is tested in hostile.test.ts).
 */
import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Harness } from '../helpers/node.js';
import { FREE_FAILURES } from '../../src/node/http/admin-auth.js';
import { createHostPolicy } from '../../src/node/http/host-check.js';
import { loadConfig } from '../../src/config/index.js';

const h = new Harness();
afterEach(() => h.cleanup());

interface Answer {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

/** One HTTP request with a chosen Host header (fetch does not let a test forge it). */
function raw(base: string, path: string, opts: { host?: string; method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    headers.host = opts.host ?? u.host;
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    const req = httpRequest({ host: u.hostname, port: u.port, path, method: opts.method ?? 'GET', headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error('request timed out')));
    req.end(opts.body);
  });
}

/** Opens a BTP WebSocket with the given headers; resolves 'open' or the HTTP status of the refusal. */
function upgrade(url: string, headers: Record<string, string>): Promise<'open' | number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers, perMessageDeflate: false });
    ws.once('open', () => {
      ws.terminate();
      resolve('open');
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('error', () => resolve(-1));
  });
}

describe('DNS rebinding: Host header checks on every loopback listener', () => {
  it('refuses a foreign Host on the admin API, health, explorer and BTP upgrade; accepts loopback names and allowedHosts', async () => {
    const node = h.node({
      nodeId: 'n',
      ilpAddress: 'g.n',
      explorer: { enabled: true, port: 0 },
      security: { allowedHosts: ['proxy.example', '*.corp.example'] },
    });
    await node.start();
    const e = node.endpoints;
    const listeners = { admin: `${e.admin!}`, health: node.endpoints.health!, explorer: e.explorer! };
    const paths = { admin: '/admin/peers', health: '/health', explorer: '/api/info' };
    for (const [name, base] of Object.entries(listeners)) {
      const path = paths[name as keyof typeof paths];
      const port = new URL(base).port;
      for (const evil of [`evil.example:${port}`, 'evil.example', `127.0.0.1.evil.example:${port}`, `proxy.example.evil:${port}`]) {
        const r = await raw(base, path, { host: evil });
        expect(r.status, `${name} with Host ${evil}`).toBe(403);
        expect(JSON.parse(r.body)).toMatchObject({ code: 'FORBIDDEN' });
        expect(JSON.parse(r.body).message).toContain('security.allowedHosts');
      }
      for (const good of [`localhost:${port}`, `127.0.0.1:${port}`, `127.0.0.1`, `proxy.example`, `api.corp.example:443`, `LOCALHOST.:${port}`]) {
        expect((await raw(base, path, { host: good })).status, `${name} with Host ${good}`).toBe(200);
      }
    }
    // the rebinding attack itself: a page adding a peer through a no-key loopback admin API
    const add = await raw(e.admin!, '/admin/peers', { host: 'evil.example', method: 'POST', body: JSON.stringify({ id: 'mallory', authToken: 'x' }) });
    expect(add.status).toBe(403);
    expect(node.listPeers().map((p) => p.id)).not.toContain('mallory');

    const btp = `ws://127.0.0.1:${node.btpPort}`;
    expect(await upgrade(btp, { host: 'evil.example' })).toBe(403);
    expect(await upgrade(btp, { origin: 'https://evil.example' })).toBe(403);
    expect(await upgrade(btp, { origin: `http://127.0.0.1:${node.btpPort}` })).toBe(403);
    expect(await upgrade(btp, {})).toBe('open');
    expect(await upgrade(btp, { host: 'proxy.example' })).toBe('open');
    // a plain HTTP request to the BTP port is told to upgrade
    expect((await raw(btp.replace('ws:', 'http:'), '/')).status).toBe(426);

    const metrics = (await raw(listeners.health, '/metrics')).body;
    expect(Number(/^ilp_http_host_refused_total\{[^}]*\} (\d+)/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(14);
    expect(Number(/^ilp_btp_origin_refused_total\{[^}]*\} (\d+)/m.exec(metrics)?.[1])).toBe(2);
  });

  it('a listener bound beyond loopback accepts the machine addresses and allowedHosts only; validate warns without allowedHosts', async () => {
    const wide = createHostPolicy('0.0.0.0', ['node.example.com']);
    expect(wide.allows('127.0.0.1:8080')).toBe(true);
    expect(wide.allows('[::1]:8080')).toBe(true);
    expect(wide.allows('node.example.com')).toBe(true);
    expect(wide.allows('evil.example')).toBe(false);
    expect(wide.allows('8.8.8.8')).toBe(false);
    expect(wide.allows(undefined)).toBe(false);
    const loop = createHostPolicy('127.0.0.1');
    expect(loop.allows('10.1.2.3')).toBe(false);
    expect(loop.allows('127.0.0.5:1')).toBe(true);

    // a health server really bound to 0.0.0.0, called over loopback
    const node = h.node({ nodeId: 'w', ilpAddress: 'g.w', healthCheckHost: '0.0.0.0' });
    await node.start();
    const base = `http://127.0.0.1:${new URL(node.endpoints.health!).port}`;
    expect((await raw(base, '/health/live')).status).toBe(200);
    expect((await raw(base, '/health/live', { host: 'evil.example' })).status).toBe(403);

    const warned = loadConfig({ nodeId: 'w', btpServerHost: '0.0.0.0', adminApi: { enabled: false } }, { env: {} }).warnings;
    expect(warned.join('\n')).toMatch(/btpServerHost \(0\.0\.0\.0\).*security\.allowedHosts is empty/);
    const quiet = loadConfig({ nodeId: 'w', btpServerHost: '0.0.0.0', adminApi: { enabled: false }, security: { allowedHosts: ['btp.example.com'] } }, { env: {} });
    expect(quiet.warnings.join('\n')).not.toContain('allowedHosts');
  });
});

describe('explorer send form', () => {
  const body = JSON.stringify({ destination: 'g.s.x', amount: '1' });

  it('is off unless enabled, needs the admin key when one is set, and production refuses it', async () => {
    const off = h.node({ nodeId: 's', ilpAddress: 'g.s', explorer: { enabled: true, port: 0 } });
    await off.start();
    const r = await raw(off.endpoints.explorer!, '/api/send', { method: 'POST', body });
    expect(r.status).toBe(403);
    expect(JSON.parse(r.body).message).toContain('explorer.allowSend');
    expect(JSON.parse((await raw(off.endpoints.explorer!, '/api/info')).body).sendEnabled).toBe(false);

    const keyed = h.node({ nodeId: 'k', ilpAddress: 'g.k', adminApi: { apiKey: 'admin-key-123' }, explorer: { enabled: true, port: 0, allowSend: true } });
    await keyed.start();
    const base = keyed.endpoints.explorer!;
    const to = JSON.stringify({ destination: 'g.k.nobody', amount: '1' });
    expect(JSON.parse((await raw(base, '/api/info')).body)).toMatchObject({ sendEnabled: true, sendNeedsKey: true });
    expect((await raw(base, '/api/send', { method: 'POST', body: to })).status).toBe(401);
    expect((await raw(base, '/api/send', { method: 'POST', body: to, headers: { 'x-api-key': 'wrong' } })).status).toBe(401);
    const sent = await raw(base, '/api/send', { method: 'POST', body: to, headers: { 'x-api-key': 'admin-key-123' } });
    expect(sent.status).toBe(200);
    expect(JSON.parse(sent.body)).toMatchObject({ accepted: false }); // no local handler: rejected, but it was sent

    // production: allowSend is ignored (with a warning) and the form stays off
    const prodConfig = { nodeId: 'p', ilpAddress: 'g.p', security: { environment: 'production' }, adminApi: { apiKey: 'k'.repeat(32) }, explorer: { enabled: true, port: 0, allowSend: true } };
    expect(loadConfig(prodConfig as never, { env: {} }).warnings.join('\n')).toMatch(/explorer\.allowSend is ignored: security\.environment is production/);
    const prod = h.node(prodConfig as never);
    await prod.start();
    expect(JSON.parse((await raw(prod.endpoints.explorer!, '/api/info')).body).sendEnabled).toBe(false);
    const refused = await raw(prod.endpoints.explorer!, '/api/send', { method: 'POST', body: JSON.stringify({ destination: 'g.p.x', amount: '1' }), headers: { 'x-api-key': 'k'.repeat(32) } });
    expect(refused.status).toBe(403);
  });
});

describe('admin API keys', () => {
  it('slows an address after repeated wrong keys (429 with Retry-After, even for the right key) and counts it in /metrics', async () => {
    const node = h.node({ nodeId: 'a', ilpAddress: 'g.a', adminApi: { apiKey: 'right-key-123' } });
    await node.start();
    const base = node.endpoints.admin!;
    for (let i = 0; i < FREE_FAILURES; i++) expect((await raw(base, '/admin/peers', { headers: { 'x-api-key': `wrong-${i}` } })).status).toBe(401);
    // the next failure earns a lockout; while it lasts every key is refused
    expect((await raw(base, '/admin/peers', { headers: { 'x-api-key': 'wrong-again' } })).status).toBe(401);
    const locked = await raw(base, '/admin/peers', { headers: { 'x-api-key': 'right-key-123' } });
    expect(locked.status).toBe(429);
    expect(JSON.parse(locked.body)).toMatchObject({ code: 'TOO_MANY_AUTH_FAILURES' });
    expect(Number(locked.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    const metrics = (await raw(node.endpoints.health!, '/metrics')).body;
    expect(metrics).toMatch(new RegExp(`^ilp_admin_auth_failures_total\\{[^}]*\\} ${FREE_FAILURES + 1}$`, 'm'));
    expect(metrics).toMatch(/^ilp_admin_auth_throttled_total\{[^}]*\} 1$/m);
    // /health stays public and unthrottled
    expect((await raw(base, '/health')).status).toBe(200);
  });
});
