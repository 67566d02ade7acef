/**
 * A STREAM payment from the stock `ilp-protocol-stream` (npm) across an asset boundary: two
 * `ilp-plugin-btp` clients are children of our hub over real BTP on 127.0.0.1, the payer in USD at
 * scale 9 and the payee in XRP at scale 6 (static rate 1 USD = 1.923077 XRP, fee 10 bps). STREAM
 * learns the rate itself from test packets; our hub converts every packet exactly:
 *   out = c − floor(c × 10 / 10000),  c = floor(in × rate[D] / rate[S] × 10^(d − s)).
 * The receiver gets exactly the sum of that formula over the packets, and the hub's books balance per
 * asset (the node's own verify, and `ledger verify --json` on the stopped store). Also: a payment whose
 * last packet converts to 0 (forwarded as 0, as ilp-connector does; STREAM's minimum for such a packet
 * is 0, so it is fulfilled), the reverse direction, and a 3-asset chain of two hubs.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createConnection } from 'ilp-protocol-stream';
import { Harness, waitFor } from '../helpers/node.js';
import { InteropHarness } from '../helpers/interop.js';
import { fulfilledAt, startStreamReceiver, type Fulfilled } from '../helpers/stream-receiver.js';
import { json, run } from '../cli/run-command.js';
import type { ConnectorNode } from '../../src/index.js';

const h = new Harness();
const ih = new InteropHarness();
afterEach(async () => {
  await ih.cleanup();
  await h.cleanup();
});

const FEE_BPS = 10n;
const USD9 = { code: 'USD', scale: 9 };
const XRP6 = { code: 'XRP', scale: 6 };
type Asset = typeof USD9;
const EUR6 = { code: 'EUR', scale: 6 };
type Rates = Record<string, [bigint, bigint]>;
/** rate[code] in units of the code per 1 USD, as numerator / denominator */
const RATE: Rates = { USD: [1n, 1n], XRP: [1_923_077n, 1_000_000n] };

/** The formula, written out again here (not imported from src/rates). */
function expectedOut(amount: bigint, from: Asset, to: Asset, rates: Rates = RATE): bigint {
  const [fn, fd] = rates[from.code];
  const [tn, td] = rates[to.code];
  // rate[to] / rate[from] = (tn / td) / (fn / fd) = tn × fd / (td × fn), then × 10^(d − s)
  let num = amount * tn * fd;
  let den = td * fn;
  const shift = to.scale - from.scale;
  if (shift >= 0) num *= 10n ** BigInt(shift);
  else den *= 10n ** BigInt(-shift);
  const converted = num / den;
  return converted - (converted * FEE_BPS) / 10_000n;
}

interface Setup {
  hub: ConnectorNode;
  fulfilled: Fulfilled[];
}

/** Our hub with the two children, payer in `from`, payee in `to`; the payer's link caps packets at `maxPacket`. */
async function hubWith(from: Asset, to: Asset, maxPacket: bigint): Promise<Setup> {
  const asset = (a: Asset) => (a.code === 'USD' ? {} : { assetCode: a.code, assetScale: a.scale });
  const hub = h.node({
    nodeId: 'hub',
    ilpAddress: 'g.hub',
    feeBps: Number(FEE_BPS),
    rates: { base: 'USD', static: { XRP: '1.923077' } },
    peers: [
      { id: 'payer', relation: 'child', authToken: 'payer-token', maxPacketAmount: String(maxPacket), creditLimit: '100000000000000', ...asset(from) },
      { id: 'payee', relation: 'child', authToken: 'payee-token', creditLimit: '100000000000000', ...asset(to) },
    ],
  } as never);
  const fulfilled = fulfilledAt(hub);
  await hub.start();
  return { hub, fulfilled };
}

/** Pays `total` (payer's units) by STREAM from payer to payee; resolves with what the receiver got. */
async function streamPay(hub: ConnectorNode, total: bigint, payeeHub = hub): Promise<{ received: bigint; totalSent: bigint }> {
  const url = (id: string, n: ConnectorNode) => `btp+ws://${id}:${id}-token@127.0.0.1:${n.btpPort}`;
  const payerPlugin = ih.plugin(url('payer', hub));
  const payeePlugin = ih.plugin(url('payee', payeeHub));
  await Promise.all([payerPlugin.connect(), payeePlugin.connect()]);
  const payee = await startStreamReceiver(ih, payeePlugin);
  const conn = await createConnection({ plugin: payerPlugin, destinationAccount: payee.destinationAccount, sharedSecret: payee.sharedSecret });
  const stream = conn.createStream();
  await stream.sendTotal(total.toString());
  await conn.end();
  return { received: await payee.settled(), totalSent: BigInt(stream.totalSent) };
}

