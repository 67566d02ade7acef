import { afterEach, describe, expect, it } from 'vitest';
import { createKeyMatcher } from '../../../src/node/http/admin-auth.js';
import { createAdminServer, type AdminServerOptions } from '../../../src/node/http/admin-server.js';
import { createIpAllowlist, normaliseIp } from '../../../src/node/http/ip-allowlist.js';
import { createFakeNode } from './fake-node.js';
import { call, closeAll, corsHeaders, listen, silent } from './helpers.js';

afterEach(closeAll);

async function start(opts: Partial<AdminServerOptions> = {}): Promise<string> {
  return listen(createAdminServer(createFakeNode(), { host: '127.0.0.1', port: 0, logger: silent, ...opts }));
}

const KEY = 'correct horse battery staple';
const unauthorized = { error: 'Unauthorized', code: 'UNAUTHORIZED', message: 'Invalid or missing API key' };

describe('admin API key', () => {
  it('is required on every /admin route: missing or wrong -> 401, right -> 200', async () => {
    const base = await start({ apiKey: KEY });
    for (const [method, path] of [
      ['GET', '/admin/peers'],
      ['GET', '/admin/routes'],
      ['GET', '/admin/balances'],
      ['GET', '/admin/balances/bob'],
      ['POST', '/admin/ilp/send'],
      ['DELETE', '/admin/peers/bob'],
    ]) {
      const missing = await call(base, method, path);
      expect([path, missing.status, missing.body]).toEqual([path, 401, unauthorized]);
      const wrong = await call(base, method, path, { headers: { 'x-api-key': KEY + 'x' } });
      expect([path, wrong.status]).toEqual([path, 401]);
    }
    const ok = await call(base, 'GET', '/admin/peers', { headers: { 'X-Api-Key': KEY } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('cache-control')).toBe('no-store');
  });

  it('refuses a wrong key of the same length and a prefix of the key', async () => {
    const base = await start({ apiKey: KEY });
    for (const k of [KEY.replace('c', 'C'), KEY.slice(0, 5), '']) {
      expect((await call(base, 'GET', '/admin/peers', { headers: { 'x-api-key': k } })).status).toBe(401);
    }
  });

  it('refuses a key in the query string with 401 and a hint, even the right key', async () => {
    const base = await start({ apiKey: KEY });
    for (const q of [`apiKey=${encodeURIComponent(KEY)}`, 'apikey=x', 'api_key=x']) {
      const r = await call(base, 'GET', `/admin/peers?${q}`, { headers: { 'x-api-key': KEY } });
      expect(r.status).toBe(401);
      expect(r.body).toEqual({ error: 'Unauthorized', code: 'API_KEY_IN_QUERY', message: expect.stringMatching(/X-Api-Key header/) });
    }
  });

  it('unknown paths need the key too (401), then 404', async () => {
    const base = await start({ apiKey: KEY });
    expect((await call(base, 'GET', '/admin/secret-thing')).status).toBe(401);
    expect((await call(base, 'GET', '/admin/secret-thing', { headers: { 'x-api-key': KEY } })).status).toBe(404);
  });

  it('GET /health never needs the key', async () => {
    const base = await start({ apiKey: KEY });
    const r = await call(base, 'GET', '/health');
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('healthy');
  });

  it('without a configured key the admin routes are open', async () => {
    const base = await start();
    expect((await call(base, 'GET', '/admin/peers')).status).toBe(200);
  });

  it('sends no CORS headers on 401s or preflights', async () => {
    const base = await start({ apiKey: KEY });
    const r = await call(base, 'OPTIONS', '/admin/peers', { headers: { origin: 'https://x.example', 'access-control-request-method': 'GET' } });
    expect(r.status).toBe(401);
    expect(corsHeaders(r.headers)).toEqual([]);
  });

  it('createKeyMatcher compares digests of any length', () => {
    const m = createKeyMatcher('abc');
    expect([m('abc'), m('abd'), m('ab'), m('abcd'), m(''), m(undefined)]).toEqual([true, false, false, false, false, false]);
    expect(createKeyMatcher('')(undefined)).toBe(false);
  });
});

describe('admin API IP allowlist', () => {
  it('403 before the key is looked at, /health included', async () => {
    const base = await start({ apiKey: KEY, allowedIps: ['10.0.0.0/8', 'fd00::/8'] });
    const forbidden = { error: 'Forbidden', code: 'FORBIDDEN', message: 'IP address not allowed' };
    const noKey = await call(base, 'GET', '/admin/peers');
    expect([noKey.status, noKey.body]).toEqual([403, forbidden]);
    const withKey = await call(base, 'GET', '/admin/peers', { headers: { 'x-api-key': KEY } });
    expect(withKey.status).toBe(403);
    expect((await call(base, 'GET', '/health')).status).toBe(403);
  });

  it('allows a matching IPv4 network, then checks the key', async () => {
    const base = await start({ apiKey: KEY, allowedIps: ['10.0.0.0/8', '127.0.0.0/8'] });
    expect((await call(base, 'GET', '/admin/peers')).status).toBe(401);
    expect((await call(base, 'GET', '/admin/peers', { headers: { 'x-api-key': KEY } })).status).toBe(200);
  });

  it('matches an IPv4 client of a dual-stack listener (::ffff:127.0.0.1) against IPv4 entries', async () => {
    const base = await start({ host: '::', allowedIps: ['127.0.0.1'] });
    const port = new URL(base).port;
    expect((await call(`http://127.0.0.1:${port}`, 'GET', '/admin/peers')).status).toBe(200);
    // ::1 is not 127.0.0.1
    expect((await call(`http://[::1]:${port}`, 'GET', '/admin/peers')).status).toBe(403);
  });

  it('matches IPv6 clients against IPv6 networks', async () => {
    const base = await start({ host: '::1', allowedIps: ['::1/128'] });
    expect((await call(base, 'GET', '/admin/peers')).status).toBe(200);
    const other = await start({ host: '::1', allowedIps: ['fd00::/8'] });
    expect((await call(other, 'GET', '/admin/peers')).status).toBe(403);
  });

  it('refuses an invalid entry at creation, naming it', () => {
    expect(() => createAdminServer(createFakeNode(), { host: '127.0.0.1', port: 0, logger: silent, allowedIps: ['10.0.0.0/33'] })).toThrow(
      /adminApi\.allowedIps: "10\.0\.0\.0\/33"/,
    );
  });
});

describe('createIpAllowlist', () => {
  it('matches v4 and v6 addresses and CIDRs', () => {
    const list = createIpAllowlist(['192.168.1.0/24', '10.1.2.3', '2001:db8::/32', '::1', '::ffff:172.16.0.0/108']);
    const cases: [string, boolean][] = [
      ['192.168.1.77', true],
      ['192.168.2.1', false],
      ['10.1.2.3', true],
      ['10.1.2.4', false],
      ['::ffff:192.168.1.5', true],
      ['::FFFF:10.1.2.3', true],
      ['2001:db8:1234::1', true],
      ['2001:db9::1', false],
      ['::1', true],
      ['172.16.5.5', true],
      ['172.32.0.1', false],
      ['fe80::1%eth0', false],
      ['not-an-ip', false],
    ];
    for (const [ip, expected] of cases) expect([ip, list.allows(ip)]).toEqual([ip, expected]);
    expect(list.allows(undefined)).toBe(false);
  });

  it('an empty list allows everyone', () => {
    expect(createIpAllowlist([]).allows('8.8.8.8')).toBe(true);
    expect(createIpAllowlist().allows(undefined)).toBe(true);
  });

  it.each(['10.0.0.0/33', 'fd00::/129', 'nonsense', '10.0.0.0/x', '::ffff:10.0.0.0/64', '300.1.1.1'])('rejects %s with CONFIG_INVALID', (entry) => {
    expect(() => createIpAllowlist([entry])).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });

  it('normaliseIp unwraps mapped IPv4 and drops zones', () => {
    expect(normaliseIp('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(normaliseIp('fe80::1%lo0')).toBe('fe80::1');
    expect(normaliseIp('::1')).toBe('::1');
  });
});
