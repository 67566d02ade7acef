/**
 * ilp-plugin-btp clients as CHILD peers of our node: they authenticate with the URL's user and token,
 * learn their addresses by ILDCP (ilp-protocol-ildcp), and a STREAM payment (ilp-protocol-stream)
 * crosses our node between two of them. The payer's link has a max packet amount, so STREAM learns
 * it from our F08 and splits the payment; our fee is taken per packet and the books add up exactly.
 */
import { afterEach, describe, expect, it } from 'vitest';
import Ildcp from 'ilp-protocol-ildcp';
import { createConnection } from 'ilp-protocol-stream';
import { Harness, waitFor } from '../helpers/node.js';
import { InteropHarness, sendThroughPlugin } from '../helpers/interop.js';
import { fulfilledAt, startStreamReceiver, type Fulfilled } from '../helpers/stream-receiver.js';
import type { ConnectorNode } from '../../src/index.js';

const h = new Harness();
const ih = new InteropHarness();
afterEach(async () => {
  await ih.cleanup();
  await h.cleanup();
});

const TOTAL = 100_000n;
const MAX_PACKET = 10_000n;

async function hubWithChildren(): Promise<{ hub: ConnectorNode; url: (id: string, token: string) => string; fulfilled: Fulfilled[] }> {
  const hub = h.node({
    nodeId: 'hub',
    ilpAddress: 'g.hub',
    peers: [
      { id: 'payer', relation: 'child', authToken: 'payer-token', maxPacketAmount: String(MAX_PACKET), creditLimit: '10000000' },
      { id: 'payee', relation: 'child', authToken: 'payee-token', creditLimit: '10000000' },
    ],
  } as never);
  const fulfilled = fulfilledAt(hub);
  await hub.start();
  return { hub, url: (id, token) => `btp+ws://${id}:${token}@127.0.0.1:${hub.btpPort}`, fulfilled };
}

const bal = (n: ConnectorNode, account: string) => BigInt(n.getAccounts().find((a) => a.account === account)?.balance ?? '0');

describe('ilp-plugin-btp children and a STREAM payment across our node', () => {
  it('authenticates a child by URL user and token, answers its ILDCP, F08 with amounts, re-authenticates a reconnect, refuses a wrong token', async () => {
    const { hub, url } = await hubWithChildren();
    const payer = ih.plugin(url('payer', 'payer-token'));
    await payer.connect();
    await waitFor(() => hub.listPeers().find((p) => p.id === 'payer')?.connected, 5000, 'payer connected');
    const info = await Ildcp.fetch((data: Buffer) => payer.sendData(data));
    expect(info).toEqual({ clientAddress: 'g.hub.payer', assetCode: 'USD', assetScale: 9 });

    // a Prepare over the max packet amount: F08 carrying both amounts, as RFC 0027 says
    const f08 = await sendThroughPlugin(payer, { destination: 'g.hub.payee', amount: MAX_PACKET + 1n });
    expect(f08).toMatchObject({ type: 'reject', code: 'F08', triggeredBy: 'g.hub' });
    if (f08.type === 'reject') {
      expect(f08.data.readBigUInt64BE(0)).toBe(MAX_PACKET + 1n);
      expect(f08.data.readBigUInt64BE(8)).toBe(MAX_PACKET);
    }

    // we drop its socket: ilp-plugin-btp reconnects and authenticates again, and is served again
    expect(hub.dropPeerConnection('payer')).toBe(true);
    await waitFor(() => !hub.listPeers().find((p) => p.id === 'payer')?.connected, 5000, 'payer dropped');
    await waitFor(() => hub.listPeers().find((p) => p.id === 'payer')?.connected, 10_000, 'payer reconnected');
    expect(await Ildcp.fetch((data: Buffer) => payer.sendData(data))).toEqual(info);

    // a client with the wrong token is refused: our BTP error, then the close, abort its connect()
    const intruder = ih.plugin(url('payee', 'wrong-token'));
    await expect(intruder.connect()).rejects.toThrow(/connection aborted/);
    expect(hub.listPeers().find((p) => p.id === 'payee')?.connected).toBe(false);
  });

  it('a STREAM payment of 100000 crosses our node: the payee gets it minus the per-packet fees, which our fees account holds', async () => {
    const { hub, url, fulfilled } = await hubWithChildren();
    const payerPlugin = ih.plugin(url('payer', 'payer-token'));
    const payeePlugin = ih.plugin(url('payee', 'payee-token'));
    await Promise.all([payerPlugin.connect(), payeePlugin.connect()]);

    const payee = await startStreamReceiver(ih, payeePlugin);
    const { destinationAccount, sharedSecret } = payee;
    expect(destinationAccount.startsWith('g.hub.payee.')).toBe(true);

    const conn = await createConnection({ plugin: payerPlugin, destinationAccount, sharedSecret });
    expect(conn.sourceAccount).toBe('g.hub.payer'); // learned by STREAM's own ILDCP request
    const stream = conn.createStream();
    await stream.sendTotal(TOTAL.toString());
    await conn.end();

    expect(BigInt(stream.totalSent)).toBe(TOTAL);
    const received = await payee.settled();

    // money packets: several (the link allows 10000 a packet), each paying exactly 10 bps rounded down
    const money = fulfilled.filter((e) => e.from === 'payer' && BigInt(e.amount) > 0n);
    expect(money.length).toBeGreaterThanOrEqual(Number(TOTAL / MAX_PACKET));
    for (const e of money) {
      expect(BigInt(e.amount)).toBeLessThanOrEqual(MAX_PACKET);
      expect(BigInt(e.amountOut)).toBe(BigInt(e.amount) - (BigInt(e.amount) * 10n) / 10_000n);
    }
    expect(money.reduce((s, e) => s + BigInt(e.amount), 0n)).toBe(TOTAL);
    expect(money.reduce((s, e) => s + BigInt(e.amountOut), 0n)).toBe(received);

    const fees = TOTAL - received;
    expect(fees).toBeGreaterThan(0n);
    expect(bal(hub, 'peer:payer')).toBe(TOTAL);
    expect(bal(hub, 'peer:payee')).toBe(-received);
    expect(-bal(hub, 'fees')).toBe(TOTAL - received);
    const res = await fetch(`${hub.endpoints.admin}/admin/balances`);
    const body = (await res.json()) as { accounts: { account: string; balance: string }[] };
    expect(Object.fromEntries(body.accounts.map((a) => [a.account, a.balance]))).toMatchObject({
      'peer:payer': String(TOTAL),
      'peer:payee': String(-received),
      fees: String(-fees),
    });
    console.log(`[interop STREAM] sent ${TOTAL} in ${money.length} packets, received ${received}, fees ${fees}; hub balances ${JSON.stringify(body.accounts)}`);
  });
});
