/**
 * Secrets never reach the logs. `agent-runtime setup` writes a hub's config.yaml and .env (mode 600,
 * checked here, also after --force over a looser file); the hub starts from them, with local delivery
 * to an HTTP server that requires a bearer token, and every node logs to a file at trace level. A full
 * scenario then runs: payments alice → hub → bob and to the hub's business logic, /admin/ilp/send
 * with the API key, a wrong key, the key in a query string, a peer registered over the admin API with
 * its token, and BTP auth attempts with a wrong token and with another peer's token. Finally every
 * log line of every node is searched for each token and key: raw, hex (with and without 0x, either
 * case) and base64 (standard, unpadded, URL-safe); for hex secrets, also the bytes they encode.
 */
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import type { Logger } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { Harness, waitFor } from '../helpers/node.js';
import { RawPeer } from '../reliability/helpers.js';
import { run } from '../cli/run-command.js';
import { ConnectorNode, computeConditionFromData, createLogger, IlpPacketType } from '../../src/index.js';
import { buildNode } from '../../src/cli/node-factory.js';

const h = new Harness();
afterEach(() => h.cleanup());

/** Every way a secret could be spelled in a log line. */
function spellings(secret: string): string[] {
  const utf8 = Buffer.from(secret, 'utf8');
  const out = new Set<string>([secret, utf8.toString('hex'), `0x${utf8.toString('hex')}`, utf8.toString('base64'), utf8.toString('base64').replace(/=+$/, ''), utf8.toString('base64url')]);
  const hex = secret.replace(/^0x/i, '');
  if (/^[0-9a-f]+$/i.test(hex) && hex.length % 2 === 0) {
    const bytes = Buffer.from(hex, 'hex');
    for (const s of [hex.toLowerCase(), hex.toUpperCase(), `0x${hex.toLowerCase()}`, bytes.toString('base64'), bytes.toString('base64').replace(/=+$/, ''), bytes.toString('base64url')]) out.add(s);
  }
  return [...out];
}

const flush = (logger: Logger) => new Promise<void>((resolve) => logger.flush(() => resolve()));

