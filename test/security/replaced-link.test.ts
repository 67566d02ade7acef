/**
 * A peer whose link is replaced by a new login, over real BTP sockets: a packet in flight on the old
 * socket is answered on the new link or released, never booked without its Fulfill reaching the
 * sender.
 *
 * - the hub's Prepare to bob is in flight when bob logs in again: bob's Fulfill on the new socket is
 *   matched, booked and passed to alice; a bob that never answers there gets it released at expiry.
 * - alice's Prepare to the hub is in flight when alice logs in again: the hub's Fulfill goes out on
 *   her new socket; when alice's socket closes with no new login, bob's Fulfill is not booked but
 *   recorded as a late fulfill (reason source-gone).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Harness, waitFor } from '../helpers/node.js';
import { connectRaw, pay as payTo, receivedPrepares as prepares, startChild, startHub, type RawPeer } from '../helpers/raw-btp.js';
import { BtpType, decodeBtp, encodeBtpIlp, getIlpData, serializePrepare } from '../../src/codec.js';
import type { ConnectorNode } from '../../src/index.js';
import { computeConditionFromData, IlpPacketType } from '../../src/index.js';

const h = new Harness();
afterEach(() => h.cleanup());

const balance = (n: ConnectorNode, account: string) => n.getAccounts().find((a) => a.account === account);

const hub = async () => {
  const { hub: node, url } = await startHub(h, '1000000');
  return { node, url };
};
const raw = (url: string, id: string) => connectRaw(h, url, id);
const aliceNode = (url: string) => startChild(h, url, 'alice', '1000000');
const pay = (from: ConnectorNode, amount: bigint, expiresInMs: number) => payTo(from, 'g.hub.bob', amount, expiresInMs);

/** The ILP answers (RESPONSE frames) a peer received, by request id. */
function answers(peer: RawPeer): Map<number, number> {
  const out = new Map<number, number>();
  for (const f of peer.frames) {
    const frame = decodeBtp(f);
    const ilp = getIlpData(frame);
    if (frame.type === BtpType.Response && ilp !== undefined) out.set(frame.requestId, ilp[0]);
  }
  return out;
}

function prepareFrame(requestId: number, amount: bigint, expiresInMs: number): Buffer {
  const data = Buffer.from(`replaced ${Math.random()}`);
  const ilp = serializePrepare({ amount, expiresAt: new Date(Date.now() + expiresInMs), executionCondition: computeConditionFromData(data).condition, destination: 'g.hub.bob', data });
  return encodeBtpIlp(BtpType.Message, requestId, ilp);
}

describe('a link replaced by a new login', () => {
  it('the next hop logs in again and fulfills on its new socket: matched, booked, passed upstream', async () => {
    const { node, url } = await hub();
    const alice = await aliceNode(url);
    const bob1 = await raw(url, 'bob');
    const result = pay(alice, 500n, 20_000);
    await waitFor(() => prepares(bob1).length === 1, 20_000, 'the Prepare on bob\'s first socket');
    const bob2 = await raw(url, 'bob');
    expect(await bob1.closed).toBe(1000); // the hub closed the old socket
    bob2.send(prepares(bob1)[0].fulfill);
    expect((await result).type).toBe(IlpPacketType.Fulfill);
    expect(balance(node, 'peer:alice')).toMatchObject({ balance: '500', reserved: '0' });
    expect(balance(node, 'peer:bob')?.balance).toBe('-500');
    expect(balance(alice, 'peer:hub')?.balance).toBe('-500');
    // the new link carries new packets too
    const second = pay(alice, 7n, 20_000);
    await waitFor(() => prepares(bob2).length === 1, 20_000, 'a Prepare on the new socket');
    bob2.send(prepares(bob2)[0].fulfill);
    expect((await second).type).toBe(IlpPacketType.Fulfill);
    expect(balance(node, 'peer:bob')?.balance).toBe('-507');
  });

  it('the next hop logs in again and never answers: released at the expiry, nothing booked', async () => {
    const { node, url } = await hub();
    const alice = await aliceNode(url);
    const bob1 = await raw(url, 'bob');
    const result = pay(alice, 500n, 2500);
    await waitFor(() => prepares(bob1).length === 1, 20_000, 'the Prepare on bob\'s first socket');
    await raw(url, 'bob');
    expect(await result).toMatchObject({ type: IlpPacketType.Reject, code: 'R00' });
    expect(balance(node, 'peer:alice')).toMatchObject({ balance: '0', reserved: '0' });
    expect(balance(node, 'peer:bob')?.balance ?? '0').toBe('0');
    expect(balance(alice, 'peer:hub')?.balance ?? '0').toBe('0');
  });

  it('the source logs in again: the Fulfill goes out on its new socket', async () => {
    const { node, url } = await hub();
    const bob = await raw(url, 'bob');
    const alice1 = await raw(url, 'alice');
    alice1.send(prepareFrame(77, 300n, 20_000));
    await waitFor(() => prepares(bob).length === 1, 20_000, 'the Prepare at bob');
    const alice2 = await raw(url, 'alice');
    await alice1.closed;
    bob.send(prepares(bob)[0].fulfill);
    await waitFor(() => answers(alice2).get(77), 20_000, 'the answer on alice\'s new socket');
    expect(answers(alice2).get(77)).toBe(IlpPacketType.Fulfill);
    expect(answers(alice1).size).toBe(0);
    expect(balance(node, 'peer:alice')).toMatchObject({ balance: '300', reserved: '0' });
    expect(balance(node, 'peer:bob')?.balance).toBe('-300');
  });

  it('the source is gone with no new login: the Fulfill is not booked, it is recorded as a late fulfill', async () => {
    const { node, url } = await hub();
    const bob = await raw(url, 'bob');
    const alice1 = await raw(url, 'alice');
    alice1.send(prepareFrame(78, 400n, 20_000));
    await waitFor(() => prepares(bob).length === 1, 20_000, 'the Prepare at bob');
    alice1.terminate();
    await waitFor(() => !node.listPeers().find((p) => p.id === 'alice')?.connected, 20_000, 'alice disconnected');
    bob.send(prepares(bob)[0].fulfill);
    await waitFor(() => balance(node, 'peer:bob')?.lateFulfills, 20_000, 'the late fulfill recorded');
    expect(balance(node, 'peer:bob')).toMatchObject({ balance: '0', lateFulfills: { count: 1, amount: '400' } });
    expect(balance(node, 'peer:alice')).toMatchObject({ balance: '0', reserved: '0' });
  });
});