const bal = (n: ConnectorNode, account: string) => BigInt(n.getAccounts().find((a) => a.account === account)?.balance ?? '0');

/** The money packets the hub forwarded payer → payee, each checked against the formula. */
function checkPackets(fulfilled: Fulfilled[], from: Asset, to: Asset): { in: bigint; out: bigint; packets: Fulfilled[] } {
  const money = fulfilled.filter((e) => e.from === 'payer' && e.to === 'payee' && BigInt(e.amount) > 0n);
  for (const e of money) expect(BigInt(e.amountOut), `packet of ${e.amount}`).toBe(expectedOut(BigInt(e.amount), from, to));
  return { in: money.reduce((s, e) => s + BigInt(e.amount), 0n), out: money.reduce((s, e) => s + BigInt(e.amountOut), 0n), packets: money };
}

/** The hub's books: per-asset sums are zero (the running node's verify), then `ledger verify --json` on the stopped store. */
async function checkBooks(hub: ConnectorNode, from: Asset, to: Asset, paid: bigint, got: bigint): Promise<void> {
  const tag = (a: Asset) => `${a.code}@${a.scale}`;
  expect(bal(hub, 'peer:payer')).toBe(paid);
  expect(bal(hub, `exchange:${tag(from)}`)).toBe(-paid);
  expect(bal(hub, 'peer:payee')).toBe(-got);
  // what the exchange account paid out in the payee's asset is what the payee got plus the fee kept in that asset
  const fees = to.code === 'USD' ? 'fees' : `fees:${tag(to)}`; // fees in the node's own asset go to `fees`
  expect(bal(hub, fees)).toBeLessThan(0n);
  expect(bal(hub, `exchange:${tag(to)}`)).toBe(got - bal(hub, fees));
  const live = await hub.ledgerHandle!.verify();
  expect(live).toMatchObject({ ok: true, sum: '0', assets: { [tag(from)]: '0', [tag(to)]: '0' } });
  const dataDir = hub.config.dataDir;
  await hub.stop();
  const r = await run(['ledger', 'verify', '--data-dir', dataDir, '--json']);
  expect(r.exitCode, r.stdout + r.stderr).toBe(0);
  expect(json(r)).toMatchObject({ ok: true, sum: '0', assets: { [tag(from)]: '0', [tag(to)]: '0' }, via: 'data-dir' });
}

