/**
 * Property (issue 19 "Proof"): under random cross-asset traffic with the rates changing mid-flight,
 * every asset's balances on the hub sum to zero and no packet leaves with more value than it brought.
 * A hub (USD@9) with three children over real BTP, alice USD@9, bob XRP@6, carol EUR@2; fast-check
 * draws each run's script: packets between any two children with amounts of any size (some beyond
 * UInt64 once converted: F08, nothing booked) and PUT /admin/rates calls, all fired at once.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeConditionFromData, type ConnectorNode } from '../../src/index.js';
import type { NodeEvent } from '../../src/node/events.js';
import { Harness, waitFor } from '../helpers/node.js';

const h = new Harness();
const ASSETS = { alice: { code: 'USD', scale: 9 }, bob: { code: 'XRP', scale: 6 }, carol: { code: 'EUR', scale: 2 } } as const;
type Who = keyof typeof ASSETS;
const WHO: Who[] = ['alice', 'bob', 'carol'];
const LIMIT = '18000000000000000000';
const XRP_RATES = ['1.923077', '2', '0.5', '3.3', '0.000001'];
const EUR_RATES = ['0.92', '1.1', '0.0123', '250'];

let hub: ConnectorNode;
const nodes = new Map<Who, ConnectorNode>();
const events: NodeEvent[] = [];

beforeAll(async () => {
  hub = h.node({
    nodeId: 'hub',
    ilpAddress: 'g.hub',
    feeBps: 7,
    rates: { base: 'USD', static: { XRP: XRP_RATES[0], EUR: EUR_RATES[0] }, spread: '0.001' },
    peers: WHO.map((id) => ({ id, authToken: `${id}-secret`, relation: 'child', creditLimit: LIMIT, assetCode: ASSETS[id].code, assetScale: ASSETS[id].scale })),
  } as never);
  hub.events.subscribe((batch) => events.push(...batch));
  await hub.start();
  const url = `ws://127.0.0.1:${hub.btpPort}`;
  for (const id of WHO) {
    const n = h.node({ nodeId: id, assetCode: ASSETS[id].code, assetScale: ASSETS[id].scale, peers: [{ id: 'hub', url, authToken: `${id}-secret`, relation: 'parent', creditLimit: LIMIT }] } as never);
    n.setPacketHandler(() => ({ accept: true }));
    nodes.set(id, n);
  }
  await Promise.all([...nodes.values()].map((n) => n.start()));
  await waitFor(() => hub.listPeers().every((p) => p.connected), 30_000, 'children connected');
}, 90_000);
afterAll(() => h.cleanup(), 60_000);

/** Units of D one unit of S buys at these rates (USD is the base): rate[D] / rate[S] × 10^(d − s), exact. */
function factor(from: Who, to: Who, rates: Record<string, string>): { num: bigint; den: bigint } {
  const r = (code: string) => {
    const text = code === 'USD' ? '1' : rates[code];
    const [whole, frac = ''] = text.split('.');
    return { num: BigInt(whole + frac), den: 10n ** BigInt(frac.length) };
  };
  const s = ASSETS[from];
  const d = ASSETS[to];
  const rs = r(s.code);
  const rd = r(d.code);
  let num = rd.num * rs.den;
  let den = rd.den * rs.num;
  if (d.scale >= s.scale) num *= 10n ** BigInt(d.scale - s.scale);
  else den *= 10n ** BigInt(s.scale - d.scale);
  return { num, den };
}

type Step = { kind: 'pay'; from: Who; to: Who; amount: bigint } | { kind: 'rate'; XRP: string; EUR: string };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('pay' as const), from: fc.constantFrom(...WHO), to: fc.constantFrom(...WHO), amount: fc.bigInt({ min: 0n, max: 10n ** 13n }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('rate' as const), XRP: fc.constantFrom(...XRP_RATES), EUR: fc.constantFrom(...EUR_RATES) }) },
);

function pay(from: Who, to: Who, amount: bigint) {
  const data = Buffer.from(`${from}→${to} ${amount} ${Math.random()}`);
  return nodes.get(from)!.sendPacket({ destination: `g.hub.${to}`, amount, executionCondition: computeConditionFromData(data).condition, expiresAt: new Date(Date.now() + 30_000), data });
}

function setRates(r: { XRP: string; EUR: string }) {
  return fetch(`${hub.endpoints.admin!}/admin/rates`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rates: r }) }).then(async (res) => {
    expect(res.status, await res.text()).toBe(200);
  });
}

describe('random cross-asset traffic with rates changing mid-flight (property)', () => {
  it('every asset sums to zero on the hub, and no packet leaves with more than it brought at the highest rate of its run', { timeout: 180_000 }, async () => {
    const seen = new Set<string>();
    let crossAsset = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 5, maxLength: 40 }), async (script) => {
        const used: Record<string, string>[] = [await currentRates()];
        const pending: Promise<unknown>[] = [];
        for (const s of script) {
          if (s.kind === 'pay') {
            if (s.from !== s.to) pending.push(pay(s.from, s.to, s.amount));
          } else {
            used.push({ XRP: s.XRP, EUR: s.EUR });
            pending.push(setRates({ XRP: s.XRP, EUR: s.EUR }));
          }
        }
        await Promise.all(pending);
        await waitFor(() => hub.getAccounts().every((a) => (a.reserved ?? '0') === '0'), 30_000, 'no reservation left');

        const sums = new Map<string, bigint>();
        for (const a of hub.getAccounts()) sums.set(`${a.assetCode}@${a.assetScale}`, (sums.get(`${a.assetCode}@${a.assetScale}`) ?? 0n) + BigInt(a.balance));
        for (const [asset, sum] of sums) expect(sum, asset).toBe(0n);
        expect(await hub.ledgerHandle!.verify()).toMatchObject({ ok: true });

        for (const e of events) {
          if (e.type !== 'packet:fulfilled' || seen.has(e.packetId)) continue;
          seen.add(e.packetId);
          const from = e.from as Who;
          const to = e.to as Who;
          if (ASSETS[from].code !== ASSETS[to].code) crossAsset++;
          // out ≤ in × the highest factor of any rate in force during the run (spread and fee only take)
          const bound = used.map((r) => factor(from, to, r)).reduce((a, b) => (a.num * b.den >= b.num * a.den ? a : b));
          expect(BigInt(e.amountOut) * bound.den <= BigInt(e.amount) * bound.num, `${from}→${to} ${e.amount} → ${e.amountOut}`).toBe(true);
        }
      }),
      { numRuns: 8 },
    );
    // the property ran over real cross-asset forwards, not only rejects
    expect(crossAsset).toBeGreaterThan(0);
    expect(events.filter((e) => e.type === 'rates:updated').length).toBeGreaterThan(0);
  });
});

async function currentRates(): Promise<Record<string, string>> {
  const view = (await (await fetch(`${hub.endpoints.admin!}/admin/rates`)).json()) as { rates: { code: string; rate: string }[] };
  return Object.fromEntries(view.rates.map((r) => [r.code, r.rate]));
}