describe('secrets in logs', () => {
  it('setup writes .env with mode 600, also over a looser existing file', async () => {
    const dir = h.dir();
    const args = ['setup', '--yes', '--node-id', 'hub', '--child', 'alice', '--output-dir', dir];
    expect((await run(args)).exitCode).toBe(0);
    expect(statSync(join(dir, '.env')).mode & 0o777).toBe(0o600);
    chmodSync(join(dir, '.env'), 0o644);
    expect((await run([...args, '--force'])).exitCode).toBe(0);
    expect(statSync(join(dir, '.env')).mode & 0o777).toBe(0o600);
  });

  it('a full scenario at trace level logs none of the configured tokens and keys, in any encoding', { timeout: 60_000 }, async () => {
    const dir = h.dir();
    const setup = await run(['setup', '--yes', '--node-id', 'hub', '--child', 'alice', '--child', 'bob', '--btp-port', '0', '--health-port', '0', '--admin-port', '0', '--output-dir', dir]);
    expect(setup.exitCode).toBe(0);
    expect(statSync(join(dir, '.env')).mode & 0o777).toBe(0o600);
    const env = parseEnv(readFileSync(join(dir, '.env'), 'utf8')) as Record<string, string>;
    const apiKey = env.AGENT_RUNTIME_API_KEY;
    const aliceToken = env.BTP_PEER_ALICE_SECRET;
    const bobToken = env.BTP_PEER_BOB_SECRET;
    expect([apiKey, aliceToken, bobToken].every((s) => typeof s === 'string' && s.length >= 32)).toBe(true);
    const deliveryToken = 'delivery-bearer-Zk9q2LmX81vTq0aa';
    const runtimePeerToken = 'runtime-peer-token-Yq7Hw3nB5pL2';
    const wrongToken = 'wrong-token-attempt-Pq4Rt7Uv9Wx2';
    const secrets = { apiKey, aliceToken, bobToken, deliveryToken, runtimePeerToken, wrongToken };

    // the hub's business logic: answers only with the right bearer token
    const auths: (string | undefined)[] = [];
    const bls = createServer((req: IncomingMessage, res: ServerResponse) => {
      auths.push(req.headers.authorization);
      req.resume();
      req.on('end', () => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(req.headers.authorization === `Bearer ${deliveryToken}` ? { accept: true } : { accept: false, rejectReason: { code: 'unauthorized', message: 'no' } }));
      });
    });
    await new Promise<void>((r) => bls.listen(0, '127.0.0.1', r));
    h.onCleanup(() => new Promise<void>((r) => bls.close(() => r())));
    const handlerUrl = `http://127.0.0.1:${(bls.address() as AddressInfo).port}`;

    const logs = { hub: join(dir, 'hub.log'), alice: join(dir, 'alice.log'), bob: join(dir, 'bob.log') };
    // the hub is built as `agent-runtime start --config config.yaml --log-file hub.log --log-level trace` builds it
    const built = buildNode({
      config: join(dir, 'config.yaml'),
      json: true,
      logFile: logs.hub,
      logLevel: 'trace',
      overrides: { dataDir: join(dir, 'hub-data'), 'localDelivery.enabled': true, 'localDelivery.handlerUrl': handlerUrl, 'localDelivery.authToken': deliveryToken },
    });
    const hub = built.node;
    const loggers = { hub: built.logger, alice: createLogger('alice', 'trace', logs.alice), bob: createLogger('bob', 'trace', logs.bob) };
    h.onCleanup(() => hub.stop());
    await hub.start();
    const url = `ws://127.0.0.1:${hub.btpPort}`;
    const child = (id: 'alice' | 'bob', token: string) =>
      new ConnectorNode({ nodeId: id, dataDir: join(dir, `${id}-data`), btpServerPort: 0, healthCheckPort: 0, logLevel: 'trace', adminApi: { enabled: false }, peers: [{ id: 'hub', url, authToken: token, relation: 'parent' }] }, loggers[id], { env: {} });
    const alice = child('alice', aliceToken);
    const bob = child('bob', bobToken);
    h.onCleanup(() => Promise.all([alice.stop(), bob.stop()]).then(() => undefined));
    bob.setPacketHandler(() => ({ accept: true }));
    await Promise.all([alice.start(), bob.start()]);

    const pay = (destination: string, amount: bigint) => {
      const data = Buffer.from(`secret scenario ${Math.random()}`);
      return alice.sendPacket({ destination, amount, executionCondition: computeConditionFromData(data).condition, expiresAt: new Date(Date.now() + 10_000), data });
    };
    for (let i = 0; i < 5; i++) expect((await pay('g.hub.bob', 1000n)).type).toBe(IlpPacketType.Fulfill);
    for (let i = 0; i < 3; i++) expect((await pay('g.hub', 500n)).type).toBe(IlpPacketType.Fulfill);
    expect(auths).toEqual([`Bearer ${deliveryToken}`, `Bearer ${deliveryToken}`, `Bearer ${deliveryToken}`]);

    const admin = hub.endpoints.admin!;
    const post = (path: string, body: unknown, key = apiKey) => fetch(`${admin}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': key }, body: JSON.stringify(body) });
    const send = await post('/admin/ilp/send', { destination: 'g.hub.bob', amount: '700', data: Buffer.from('via admin').toString('base64') });
    expect(await send.json()).toMatchObject({ fulfilled: true });
    expect((await post('/admin/ilp/send', { destination: 'g.hub.bob', amount: '1' }, wrongToken)).status).toBe(401);
    expect((await fetch(`${admin}/admin/peers?apiKey=${apiKey}`)).status).toBe(401);
    expect((await fetch(`${admin}/admin/peers`, { headers: { 'x-api-key': apiKey } })).status).toBe(200);
    expect((await post('/admin/peers', { id: 'carol', authToken: runtimePeerToken, relation: 'child' })).status).toBe(201);
    expect((await fetch(`${admin}/admin/peers/carol`, { method: 'DELETE', headers: { 'x-api-key': apiKey } })).status).toBe(200);

    // BTP: a wrong token, and alice's name with bob's token
    for (const [user, token] of [
      ['alice', wrongToken],
      ['alice', bobToken],
      ['mallory', aliceToken],
    ]) {
      const { peer } = await RawPeer.connect(url, user, token);
      expect(await peer.closed).toBe(1008);
    }
    await waitFor(() => hub.listPeers().every((p) => p.connected), 5000, 'children still connected');

    await Promise.all([alice.stop(), bob.stop(), hub.stop()]);
    await Promise.all(Object.values(loggers).map(flush));

    const text = Object.values(logs)
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    const lines = text.split('\n').filter((l) => l !== '');
    // the logs are real and detailed: every level down to debug/trace, auth refusals and requests included
    expect(lines.length).toBeGreaterThan(25);
    expect(text).toMatch(/"level":20/);
    expect(text).toMatch(/btp auth refused/);
    expect(text).toMatch(/http request/);
    expect(text).toMatch(/config loaded/);
    const found: string[] = [];
    const lower = text.toLowerCase();
    for (const [name, secret] of Object.entries(secrets)) {
      for (const s of spellings(secret)) {
        const hexLike = /^(0x)?[0-9a-f]+$/i.test(s);
        if (hexLike ? lower.includes(s.toLowerCase()) : text.includes(s)) found.push(`${name} as ${s}`);
      }
    }
    expect(found).toEqual([]);
    writeFileSync(join(dir, 'checked.txt'), `${lines.length} log lines checked for ${Object.keys(secrets).length} secrets\n`);
  });
});
