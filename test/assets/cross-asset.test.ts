/**
 * Per-peer assets over real BTP on 127.0.0.1: alice (USD, scale 9) → hub → bob (XRP, scale 6).
 * The hub converts at the forward with exact rates, books both legs through per-asset exchange
 * accounts, and stops only the pairs whose rate is missing or stale.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Harness, waitFor } from '../helpers/node.js';
import { computeConditionFromData, IlpPacketType, type ConnectorNode, type PaymentRequest } from '../../src/index.js';
import { sumsPerAsset } from '../../src/ledger/index.js';
import type { NodeEvent } from '../../src/node/events.js';

const h = new Harness();
afterEach(() => h.cleanup());

const XRP6 = { assetCode: 'XRP', assetScale: 6 };

async function chain(hubExtra: Record<string, unknown> = {}, beforeStart?: (hub: ConnectorNode) => void) {
  const hub = h.node({
    nodeId: 'hub',
    ilpAddress: 'g.hub',
    feeBps: 0,
    peers: [
      { id: 'alice', authToken: 'alice-secret', relation: 'child', creditLimit: '100000000000' },
      { id: 'bob', authToken: 'bob-secret', relation: 'child', creditLimit: '100000000', ...XRP6 },
    ],
    ...hubExtra,
  } as never);
  beforeStart?.(hub);
  await hub.start();
  const url = `ws://127.0.0.1:${hub.btpPort}`;
  const alice = h.node({ nodeId: 'alice', peers: [{ id: 'hub', url, authToken: 'alice-secret', relation: 'parent', creditLimit: '100000000000' }] } as never);
  const bob = h.node({ nodeId: 'bob', ...XRP6, peers: [{ id: 'hub', url, authToken: 'bob-secret', relation: 'parent', creditLimit: '100000000' }] } as never);
  const seenBob: PaymentRequest[] = [];
  const seenAlice: PaymentRequest[] = [];
  bob.setPacketHandler((req) => {
    seenBob.push(req);
    return { accept: true };
  });
  alice.setPacketHandler((req) => {
    seenAlice.push(req);
    return { accept: true };
  });
  await Promise.all([alice.start(), bob.start()]);
  await waitFor(() => hub.listPeers().every((p) => p.connected), 20_000, 'both children connected');
  return { alice, hub, bob, seenBob, seenAlice };
}

function pay(from: ConnectorNode, destination: string, amount: bigint) {
  const data = Buffer.from(`pay ${Math.random()}`);
  return from.sendPacket({ destination, amount, executionCondition: computeConditionFromData(data).condition, expiresAt: new Date(Date.now() + 20_000), data });
}

const bal = (n: ConnectorNode, account: string) => n.getAccounts().find((a) => a.account === account)?.balance ?? '0';

/** Every asset's balances sum to zero on the hub (bob's account is in XRP@6, the rest in USD@9 or named). */
function hubSums(hub: ConnectorNode): Map<string, bigint> {
  const node = { code: 'USD', scale: 9 };
  return sumsPerAsset(
    hub.getAccounts().map((a) => [a.account, BigInt(a.balance)] as [string, bigint]),
    (account) => (account === 'peer:bob' ? { code: 'XRP', scale: 6 } : node),
  );
}

