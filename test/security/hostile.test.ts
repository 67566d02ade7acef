/**
 * Hostile input over real sockets: unreadable BTP frames after auth, unauthenticated sockets, a peer
 * trying to act as another, and the admin API's defences (loopback bind, constant-time key by construction, allowlist
 * before key, no CORS, body limit). Last, the production profile refuses the development shortcuts.
 */
import { networkInterfaces } from 'node:os';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Harness, quietLogger, waitFor } from '../helpers/node.js';
import { RawPeer } from '../reliability/helpers.js';
import { BtpType, decodeBtp, encodeAuthMessage, encodeBtpIlp, getIlpData, serializeFulfill, serializePrepare, deserializeIlpPacket } from '../../src/codec.js';
import { ConnectorNode, computeConditionFromData, type ConnectorNode as Node } from '../../src/index.js';
import { createKeyMatcher } from '../../src/node/http/admin-auth.js';
import { createKeyRing } from '../../src/agents/scopes.js';
import type { PeerSet } from '../../src/node/peers.js';

const h = new Harness();
afterEach(() => h.cleanup());

const account = (n: Node, name: string) => n.getAccounts().find((a) => a.account === name);

/** Unreadable frames the hub dropped on a peer's link (BtpLink.droppedFrames; not on any public surface). */
const dropped = (hub: Node, peerId: string) => (hub as unknown as { peers: PeerSet }).peers.get(peerId)?.link?.droppedFrames;

async function hubWithRawChildren(ids: string[]) {
  const hub = h.node({
    nodeId: 'hub',
    ilpAddress: 'g.hub',
    peers: ids.map((id) => ({ id, authToken: `${id}-secret`, relation: 'child', creditLimit: '1000000' })),
  } as never);
  await hub.start();
  const url = `ws://127.0.0.1:${hub.btpPort}`;
  return { hub, url };
}

function prepareFrame(requestId: number, destination: string, amount: bigint, text = `p ${Math.random()}`) {
  const data = Buffer.from(text);
  const { fulfillment, condition } = computeConditionFromData(data);
  const ilp = serializePrepare({ amount, expiresAt: new Date(Date.now() + 10_000), executionCondition: condition, destination, data });
  return { frame: encodeBtpIlp(BtpType.Message, requestId, ilp), fulfillment };
}

/** A raw child that fulfils every Prepare it gets (fulfillment = sha256(data), the simple convention). */
async function fulfillingChild(url: string, id: string): Promise<RawPeer> {
  const { peer } = await RawPeer.connect(url, id, `${id}-secret`);
  peer.onFrame((f) => {
    const frame = decodeBtp(f);
    const ilp = frame.type === BtpType.Message ? getIlpData(frame) : undefined;
    if (ilp?.[0] !== 12) return;
    const p = deserializeIlpPacket(ilp);
    if (p.type !== 12) return;
    const fulfillment = computeConditionFromData(p.prepare.data).fulfillment;
    peer.send(encodeBtpIlp(BtpType.Response, frame.requestId, serializeFulfill({ fulfillment, data: Buffer.alloc(0) })));
  });
  return peer;
}

