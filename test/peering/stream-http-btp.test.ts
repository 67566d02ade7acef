/**
 * A STREAM payment (the npm `ilp-protocol-stream` client and server, unmodified) across a mixed
 * path: an ilp-plugin-btp child of node a → a → ILP-over-HTTP → b → BTP → an ilp-plugin-btp child
 * of b, and money back the other way on the same STREAM connection. Fees are off, so exactly what
 * one side sent arrives at the other, and each node's books say so and sum to zero.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createConnection } from 'ilp-protocol-stream';
import { Harness, waitFor } from '../helpers/node.js';
import { InteropHarness } from '../helpers/interop.js';
import { fulfilledAt, startStreamReceiver, type Fulfilled, type MoneyStream } from '../helpers/stream-receiver.js';
import type { ConnectorNode } from '../../src/index.js';

const h = new Harness();
const ih = new InteropHarness();
afterEach(async () => {
  await ih.cleanup();
  await h.cleanup();
}, 30_000);

const FORWARD = 100_000n;
const BACK = 30_000n;
/** the payer's link takes at most this a packet, so STREAM splits both payments into several */
const MAX_PACKET = 10_000n;
const http = { enabled: true, port: 0 };
const routing = { enabled: false };

/** a ⇄ b over HTTP only, each with one BTP child, static routes both ways, no fees. */
async function mixedPath(): Promise<{ a: ConnectorNode; b: ConnectorNode; fulfilled: Map<string, Fulfilled[]> }> {
  const fulfilled = new Map<string, Fulfilled[]>();
  const watch = (n: ConnectorNode, id: string) => fulfilled.set(id, fulfilledAt(n));
  const b = h.node({
    nodeId: 'b',
    feeBps: 0,
    http,
    routing,
    peers: [
      { id: 'a', transport: 'http', http: { incomingToken: 'a-to-b' }, creditLimit: '10000000' },
      { id: 'payee', relation: 'child', authToken: 'payee-token', creditLimit: '10000000' },
    ],
    routes: [{ prefix: 'g.a', nextHop: 'a' }],
  } as never);
  watch(b, 'b');
  await b.start();
  const a = h.node({
    nodeId: 'a',
    feeBps: 0,
    http,
    routing,
    peers: [
      { id: 'b', transport: 'http', http: { url: `http://127.0.0.1:${b.endpoints.ilpHttp}/ilp/a`, incomingToken: 'b-to-a', outgoingToken: 'a-to-b' }, creditLimit: '10000000' },
      { id: 'payer', relation: 'child', authToken: 'payer-token', maxPacketAmount: String(MAX_PACKET), creditLimit: '10000000' },
    ],
    routes: [{ prefix: 'g.b', nextHop: 'b' }],
  } as never);
  watch(a, 'a');
  await a.start();
  await b.updatePeer('a', { http: { url: `http://127.0.0.1:${a.endpoints.ilpHttp}/ilp/b`, incomingToken: 'a-to-b', outgoingToken: 'b-to-a' } });
  await waitFor(() => b.listPeers().find((p) => p.id === 'a')?.connected, 10_000, 'b can send to a');
  return { a, b, fulfilled };
}

const bal = (n: ConnectorNode, account: string) => BigInt(n.getAccounts().find((x) => x.account === account)?.balance ?? '0');

describe('STREAM over ILP-over-HTTP and BTP', () => {
  it('ilp-protocol-stream pays payer → a → (HTTP) → b → (BTP) → payee and back; exact amounts arrive and the books balance', async () => {
    const { a, b, fulfilled } = await mixedPath();
    const payerPlugin = ih.plugin(`btp+ws://payer:payer-token@127.0.0.1:${a.btpPort}`);
    const payeePlugin = ih.plugin(`btp+ws://payee:payee-token@127.0.0.1:${b.btpPort}`);
    await Promise.all([payerPlugin.connect(), payeePlugin.connect()]);

    const payee = await startStreamReceiver(ih, payeePlugin);
    const { destinationAccount, sharedSecret } = payee;
    expect(destinationAccount.startsWith('g.b.payee.')).toBe(true);

    const conn = await createConnection({ plugin: payerPlugin, destinationAccount, sharedSecret });
    expect(conn.sourceAccount).toBe('g.a.payer');
    const stream = conn.createStream() as unknown as MoneyStream;
    let returned = 0n;
    stream.setReceiveMax(Infinity);
    stream.on('money', (amount: string) => {
      returned += BigInt(amount);
    });

    // forward: exactly FORWARD arrives (no fees anywhere)
    await stream.sendTotal(FORWARD.toString());
    expect(BigInt(stream.totalSent)).toBe(FORWARD);
    await waitFor(() => payee.received() === FORWARD, 20_000, `the payee has ${FORWARD}`);

    // back: the payee's side of the same stream pays BACK to the payer, over b → HTTP → a → BTP
    const back = await waitFor(() => payee.streams[0], 10_000, 'the server side of the stream');
    await back.sendTotal(BACK.toString());
    await waitFor(() => returned === BACK, 20_000, `the payer has ${BACK} back (has ${returned})`);
    expect(BigInt(stream.totalReceived)).toBe(BACK);
    await conn.end();

    // every money packet crossed the HTTP hop: a forwarded payer → b and b → payer, b the mirror
    const money = (id: string, from: string, to: string) => fulfilled.get(id)!.filter((e) => e.from === from && e.to === to && BigInt(e.amount) > 0n);
    const sum = (es: Fulfilled[], k: 'amount' | 'amountOut') => es.reduce((s, e) => s + BigInt(e[k]), 0n);
    expect(money('a', 'payer', 'b').length).toBeGreaterThanOrEqual(Number(FORWARD / MAX_PACKET));
    expect(sum(money('a', 'payer', 'b'), 'amountOut')).toBe(FORWARD);
    expect(sum(money('b', 'a', 'payee'), 'amountOut')).toBe(FORWARD);
    expect(sum(money('b', 'payee', 'a'), 'amountOut')).toBe(BACK);
    expect(sum(money('a', 'b', 'payer'), 'amountOut')).toBe(BACK);

    // the books: what each side owes, mirrored across the HTTP link, fees nil, every entry sums to zero
    const net = FORWARD - BACK;
    await waitFor(() => bal(a, 'peer:payer') === net && bal(b, 'peer:payee') === -net, 10_000, 'books written');
    expect(bal(a, 'peer:b')).toBe(-net);
    expect(bal(b, 'peer:a')).toBe(net);
    expect(bal(a, 'fees')).toBe(0n);
    expect(bal(b, 'fees')).toBe(0n);
    for (const n of [a, b]) expect(await n.ledgerHandle!.verify()).toMatchObject({ ok: true });
    expect(payee.totalReceived()).toBe(FORWARD);
  });
});