describe('stock ilp-protocol-stream across an asset boundary (USD@9 ↔ XRP@6)', () => {
  it('USD@9 → XRP@6: the receiver gets exactly what the exact conversion gives per packet; the books balance per asset', async () => {
    const TOTAL = 5_000_000_000n; // 5 USD
    const { hub, fulfilled } = await hubWith(USD9, XRP6, 1_000_000_000n);
    const { received, totalSent } = await streamPay(hub, TOTAL);
    expect(totalSent).toBe(TOTAL);
    const p = checkPackets(fulfilled, USD9, XRP6);
    expect(p.in).toBe(TOTAL);
    expect(p.out).toBe(received);
    // 5 USD at 1.923077 is 9.615385 XRP; 10 bps of each packet's drops stay with the hub
    expect(received).toBeLessThanOrEqual(9_615_385n);
    expect(received).toBeGreaterThan(9_600_000n);
    await checkBooks(hub, USD9, XRP6, TOTAL, received);
  });

  it('USD@9 → XRP@6 whose last packet converts to 0 drops: forwarded as 0 and fulfilled; the sender is charged exactly what it sent', async () => {
    // 519 nano-USD × 1.923077 = 0.998 drops → 0; the last packet of 2 USD + 519 carries exactly that
    const TOTAL = 2_000_000_519n;
    const { hub, fulfilled } = await hubWith(USD9, XRP6, 1_000_000_000n);
    const { received, totalSent } = await streamPay(hub, TOTAL);
    expect(totalSent).toBe(TOTAL);
    const p = checkPackets(fulfilled, USD9, XRP6);
    expect(p.in).toBe(TOTAL);
    expect(p.out).toBe(received);
    const zero = p.packets.filter((e) => e.amountOut === '0');
    expect(zero.map((e) => e.amount)).toEqual(['519']);
    expect(received).toBe(2n * expectedOut(1_000_000_000n, USD9, XRP6));
    await checkBooks(hub, USD9, XRP6, TOTAL, received);
  });

  it('XRP@6 → USD@9 (the reverse direction): each packet rounds down, the receiver gets the sum', async () => {
    const TOTAL = 3_000_000n; // 3 XRP
    const { hub, fulfilled } = await hubWith(XRP6, USD9, 1_000_000n);
    const { received, totalSent } = await streamPay(hub, TOTAL);
    expect(totalSent).toBe(TOTAL);
    const p = checkPackets(fulfilled, XRP6, USD9);
    expect(p.in).toBe(TOTAL);
    expect(p.out).toBe(received);
    expect(received).toBeLessThanOrEqual((TOTAL * 1_000_000_000_000n) / 1_923_077n);
    await checkBooks(hub, XRP6, USD9, TOTAL, received);
  });

  it('a 3-asset chain of two hubs, USD@9 → hub1 → EUR@6 → hub2 → XRP@6: each hop converts exactly, the receiver gets the sum', async () => {
    // hub1 quotes against USD (1 USD = 0.92 EUR), hub2 against its own EUR (1 EUR = 2.09 XRP)
    const hub1Rates: Rates = { USD: [1n, 1n], EUR: [92n, 100n] };
    const hub2Rates: Rates = { EUR: [1n, 1n], XRP: [209n, 100n] };
    const hub1 = h.node({
      nodeId: 'hub1',
      ilpAddress: 'g.hub1',
      feeBps: Number(FEE_BPS),
      rates: { base: 'USD', static: { EUR: '0.92' } },
      peers: [
        { id: 'payer', relation: 'child', authToken: 'payer-token', maxPacketAmount: '1000000000', creditLimit: '100000000000000' },
        { id: 'hub2', relation: 'peer', authToken: 'hubs-token', creditLimit: '100000000000000', assetCode: 'EUR', assetScale: 6 },
      ],
      routes: [{ prefix: 'g.hub2', nextHop: 'hub2' }],
    } as never);
    await hub1.start();
    const hub2 = h.node({
      nodeId: 'hub2',
      ilpAddress: 'g.hub2',
      assetCode: 'EUR',
      assetScale: 6,
      feeBps: Number(FEE_BPS),
      rates: { base: 'EUR', static: { XRP: '2.09' } },
      peers: [
        { id: 'hub1', relation: 'peer', url: `ws://127.0.0.1:${hub1.btpPort}`, authToken: 'hubs-token', creditLimit: '100000000000000' },
        { id: 'payee', relation: 'child', authToken: 'payee-token', creditLimit: '100000000000000', assetCode: 'XRP', assetScale: 6 },
      ],
      routes: [{ prefix: 'g.hub1', nextHop: 'hub1' }],
    } as never);
    const at1 = fulfilledAt(hub1);
    const at2 = fulfilledAt(hub2);
    await hub2.start();
    await waitFor(() => hub1.listPeers().find((p) => p.id === 'hub2')?.connected, 20_000, 'hub2 connected to hub1');

    const TOTAL = 4_000_000_000n; // 4 USD
    const { received, totalSent } = await streamPay(hub1, TOTAL, hub2);
    expect(totalSent).toBe(TOTAL);
    const hop1 = at1.filter((e) => e.from === 'payer' && e.to === 'hub2' && BigInt(e.amount) > 0n);
    const hop2 = at2.filter((e) => e.from === 'hub1' && e.to === 'payee' && BigInt(e.amount) > 0n);
    for (const e of hop1) expect(BigInt(e.amountOut), `hub1 packet ${e.amount}`).toBe(expectedOut(BigInt(e.amount), USD9, EUR6, hub1Rates));
    for (const e of hop2) expect(BigInt(e.amountOut), `hub2 packet ${e.amount}`).toBe(expectedOut(BigInt(e.amount), EUR6, XRP6, hub2Rates));
    const sum = (xs: Fulfilled[], k: 'amount' | 'amountOut') => xs.reduce((s, e) => s + BigInt(e[k]), 0n);
    expect(sum(hop1, 'amount')).toBe(TOTAL);
    expect(sum(hop2, 'amount')).toBe(sum(hop1, 'amountOut'));
    expect(sum(hop2, 'amountOut')).toBe(received);
    // 4 USD → 3.68 EUR → 7.6912 XRP before fees
    expect(received).toBeLessThanOrEqual(7_691_200n);
    expect(received).toBeGreaterThan(7_670_000n);
    // each hub's books: every asset sums to zero, and the link's two sides mirror each other
    expect(bal(hub1, 'peer:hub2')).toBe(-sum(hop1, 'amountOut'));
    expect(bal(hub2, 'peer:hub1')).toBe(sum(hop1, 'amountOut'));
    expect(await hub1.ledgerHandle!.verify()).toMatchObject({ ok: true, assets: { 'USD@9': '0', 'EUR@6': '0' } });
    expect(await hub2.ledgerHandle!.verify()).toMatchObject({ ok: true, assets: { 'EUR@6': '0', 'XRP@6': '0' } });
  });
});