describe('BTP: hostile frames over a real socket', () => {
  it('drops unreadable frames without a reply and counts them; the 100th within 10 s closes the socket with 1008', async () => {
    const { hub, url } = await hubWithRawChildren(['alice', 'bob']);
    await fulfillingChild(url, 'bob');
    const { peer: alice, authReply } = await RawPeer.connect(url, 'alice', 'alice-secret');
    expect(decodeBtp(authReply).type).toBe(BtpType.Response);
    const garbage = [Buffer.from([0xff, 1, 2, 3]), Buffer.alloc(0), Buffer.from('not btp at all'), Buffer.from([6, 0, 0, 0, 1, 0x85, 0xff])];
    for (let i = 0; i < 99; i++) alice.send(garbage[i % garbage.length]);
    // a text frame is unreadable too
    await waitFor(() => dropped(hub, 'alice') === 99, 5000, '99 frames dropped');
    // still open and still served: a real packet after the garbage is answered
    const { frame } = prepareFrame(42, 'g.hub.bob', 100n);
    alice.send(frame);
    await waitFor(() => alice.frames.length > 0, 5000, 'the answer to the real packet');
    expect(alice.frames).toHaveLength(1); // nothing answered the 99 unreadable frames
    const answer = decodeBtp(alice.frames[0]);
    expect(answer).toMatchObject({ type: BtpType.Response, requestId: 42 });
    expect(getIlpData(answer)?.[0]).toBe(13);
    // the 100th unreadable frame within the window closes the socket
    alice.ws.send('text frames are not BTP');
    expect(await alice.closed).toBe(1008);
    expect(alice.frames).toHaveLength(1);
    await waitFor(() => !hub.listPeers().find((p) => p.id === 'alice')!.connected, 5000, 'alice disconnected');
  });

  it('an unauthenticated socket gets one auth error and nothing else, whatever it sends', async () => {
    const { hub, url } = await hubWithRawChildren(['alice', 'bob']);
    await fulfillingChild(url, 'bob');
    let prepared = 0;
    hub.events.subscribe((batch) => (prepared += batch.filter((e) => e.type === 'packet:prepared').length));
    const { WebSocket } = await import('ws');
    const ws = new WebSocket(`ws://127.0.0.1:${hub.btpPort}`);
    const frames: Buffer[] = [];
    ws.on('message', (d: Buffer) => frames.push(d));
    ws.on('error', () => undefined);
    const closed = new Promise<number>((r) => ws.on('close', (c) => r(c)));
    await new Promise((r) => ws.on('open', r));
    // a valid Prepare first (no auth), then more of them and an auth message that comes too late
    for (let i = 1; i <= 5; i++) ws.send(prepareFrame(i, 'g.hub.bob', 10n).frame);
    ws.send(encodeAuthMessage(9, 'alice', 'alice-secret'));
    expect(await closed).toBe(1008);
    expect(frames).toHaveLength(1);
    const err = decodeBtp(frames[0]);
    expect(err.type).toBe(BtpType.Error);
    if (err.type === BtpType.Error) expect(err.data.toString()).toMatch(/first frame must be a BTP auth message/);
    expect(prepared).toBe(0);
    expect(account(hub, 'peer:bob')?.balance ?? '0').toBe('0');
    expect(hub.listPeers().find((p) => p.id === 'alice')!.connected).toBe(false);
  });

  it("refuses a peer id with another peer's token", async () => {
    const { url } = await hubWithRawChildren(['alice', 'bob']);
    const { peer, authReply } = await RawPeer.connect(url, 'bob', 'alice-secret');
    const reply = decodeBtp(authReply);
    expect(reply.type).toBe(BtpType.Error);
    if (reply.type === BtpType.Error) expect(reply.data.toString()).toBe('unknown peer id or wrong auth_token');
    expect(await peer.closed).toBe(1008);
  });

  it("a peer cannot send as another: frames on alice's socket are booked on peer:alice, whatever they name", async () => {
    const { hub, url } = await hubWithRawChildren(['alice', 'bob', 'carol']);
    await fulfillingChild(url, 'carol');
    const bob = await fulfillingChild(url, 'bob');
    const { peer: alice } = await RawPeer.connect(url, 'alice', 'alice-secret');
    // a second auth message naming bob on alice's socket changes nothing (it is not auth any more)
    alice.send(encodeAuthMessage(7, 'bob', 'bob-secret'));
    await waitFor(() => alice.frames.length === 1, 5000, 'an answer to the second auth');
    expect(decodeBtp(alice.frames[0]).type).toBe(BtpType.Error);
    // a Prepare whose data and address name bob (g.hub.bob is bob's own address) ...
    const asBob = prepareFrame(8, 'g.hub.carol', 5000n, 'from g.hub.bob, really');
    alice.send(asBob.frame);
    await waitFor(() => alice.frames.length === 2, 5000, 'the answer');
    expect(getIlpData(decodeBtp(alice.frames[1]))?.[0]).toBe(13);
    // ... is alice's payment: alice owes it, carol is paid, bob is untouched
    expect(account(hub, 'peer:alice')?.balance).toBe('5000');
    expect(account(hub, 'peer:carol')?.balance).toBe('-4995');
    expect(account(hub, 'peer:bob')?.balance ?? '0').toBe('0');
    // and one addressed to bob pays bob from alice, not the other way round
    alice.send(prepareFrame(9, 'g.hub.bob', 2000n).frame);
    await waitFor(() => alice.frames.length === 3, 5000, 'the answer');
    expect(account(hub, 'peer:alice')?.balance).toBe('7000');
    expect(account(hub, 'peer:bob')?.balance).toBe('-1998');
    expect(bob.frames.length).toBe(1);
    // a packet routed back to its source is refused, nothing booked
    alice.send(prepareFrame(10, 'g.hub.alice.x', 10n).frame);
    await waitFor(() => alice.frames.length === 4, 5000, 'the answer');
    const back = deserializeIlpPacket(getIlpData(decodeBtp(alice.frames[3]))!);
    expect(back.type === 14 && back.reject.code).toBe('F02');
    expect(account(hub, 'peer:alice')?.balance).toBe('7000');
  });
});

