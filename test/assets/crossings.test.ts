/**
 * The packet path's per-pair caches (issue 19, the cross-asset bench bar): the rate book caches each
 * pair's factor by the identity of the two asset objects and the processor each pair's booking plan
 * (exchange.ts Crossings). What must hold whatever the cache: a rate change is seen by the very next
 * packet, two equal assets in distinct objects are one asset, and two peers sharing one asset object
 * of their own book their fee in that asset. The last runs the real PacketProcessor over a real
 * LevelDB ledger in a temp folder.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { Ledger } from '../../src/ledger/index.js';
import { EventStream } from '../../src/node/events.js';
import { deserializeReject, serializeFulfill, serializePrepare } from '../../src/node/ilp/packet.js';
import { Crossings } from '../../src/node/pipeline/exchange.js';
import { PacketProcessor, type PeerPort } from '../../src/node/pipeline/packet-processor.js';
import { RoutingTable } from '../../src/node/routing/routing-table.js';
import { parseRatesDocument } from '../../src/rates/document.js';
import { RateBook } from '../../src/rates/rate-book.js';
import { toDecimal } from '../../src/rates/rational.js';

const USD9 = { code: 'USD', scale: 9 };
const XRP6 = { code: 'XRP', scale: 6 };

describe('RateBook factors cached per pair of asset objects', () => {
  it('a rate set after a pair was used applies to that pair at once', () => {
    const book = new RateBook({ base: 'USD', static: { XRP: '2' } });
    const first = book.factor(USD9, XRP6, 0);
    expect(first.ok && toDecimal(first.factor)).toBe('0.002');
    expect(book.factor(USD9, XRP6, 0)).toBe(first); // cached: the same object
    book.setStatic(new Map([['XRP', { value: { num: 3n, den: 1n }, text: '3' }]]));
    const second = book.factor(USD9, XRP6, 0);
    expect(second.ok && toDecimal(second.factor)).toBe('0.003');
  });

  it("a source's answer applies to a pair already used, and its staleness is checked on every call", () => {
    const book = new RateBook({ base: 'USD', static: { XRP: '2' }, maxAgeMs: 1000 });
    expect(book.factor(USD9, XRP6, 0).ok).toBe(true);
    book.applySource(parseRatesDocument('{"base":"USD","rates":{"XRP":4}}'), 10_000);
    const fresh = book.factor(USD9, XRP6, 10_500);
    expect(fresh.ok && toDecimal(fresh.factor)).toBe('0.004');
    const stale = book.factor(USD9, XRP6, 11_001);
    expect(stale).toEqual({ ok: false, reason: expect.stringContaining('rate USD→XRP is stale') });
  });

  it('equal assets in distinct objects get equal factors; a missing rate names the pair', () => {
    const book = new RateBook({ base: 'USD', static: { XRP: '1.923077' } });
    const a = book.factor(USD9, XRP6, 0);
    const b = book.factor({ code: 'USD', scale: 9 }, { code: 'XRP', scale: 6 }, 0);
    expect(a).toEqual(b);
    expect(book.factor(USD9, { code: 'EUR', scale: 2 }, 0)).toEqual({ ok: false, reason: expect.stringContaining('no rate for USD→EUR') });
  });
});

describe('Crossings: the booking plan of a pair', () => {
  const crossings = new Crossings(USD9);
  it('the same asset in another object is the same asset, its fees in `fees`', () => {
    expect(crossings.get(USD9, { code: 'USD', scale: 9 })).toMatchObject({ same: true, fees: 'fees' });
  });
  it('a pair in one foreign asset books its fee in that asset', () => {
    expect(crossings.get(XRP6, XRP6)).toMatchObject({ same: true, fees: 'fees:XRP@6' });
  });
  it('a cross pair names both exchange accounts and the fee account of its destination', () => {
    expect(crossings.get(USD9, XRP6)).toEqual({ from: USD9, to: XRP6, same: false, exchangeFrom: 'exchange:USD@9', exchangeTo: 'exchange:XRP@6', fees: 'fees:XRP@6' });
    expect(crossings.get(XRP6, USD9)).toMatchObject({ same: false, exchangeFrom: 'exchange:XRP@6', exchangeTo: 'exchange:USD@9', fees: 'fees' });
  });
});

describe('PacketProcessor books through the cached plans (real LevelDB ledger)', () => {
  let dir: string | undefined;
  let ledger: Ledger | undefined;
  afterEach(async () => {
    await ledger?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    ledger = undefined;
    dir = undefined;
  });

  /** Forwards one Prepare of `amount` from peer p to peer q through a USD@9 node with fee 10 bps; resolves when booked. */
  async function forward(pAsset: PeerPort['asset'], qAsset: PeerPort['asset'], amount: bigint, rates?: RateBook, creditLimit = 1n << 62n): Promise<{ answer: number; code: string; balances: Map<string, bigint> }> {
    dir = mkdtempSync(join(tmpdir(), 'crossings-'));
    ledger = await Ledger.open({ dataDir: dir, sync: false });
    const l = ledger;
    l.setLimits('p', { creditLimit });
    const fulfillment = Buffer.alloc(32, 3);
    const routes = new RoutingTable();
    routes.add({ prefix: 'g.node.q', nextHop: 'q', priority: 0, source: 'config' });
    const peers = new Map<string, PeerPort>([
      ['p', { id: 'p', relation: 'child', asset: pAsset }],
      ['q', { id: 'q', relation: 'child', asset: qAsset, send: (_ilp, _d, cb, ctx) => cb(undefined, serializeFulfill({ fulfillment, data: Buffer.alloc(0) }), undefined, ctx) }],
    ]);
    const processor = new PacketProcessor({
      ledger: l,
      routes,
      events: new EventStream('node'),
      logger: pino({ level: 'silent' }),
      expiry: { expiryMarginMs: 1000, maxHoldTimeMs: 30_000 },
      feeBps: 10n,
      asset: USD9,
      rates,
      getPeer: (id) => peers.get(id),
      address: () => 'g.node',
      ildcp: () => undefined,
      deliverLocal: () => undefined,
    });
    const prepare = serializePrepare({
      amount,
      expiresAt: new Date(Date.now() + 60_000),
      executionCondition: createHash('sha256').update(fulfillment).digest(),
      destination: 'g.node.q.x',
      data: Buffer.alloc(8),
    });
    const reply = await new Promise<Buffer>((resolve) => processor.handle('p', 1, prepare, { respondIlp: (_id, ilp) => resolve(ilp) }));
    await l.flush();
    return { answer: reply[0], code: reply[0] === 14 ? deserializeReject(reply).code : '', balances: l.balances() };
  }

  it('two peers sharing one XRP@6 asset object: the fee is booked in fees:XRP@6, never in the node asset', async () => {
    const shared = { code: 'XRP', scale: 6 };
    const { answer, balances } = await forward(shared, shared, 1_000_000n);
    expect(answer).toBe(13);
    expect(Object.fromEntries(balances)).toEqual({ 'peer:p': 1_000_000n, 'peer:q': -999_000n, 'fees:XRP@6': -1_000n });
  });

  it('USD@9 → XRP@6 books the five legs of the issue, each asset summing to zero', async () => {
    const { answer, balances } = await forward(undefined, XRP6, 1_000_000_000n, new RateBook({ base: 'USD', static: { XRP: '1.923077' } }));
    expect(answer).toBe(13);
    // converted 1923077, fee floor(1923077 × 10 / 10000) = 1923
    expect(Object.fromEntries(balances)).toEqual({
      'peer:p': 1_000_000_000n,
      'exchange:USD@9': -1_000_000_000n,
      'exchange:XRP@6': 1_923_077n,
      'peer:q': -1_921_154n,
      'fees:XRP@6': -1_923n,
    });
  });

  it("an XRP@6 peer's credit limit counts its own drops, not the converted amount (T04 past 1 XRP)", async () => {
    const rates = new RateBook({ base: 'USD', static: { XRP: '1.923077' } });
    // 1 XRP of credit: 1000000 drops pass (about 0.52 USD converted), one drop more is T04
    const at = await forward(XRP6, undefined, 1_000_000n, rates, 1_000_000n);
    expect(at.answer).toBe(13);
    await ledger!.close();
    ledger = undefined;
    rmSync(dir!, { recursive: true, force: true });
    const over = await forward(XRP6, undefined, 1_000_001n, rates, 1_000_000n);
    expect([over.answer, over.code]).toEqual([14, 'T04']);
    expect(over.balances.size).toBe(0);
  });

  it('both in the node asset: three legs, the fee in `fees`', async () => {
    const { balances } = await forward(undefined, undefined, 1_000_000n);
    expect(Object.fromEntries(balances)).toEqual({ 'peer:p': 1_000_000n, 'peer:q': -999_000n, fees: -1_000n });
  });
});
