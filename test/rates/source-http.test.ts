/**
 * Bad input from a rate source polled over real HTTP (issue 19 "Proof: bad input"): a hub in USD@9 with
 * children alice (USD@9), bob (XRP@6) and carol (USD@9), its rates from a server on 127.0.0.1 whose
 * answer the test changes. A document missing XRP, an answer that is not JSON, a zero rate, and a
 * source that stops answering each give a clear error (a `rates:error` event naming the reason) or a
 * T00 naming the pair, never a wrong amount; the USD↔USD traffic goes on meanwhile, `/health` says
 * degraded and `/health/ready` stays 200.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { computeConditionFromData, IlpPacketType, type ConnectorNode, type PaymentRequest } from '../../src/index.js';
import type { NodeEvent } from '../../src/node/events.js';
import { Harness, waitFor } from '../helpers/node.js';

const h = new Harness();
let server: Server | undefined;
afterEach(async () => {
  await h.cleanup();
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** A rate source whose next answer is `answer` (status, body). */
async function rateServer(): Promise<{ url: string; answer: { status: number; body: string } }> {
  const state = { answer: { status: 200, body: '{"base":"USD","rates":{"EUR":"0.92"}}' } };
  server = createServer((_req, res) => {
    res.writeHead(state.answer.status, { 'content-type': 'application/json' });
    res.end(state.answer.body);
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/rates`,
    get answer() {
      return state.answer;
    },
    set answer(a) {
      state.answer = a;
    },
  };
}

function pay(from: ConnectorNode, destination: string, amount: bigint) {
  const data = Buffer.from(`pay ${Math.random()}`);
  return from.sendPacket({ destination, amount, executionCondition: computeConditionFromData(data).condition, expiresAt: new Date(Date.now() + 20_000), data });
}

const balance = (n: ConnectorNode, account: string) => n.getAccounts().find((a) => a.account === account)?.balance ?? '0';

describe('a rate source over HTTP that answers badly', () => {
  it('missing asset, not JSON, zero rate, then down: T00 naming the pair or an error naming the reason, never a wrong amount; other pairs go on', { timeout: 90_000 }, async () => {
    const source = await rateServer();
    const events: NodeEvent[] = [];
    const hub = h.node({
      nodeId: 'hub',
      ilpAddress: 'g.hub',
      feeBps: 0,
      rates: { base: 'USD', source: { url: source.url, pollIntervalMs: 100, maxAgeMs: 4000 } },
      peers: [
        { id: 'alice', authToken: 'a', relation: 'child', creditLimit: '100000000000' },
        { id: 'bob', authToken: 'b', relation: 'child', creditLimit: '100000000000', assetCode: 'XRP', assetScale: 6 },
        { id: 'carol', authToken: 'c', relation: 'child', creditLimit: '100000000000' },
      ],
    } as never);
    hub.events.subscribe((batch) => events.push(...batch), { packets: false });
    await hub.start();
    const url = `ws://127.0.0.1:${hub.btpPort}`;
    const child = (id: string, token: string, extra: Record<string, unknown> = {}) =>
      h.node({ nodeId: id, ...extra, peers: [{ id: 'hub', url, authToken: token, relation: 'parent', creditLimit: '100000000000' }] } as never);
    const alice = child('alice', 'a');
    const bob = child('bob', 'b', { assetCode: 'XRP', assetScale: 6 });
    const carol = child('carol', 'c');
    const got: PaymentRequest[] = [];
    bob.setPacketHandler((req) => {
      got.push(req);
      return { accept: true };
    });
    carol.setPacketHandler(() => ({ accept: true }));
    await Promise.all([alice.start(), bob.start(), carol.start()]);
    await waitFor(() => hub.listPeers().every((p) => p.connected), 30_000, 'children connected');

    // 1. the document has no XRP: USD→XRP is T00 naming the pair, nothing booked; USD→USD goes on
    const missing = await pay(alice, 'g.hub.bob', 1_000_000_000n);
    expect(missing).toMatchObject({ type: IlpPacketType.Reject, code: 'T00', message: expect.stringMatching(/USD→XRP/) });
    expect(balance(hub, 'peer:bob')).toBe('0');
    expect((await pay(alice, 'g.hub.carol', 5000n)).type).toBe(IlpPacketType.Fulfill);

    // 2. a good answer: 1 USD is exactly 2 XRP
    source.answer = { status: 200, body: '{"base":"USD","rates":{"XRP":2}}' };
    await waitFor(() => events.some((e) => e.type === 'rates:updated' && (e as { assets?: string[] }).assets?.includes('XRP')), 30_000, 'XRP from the source');
    expect((await pay(alice, 'g.hub.bob', 1_000_000_000n)).type).toBe(IlpPacketType.Fulfill);
    expect(got.map((r) => r.amount)).toEqual(['2000000']);

    // 3. garbage, then a zero rate: each is an error naming the reason; the last good rate holds (or,
    // past maxAgeMs on a slow machine, T00): never another amount
    source.answer = { status: 200, body: '<html>oops</html>' };
    await waitFor(() => events.some((e) => e.type === 'rates:error' && /not JSON/.test((e as { message: string }).message)), 30_000, 'rates:error naming the garbage');
    source.answer = { status: 200, body: '{"base":"USD","rates":{"XRP":0}}' };
    await waitFor(() => events.some((e) => e.type === 'rates:error' && /XRP.*zero/.test((e as { message: string }).message)), 30_000, 'rates:error naming the zero rate');
    const during = await pay(alice, 'g.hub.bob', 1_000_000_000n);
    if (during.type === IlpPacketType.Fulfill) expect(got.at(-1)?.amount).toBe('2000000');
    else expect(during).toMatchObject({ type: IlpPacketType.Reject, code: 'T00' });

    // 4. the source is down: past maxAgeMs its pairs stop with T00, the rest goes on
    source.answer = { status: 503, body: 'down' };
    await waitFor(() => events.some((e) => e.type === 'rates:error' && /HTTP 503/.test((e as { message: string }).message)), 30_000, 'rates:error naming HTTP 503');
    await waitFor(() => hub.health().status === 'degraded', 30_000, 'health degraded by the stale source');
    await waitFor(() => events.some((e) => e.type === 'rates:stale'), 30_000, 'rates:stale');
    const stale = await pay(alice, 'g.hub.bob', 1_000_000_000n);
    expect(stale).toMatchObject({ type: IlpPacketType.Reject, code: 'T00', message: expect.stringMatching(/USD→XRP is stale/) });
    expect((await pay(alice, 'g.hub.carol', 5000n)).type).toBe(IlpPacketType.Fulfill);
    expect((await fetch(`${hub.endpoints.health!}/health/ready`)).status).toBe(200);

    // whatever bob got was exactly 2 XRP per USD; the hub's books balance
    for (const r of got) expect(r.amount).toBe('2000000');
    expect(BigInt(balance(hub, 'peer:bob'))).toBe(-2_000_000n * BigInt(got.length));
    expect(await hub.ledgerHandle!.verify()).toMatchObject({ ok: true });
  });
});
