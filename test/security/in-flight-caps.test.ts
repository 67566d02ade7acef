/**
 * Bounded resources: performance.maxInFlightPerPeer and maxInFlightBytesPerPeer are enforced over a
 * real BTP socket. A peer whose Prepares are never answered downstream gets T03 naming the limit
 * once it holds the cap, the refusals are counted in /metrics, and once answers come back it is
 * served again.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Harness, waitFor } from '../helpers/node.js';
import { RawPeer } from '../reliability/helpers.js';
import { BtpType, decodeBtp, deserializeIlpPacket, encodeBtpIlp, getIlpData, serializeFulfill, serializePrepare } from '../../src/codec.js';
import { computeConditionFromData } from '../../src/index.js';

const h = new Harness();
afterEach(() => h.cleanup());

function prepare(requestId: number, destination: string, data: Buffer) {
  const { condition } = computeConditionFromData(data);
  const ilp = serializePrepare({ amount: 0n, expiresAt: new Date(Date.now() + 20_000), executionCondition: condition, destination, data });
  return encodeBtpIlp(BtpType.Message, requestId, ilp);
}

/** The ILP answers alice got, by request id. */
function answers(peer: RawPeer): Map<number, { type: number; code?: string; message?: string }> {
  const out = new Map<number, { type: number; code?: string; message?: string }>();
  for (const f of peer.frames) {
    const frame = decodeBtp(f);
    const ilp = getIlpData(frame);
    if (ilp === undefined) continue;
    const p = deserializeIlpPacket(ilp);
    out.set(frame.requestId, p.type === 14 ? { type: 14, code: p.reject.code, message: p.reject.message } : { type: p.type });
  }
  return out;
}

describe('in-flight caps per peer', () => {
  it('T03 past maxInFlightPerPeer and past maxInFlightBytesPerPeer, counted in /metrics; served again once answered', async () => {
    const hub = h.node({
      nodeId: 'hub',
      ilpAddress: 'g.hub',
      performance: { maxInFlightPerPeer: 3, maxInFlightBytesPerPeer: 40_000 },
      peers: ['alice', 'bob', 'carol'].map((id) => ({ id, authToken: `${id}-secret`, relation: 'child', creditLimit: '1000000' })),
    } as never);
    await hub.start();
    const url = `ws://127.0.0.1:${hub.btpPort}`;
    // bob holds every Prepare until told to answer
    const { peer: bob } = await RawPeer.connect(url, 'bob', 'bob-secret');
    const held: Buffer[] = [];
    bob.onFrame((f) => held.push(f));
    const { peer: alice } = await RawPeer.connect(url, 'alice', 'alice-secret');
    for (let i = 1; i <= 5; i++) alice.send(prepare(i, 'g.hub.bob', Buffer.from(`small ${i}`)));
    await waitFor(() => answers(alice).size >= 2 && held.length >= 3, 20_000, 'two refusals and three forwarded');
    const refused = [...answers(alice).values()];
    expect(refused).toHaveLength(2);
    for (const r of refused) {
      expect(r.code).toBe('T03');
      expect(r.message).toContain('performance.maxInFlightPerPeer');
    }
    // bob answers the three: alice may send again
    for (const f of held.splice(0)) {
      const frame = decodeBtp(f);
      const p = deserializeIlpPacket(getIlpData(frame)!);
      if (p.type !== 12) continue;
      bob.send(encodeBtpIlp(BtpType.Response, frame.requestId, serializeFulfill({ fulfillment: computeConditionFromData(p.prepare.data).fulfillment, data: Buffer.alloc(0) })));
    }
    await waitFor(() => [1, 2, 3].every((id) => answers(alice).get(id)?.type === 13), 20_000, 'the three fulfilled');
    alice.send(prepare(6, 'g.hub.bob', Buffer.from('after')));
    await waitFor(() => held.length === 1, 20_000, 'the sixth forwarded');

    // the data cap: carol's 16 KB Prepares, the third passes 40 000 bytes
    const { peer: carol } = await RawPeer.connect(url, 'carol', 'carol-secret');
    for (let i = 1; i <= 3; i++) carol.send(prepare(i, 'g.hub.bob', Buffer.alloc(16_384, i)));
    await waitFor(() => answers(carol).size >= 1 && held.length >= 3, 20_000, 'one refusal, two forwarded');
    expect(answers(carol).get(3)).toMatchObject({ code: 'T03' });
    expect(answers(carol).get(3)?.message).toContain('performance.maxInFlightBytesPerPeer');

    const metrics = await (await fetch(`${hub.endpoints.health!}/metrics`)).text();
    expect(metrics).toMatch(/^ilp_inflight_rejected_total\{[^}]*peer="alice"[^}]*limit="count"[^}]*\} 2$/m);
    expect(metrics).toMatch(/^ilp_inflight_rejected_total\{[^}]*peer="carol"[^}]*limit="bytes"[^}]*\} 1$/m);
    // bob goes away: what he held is answered (T01/T02), so stopping the hub does not wait for expiries
    bob.terminate();
  });
});