describe('admin API defences', () => {
  it('binds to 127.0.0.1 by default and cannot be reached on another interface', async () => {
    const n = h.node({ nodeId: 'solo', ilpAddress: 'g.solo' });
    expect(n.config.adminApi.host).toBe('127.0.0.1');
    await n.start();
    const admin = new URL(n.endpoints.admin!);
    expect(admin.hostname).toBe('127.0.0.1');
    const external = Object.values(networkInterfaces())
      .flat()
      .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
    if (external !== undefined) {
      const refused = await new Promise<string>((resolve) => {
        const s = connect(Number(admin.port), external);
        s.once('connect', () => {
          s.destroy();
          resolve('connected');
        });
        s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
      });
      expect(refused).toBe('ECONNREFUSED');
    }
  });

  it('checks allowedIps before the key (403 even with the right key), then the key (401)', async () => {
    const locked = h.node({ nodeId: 'locked', ilpAddress: 'g.locked', adminApi: { enabled: true, port: 0, apiKey: 'right-key-123', allowedIps: ['10.0.0.0/8'] } });
    await locked.start();
    for (const headers of [{ 'x-api-key': 'right-key-123' }, {}, { 'x-api-key': 'wrong' }] as Record<string, string>[]) {
      const res = await fetch(`${locked.endpoints.admin!}/admin/peers`, { headers });
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({ error: 'Forbidden', code: 'FORBIDDEN' });
    }
    expect((await fetch(`${locked.endpoints.admin!}/health`)).status).toBe(403);

    const open = h.node({ nodeId: 'open', ilpAddress: 'g.open', adminApi: { enabled: true, port: 0, apiKey: 'right-key-123', allowedIps: ['127.0.0.1'] } });
    await open.start();
    const url = `${open.endpoints.admin!}/admin/peers`;
    expect((await fetch(url)).status).toBe(401);
    expect((await fetch(url, { headers: { 'x-api-key': 'wrong' } })).status).toBe(401);
    expect((await fetch(url, { headers: { 'x-api-key': 'right-key-12' } })).status).toBe(401);
    expect((await fetch(`${url}?apiKey=right-key-123`)).status).toBe(401);
    expect((await fetch(url, { headers: { 'x-api-key': 'right-key-123' } })).status).toBe(200);
  });

  it('compares the key in constant time by construction: timingSafeEqual always gets two 32-byte digests, once per check', () => {
    // (replaces a timing measurement that failed on a busy CI machine: the property holds by construction)
    const seen: [number, number][] = [];
    const recording = (a: Buffer, b: Buffer) => {
      seen.push([a.length, b.length]);
      return a.equals(b);
    };
    const key = 'k'.repeat(64);
    const matches = createKeyMatcher(key, recording);
    const candidates: (string | undefined)[] = [undefined, '', 'x', `x${'k'.repeat(63)}`, `${'k'.repeat(63)}x`, 'k'.repeat(65), 'k'.repeat(4096), 'é'.repeat(100)];
    for (const c of candidates) expect(matches(c)).toBe(false);
    expect(matches(key)).toBe(true);
    expect(seen).toHaveLength(candidates.length + 1);
    for (const pair of seen) expect(pair).toEqual([32, 32]);
    // the default comparison is node's timingSafeEqual (it throws on unequal lengths: digests never are)
    expect(createKeyMatcher(key)('short')).toBe(false);
    expect(createKeyMatcher(key)(key)).toBe(true);
    // the admin API's key ring (apiKey plus scoped keys) is built the same way: every key compared, as digests
    seen.length = 0;
    const ring = createKeyRing(key, [{ name: 'reader', key: 'r'.repeat(40), scopes: ['read'] }], recording)!;
    for (const c of candidates) expect(ring(c)).toBeUndefined();
    expect(ring(key)?.name).toBeDefined();
    expect(seen).toHaveLength(2 * (candidates.length + 1));
    for (const pair of seen) expect(pair).toEqual([32, 32]);
  });

  it('sends no CORS headers and answers preflights with nothing a browser accepts', async () => {
    const n = h.node({ nodeId: 'cors', ilpAddress: 'g.cors' });
    await n.start();
    const origin = { origin: 'https://evil.example' };
    const get = await fetch(`${n.endpoints.admin!}/admin/peers`, { headers: origin });
    expect(get.status).toBe(200);
    const pre = await fetch(`${n.endpoints.admin!}/admin/ilp/send`, { method: 'OPTIONS', headers: { ...origin, 'access-control-request-method': 'POST' } });
    for (const res of [get, pre]) {
      for (const name of res.headers.keys()) expect(name.startsWith('access-control-')).toBe(false);
    }
    expect(pre.status).toBeGreaterThanOrEqual(400);
  });

  it('limits request bodies (413) and refuses a body that is not a JSON object', async () => {
    const n = h.node({ nodeId: 'limits', ilpAddress: 'g.limits' });
    await n.start();
    const big = await fetch(`${n.endpoints.admin!}/admin/peers`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'x', authToken: 'y'.repeat(70_000) }),
    });
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    const text = await fetch(`${n.endpoints.admin!}/admin/peers`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'id=x' });
    expect(text.status).toBe(400);
    expect(await text.json()).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(n.listPeers()).toEqual([]);
  });
});

