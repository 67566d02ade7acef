/**
 * Issue 19, two rows of its audit that were proven only below the socket: stock ilp-plugin-btp children
 * of a USD@9 hub learn their own asset by ILDCP (ilp-protocol-ildcp), and a Prepare whose converted
 * amount would not fit a UInt64 is answered on the wire with F08 carrying the amount received and the
 * largest that converts (RFC 0027's two UInt64s), with nothing booked; a fitting amount right after
 * converts exactly.
 */
import Ildcp from 'ilp-protocol-ildcp';
import { afterEach, describe, expect, it } from 'vitest';
import { Harness, waitFor } from '../helpers/node.js';
import { InteropHarness, fulfillingHandler, sendThroughPlugin, type ReceivedPrepare } from '../helpers/interop.js';

const h = new Harness();
const ih = new InteropHarness();
afterEach(async () => {
  await ih.cleanup();
  await h.cleanup();
});

const UINT64_MAX = 2n ** 64n - 1n;

describe('stock BTP children of a hub with several assets', () => {
  it('learn their asset by ILDCP; a conversion beyond UInt64 is F08 with both amounts on the wire, nothing booked', async () => {
    // 1 USD = 0.000001 XRP: one drop (XRP@6) is worth 1 USD, i.e. 10^9 units of USD@9
    const hub = h.node({
      nodeId: 'hub',
      ilpAddress: 'g.hub',
      feeBps: 0,
      rates: { base: 'USD', static: { XRP: '0.000001' } },
      peers: [
        { id: 'xrp', relation: 'child', authToken: 'xrp-token', assetCode: 'XRP', assetScale: 6, creditLimit: '1000000000000' },
        { id: 'usd', relation: 'child', authToken: 'usd-token', creditLimit: '1000000000000' },
      ],
    } as never);
    await hub.start();
    const url = (id: string) => `btp+ws://${id}:${id}-token@127.0.0.1:${hub.btpPort}`;
    const xrp = ih.plugin(url('xrp'));
    const usd = ih.plugin(url('usd'));
    const seen: ReceivedPrepare[] = [];
    usd.registerDataHandler(fulfillingHandler('g.hub.usd', seen));
    await Promise.all([xrp.connect(), usd.connect()]);
    await waitFor(() => hub.listPeers().every((p) => p.connected), 20_000, 'both children connected');

    expect(await Ildcp.fetch((data: Buffer) => xrp.sendData(data))).toEqual({ clientAddress: 'g.hub.xrp', assetCode: 'XRP', assetScale: 6 });
    expect(await Ildcp.fetch((data: Buffer) => usd.sendData(data))).toEqual({ clientAddress: 'g.hub.usd', assetCode: 'USD', assetScale: 9 });

    // 10^11 drops would be 10^20 nano-USD, beyond a UInt64; the largest that converts is floor(UINT64_MAX / 10^9)
    const tooMuch = 100_000_000_000n;
    const f08 = await sendThroughPlugin(xrp, { destination: 'g.hub.usd', amount: tooMuch });
    expect(f08).toMatchObject({ type: 'reject', code: 'F08', triggeredBy: 'g.hub' });
    if (f08.type !== 'reject') throw new Error('expected a reject');
    expect(f08.data.readBigUInt64BE(0)).toBe(tooMuch);
    expect(f08.data.readBigUInt64BE(8)).toBe(UINT64_MAX / 1_000_000_000n);
    expect(seen).toHaveLength(0);
    expect(hub.getAccounts().every((a) => a.balance === '0')).toBe(true);

    // the largest amount the F08 named goes through, converted exactly
    const max = f08.data.readBigUInt64BE(8);
    const ok = await sendThroughPlugin(xrp, { destination: 'g.hub.usd', amount: max });
    expect(ok.type).toBe('fulfill');
    expect(seen.map((p) => p.amount)).toEqual([(max * 1_000_000_000n).toString()]);
    expect((await hub.ledgerHandle!.verify()).ok).toBe(true);
  });
});