describe('cross-asset forwarding USD@9 → XRP@6', () => {
  it('converts 1 USD to 1923077 drops at 1.923077 and books both legs per asset', async () => {
    const { alice, hub, bob, seenBob } = await chain({ rates: { static: { XRP: '1.923077' } } });
    expect(bob.ilpAddress).toBe('g.hub.bob');
    const r = await pay(alice, 'g.hub.bob', 1_000_000_000n);
    expect(r.type).toBe(IlpPacketType.Fulfill);
    expect(seenBob.map((s) => s.amount)).toEqual(['1923077']);
    expect(bal(hub, 'peer:alice')).toBe('1000000000');
    expect(bal(hub, 'exchange:USD@9')).toBe('-1000000000');
    expect(bal(hub, 'exchange:XRP@6')).toBe('1923077');
    expect(bal(hub, 'peer:bob')).toBe('-1923077');
    for (const [asset, sum] of hubSums(hub)) expect(sum, asset).toBe(0n);
    expect((await hub.ledgerHandle!.verify()).ok).toBe(true);
  });

  it('converts back XRP → USD rounding down, and forwards a packet that converts to 0 as 0', async () => {
    const { alice, hub, bob, seenAlice, seenBob } = await chain({ rates: { static: { XRP: '1.923077' } } });
    expect((await pay(bob, 'g.hub.alice', 1_923_076n)).type).toBe(IlpPacketType.Fulfill);
    expect(seenAlice.map((s) => s.amount)).toEqual(['999999480']);
    expect((await pay(alice, 'g.hub.bob', 1n)).type).toBe(IlpPacketType.Fulfill);
    expect(seenBob.map((s) => s.amount)).toEqual(['0']);
    for (const [asset, sum] of hubSums(hub)) expect(sum, asset).toBe(0n);
  });

  it('a missing rate is T00 naming the pair and books nothing', async () => {
    const { alice, hub } = await chain();
    const r = await pay(alice, 'g.hub.bob', 1000n);
    expect(r.type).toBe(IlpPacketType.Reject);
    if (r.type !== IlpPacketType.Reject) return;
    expect(r.code).toBe('T00');
    expect(r.message).toMatch(/no rate for USD→XRP/);
    expect(bal(hub, 'peer:alice')).toBe('0');
  });

  it('PUT /admin/rates sets a rate (persisted first), GET lists it, a float is refused', async () => {
    const { alice, hub, seenBob } = await chain({ feeBps: 10 });
    const admin = hub.endpoints.admin!;
    const put = (body: unknown) => fetch(`${admin}/admin/rates`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const bad = await put({ rates: { XRP: 2 } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { code: string }).code).toBe('RATES_INVALID');
    expect((await put({ rates: { XRP: '0' } })).status).toBe(400);
    const ok = await put({ rates: { XRP: '2' } });
    expect(ok.status).toBe(200);
    const view = (await (await fetch(`${admin}/admin/rates`)).json()) as { base: string; rates: { code: string; rate: string }[] };
    expect(view.base).toBe('USD');
    expect(view.rates).toContainEqual(expect.objectContaining({ code: 'XRP', rate: '2', source: 'static' }));
    expect((await pay(alice, 'g.hub.bob', 1_000_000_000n)).type).toBe(IlpPacketType.Fulfill);
    // 2 XRP = 2000000 drops, fee 10 bps in XRP: 2000
    expect(seenBob.map((s) => s.amount)).toEqual(['1998000']);
    expect(bal(hub, 'fees:XRP@6')).toBe('-2000');
    for (const [asset, sum] of hubSums(hub)) expect(sum, asset).toBe(0n);
  });

  it('a stale source stops its pairs with T00 and degrades health while ready stays 200', async () => {
    let calls = 0;
    const events: NodeEvent[] = [];
    const { alice, hub } = await chain({ rates: { source: { url: 'http://127.0.0.1:9/unused', pollIntervalMs: 100, maxAgeMs: 600 } } }, (n) => {
      n.setRateProvider(() => {
        calls++;
        if (calls > 1) return Promise.reject(new Error('source is down'));
        return Promise.resolve({ base: 'USD', rates: { XRP: '1.923077' } });
      });
      n.events.subscribe((batch) => events.push(...batch), { packets: false });
    });
    await waitFor(() => events.some((e) => e.type === 'rates:stale'), 20_000, 'rates:stale');
    const r = await pay(alice, 'g.hub.bob', 1000n);
    expect(r.type === IlpPacketType.Reject && r.code).toBe('T00');
    expect(r.type === IlpPacketType.Reject && r.message).toMatch(/rate USD→XRP is stale/);
    expect(hub.health().status).toBe('degraded');
    expect(hub.health().reasons.join()).toMatch(/rates are stale for XRP/);
    const health = hub.endpoints.health!;
    expect((await fetch(`${health}/health/ready`)).status).toBe(200);
    const metrics = await (await fetch(`${health}/metrics`)).text();
    expect(metrics).toMatch(/ilp_rate_stale\{asset="XRP"[^}]*\} 1/);
    expect(metrics).toMatch(/ilp_rate_age_seconds/);
  });
});