describe('production profile', () => {
  const DEV_KEY = 'ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';
  const evm = { rpcUrl: 'https://rpc.example', chainId: 8453, contract: `0x${'1'.repeat(40)}`, token: `0x${'2'.repeat(40)}` };

  const refusal = (configOrPath: string | Record<string, unknown>, env: Record<string, string> = {}) => {
    try {
      new ConnectorNode(configOrPath, quietLogger(), { env });
    } catch (e) {
      return e as { code?: string; issues?: { path: string; message: string; hint?: string }[] };
    }
    return undefined;
  };

  it('refuses the development keys, plain-http RPC URLs and an admin API without a key', () => {
    const dir = h.dir();
    const file = join(dir, 'prod.yaml');
    writeFileSync(
      file,
      [
        'nodeId: prod',
        'security:',
        '  environment: production',
        'adminApi:',
        '  enabled: true',
        'settlement:',
        '  enabled: true',
        '  evm:',
        '    rpcUrl: http://10.0.0.5:8545',
        `    chainId: ${evm.chainId}`,
        `    contract: "${evm.contract}"`,
        `    token: "${evm.token}"`,
        '    privateKey: ${AGENT_RUNTIME_EVM_PRIVATE_KEY}',
        '  xrpl:',
        '    server: ws://rippled.example:6006',
        '    seed: ${AGENT_RUNTIME_XRPL_SEED}',
        '',
      ].join('\n'),
    );
    const err = refusal(file, { AGENT_RUNTIME_EVM_PRIVATE_KEY: `0x${DEV_KEY}`, AGENT_RUNTIME_XRPL_SEED: 'sEdSomeSeedValue1234567890123' });
    expect(err?.code).toBe('CONFIG_INVALID');
    const byPath = Object.fromEntries((err?.issues ?? []).map((i) => [i.path, i]));
    expect(byPath['settlement.evm.privateKey']?.message).toMatch(/well-known Anvil\/Hardhat development key/);
    expect(byPath['settlement.evm.rpcUrl']?.message).toMatch(/plain http:\/\//);
    expect(byPath['settlement.xrpl.server']?.message).toMatch(/plain ws:\/\//);
    expect(byPath['adminApi.apiKey']?.message).toMatch(/required: security.environment is production/);
    // no secret in the error
    expect(JSON.stringify(err) + String((err as Error).message)).not.toContain(DEV_KEY);
  });

  it('accepts the same node with an API key and no development shortcuts', () => {
    expect(refusal({ nodeId: 'prod', security: { environment: 'production' }, adminApi: { apiKey: 'a-long-random-key' }, settlement: { enabled: true, evm: { ...evm, privateKey: `0x${'ab'.repeat(32)}` } } })).toBeUndefined();
    // the development profile keeps the shortcuts working
    expect(refusal({ nodeId: 'dev', settlement: { enabled: true, evm: { ...evm, rpcUrl: 'http://127.0.0.1:8545', privateKey: DEV_KEY } } })).toBeUndefined();
  });
});
