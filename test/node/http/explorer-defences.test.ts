/**
 * The explorer's defence status: `GET /api/defences` on a real node (a real pre-auth refusal over
 * TCP, in-flight cap refusals counted by the node's SecurityStats), and the line the web UI makes of
 * it (src/explorer-ui/format.js defencesText).
 */
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Harness, waitFor } from '../../helpers/node.js';

/** The body of GET /api/defences. */
interface Defences {
  ledgerFault?: string;
  preAuthRefused: number;
  inFlightRejected: number;
  lateFulfills: { count: number; amount: string };
}

/** The web UI's formatter: plain browser JS, type-checked on its own (src/explorer-ui/tsconfig.json), so loaded by URL. */
const { defencesText } = (await import(new URL('../../../src/explorer-ui/format.js', import.meta.url).href)) as { defencesText: (d: Defences) => string };

const h = new Harness();
afterEach(() => h.cleanup());

describe('GET /api/defences', () => {
  it('reports pre-auth refusals and in-flight cap rejections; the UI line says them, and nothing when all is quiet', async () => {
    const node = h.node({ nodeId: 'hub', ilpAddress: 'g.hub', explorer: { enabled: true, port: 0 }, performance: { maxPreAuthPerAddress: 1 } });
    await node.start();
    const get = async () => (await (await fetch(`${node.endpoints.explorer!}/api/defences`)).json()) as Defences;
    const quiet = await get();
    expect(quiet).toEqual({ preAuthRefused: 0, inFlightRejected: 0, lateFulfills: { count: 0, amount: '0', byPeer: {} } });
    expect(defencesText(quiet)).toBe('');

    // two idle connections from one address: the second is past maxPreAuthPerAddress
    const sockets: Socket[] = [];
    h.onCleanup(() => sockets.forEach((s) => s.destroy()));
    for (let i = 0; i < 2; i++) {
      const s = connect({ host: '127.0.0.1', port: node.btpPort });
      s.on('error', () => undefined);
      sockets.push(s);
    }
    await waitFor(() => node.securityStats.preAuth?.refused === 1, 20_000, 'one connection refused');
    node.securityStats.countInFlightRejected('alice', 'count');
    const d = await get();
    expect(d).toMatchObject({ preAuthRefused: 1, inFlightRejected: 1 });
    expect(defencesText(d)).toBe('pre-auth refused 1 · in-flight cap 1');
    expect(defencesText({ ...d, ledgerFault: 'ledger write failed (ENOSPC)', lateFulfills: { count: 2, amount: '1900' } })).toBe(
      'LEDGER STOPPED: ledger write failed (ENOSPC) · pre-auth refused 1 · in-flight cap 1 · late fulfills 2 (amount 1,900)',
    );
  });
});
