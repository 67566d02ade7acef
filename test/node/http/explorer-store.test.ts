/**
 * The explorer's history ring, channel view and SSE framing, without a server: capacity, retention,
 * the since/limit/type semantics of /api/events, and the replay cursor (droppedSeq).
 */
import { describe, expect, it } from 'vitest';
import type { NodeEvent } from '../../../src/node/events.js';
import { EventStore } from '../../../src/node/http/explorer/event-store.js';
import { ChannelView } from '../../../src/node/http/explorer/channel-view.js';
import { serialize } from '../../../src/node/http/explorer/sse-hub.js';
import { preview, PREVIEW_BYTES, SendPreviews } from '../../../src/node/http/explorer/send-previews.js';

let seq = 0;
function packet(ts: number, type: 'packet:prepared' | 'packet:fulfilled' = 'packet:prepared', packetId = `p${seq + 1}`): NodeEvent {
  seq++;
  if (type === 'packet:prepared') return { type, seq, ts, nodeId: 'n', packetId, from: 'a', destination: 'g.b', amount: '1' };
  return { type, seq, ts, nodeId: 'n', packetId, from: 'a', to: 'b', destination: 'g.b', amount: '1', amountOut: '1', fee: '0', latencyMs: 1 };
}
function stats(ts: number): NodeEvent {
  seq++;
  return { type: 'node:stats', seq, ts, nodeId: 'n', packetsIn: 0, fulfilledPerSec: 0, rejectedPerSec: 0, inFlight: 0, totalFulfilled: 0, totalRejected: 0 };
}
function balance(ts: number): NodeEvent {
  seq++;
  return { type: 'balance:changed', seq, ts, nodeId: 'n', account: 'peer:b', balance: '-5' };
}

describe('EventStore', () => {
  it('keeps the newest maxEvents, in order, and remembers what it dropped', () => {
    const now = Date.now();
    const store = new EventStore(5, 60_000, () => now);
    const all = Array.from({ length: 12 }, () => packet(now));
    for (const e of all) store.append(e);
    expect(store.length).toBe(5);
    const page = store.query({ limit: 100 });
    expect(page.events.map((e) => e.seq)).toEqual(all.slice(7).map((e) => e.seq));
    expect(page.oldestSeq).toBe(all[7].seq);
    expect(page.latestSeq).toBe(all[11].seq);
    expect(store.droppedSeq).toBe(all[6].seq);
    expect(page.hasMore).toBe(false);
  });

  it('without since: the newest `limit` matches, oldest first; with since: the oldest after it', () => {
    const now = Date.now();
    const store = new EventStore(100, 60_000, () => now);
    const all = Array.from({ length: 10 }, () => packet(now));
    for (const e of all) store.append(e);
    const newest = store.query({ limit: 3 });
    expect(newest.events.map((e) => e.seq)).toEqual(all.slice(7).map((e) => e.seq));
    expect(newest.hasMore).toBe(true);
    const after = store.query({ limit: 3, since: all[2].seq });
    expect(after.events.map((e) => e.seq)).toEqual(all.slice(3, 6).map((e) => e.seq));
    expect(after.hasMore).toBe(true);
    expect(store.query({ limit: 3, since: all[9].seq })).toMatchObject({ events: [], hasMore: false });
    expect(store.after(all[7].seq).map((e) => e.seq)).toEqual([all[8].seq, all[9].seq]);
  });

  it('filters by exact type, by family and by packet id', () => {
    const now = Date.now();
    const store = new EventStore(100, 60_000, () => now);
    const a = packet(now, 'packet:prepared', 'x');
    const b = balance(now);
    const c = packet(now, 'packet:fulfilled', 'x');
    const d = packet(now, 'packet:prepared', 'y');
    for (const e of [a, b, c, d]) store.append(e);
    expect(store.query({ limit: 10, types: ['packet'] }).events).toEqual([a, c, d]);
    expect(store.query({ limit: 10, types: ['packet:fulfilled', 'balance'] }).events).toEqual([b, c]);
    expect(store.query({ limit: 10, packetId: 'x' }).events).toEqual([a, c]);
    expect(store.query({ limit: 10, types: ['settlement'] }).events).toEqual([]);
  });

  it('prunes by age (retentionMs) and keeps node:stats outside the ring', () => {
    let now = 1_000_000;
    const store = new EventStore(100, 1000, () => now);
    const old = packet(now - 5000);
    const fresh = packet(now - 10);
    const st = stats(now);
    for (const e of [old, fresh, st]) store.append(e);
    expect(store.lastStats).toBe(st);
    expect(store.query({ limit: 10 }).events).toEqual([fresh]);
    expect(store.droppedSeq).toBe(old.seq);
    expect(store.latestSeq).toBe(st.seq);
    now += 2000;
    expect(store.prune()).toBe(1);
    expect(store.length).toBe(0);
    expect(store.oldestSeq).toBe(0);
  });
});

describe('ChannelView', () => {
  it('folds channel and settlement events into one row per channel with its transactions', () => {
    const v = new ChannelView(2);
    const base = { nodeId: 'n', ts: 1, peerId: 'bob', chain: 'evm:base:8453' };
    v.apply({ ...base, seq: 1, type: 'channel:opened', channelId: 'c1', deposit: '1000', txHash: '0xaa' });
    v.apply({ ...base, seq: 2, type: 'settlement:claim-sent', channelId: 'c1', amount: '10', cumulative: '10' });
    v.apply({ ...base, seq: 3, type: 'settlement:claim-received', channelId: 'c2', amount: '5', cumulative: '5' });
    v.apply({ ...base, seq: 4, type: 'settlement:redeemed', channelId: 'c2', amount: '5', txHash: '0xbb' });
    v.apply({ ...base, seq: 5, type: 'settlement:redeemed', channelId: 'c2', amount: '7', txHash: '0xcc' });
    const [c2, c1] = v.list();
    expect(c1).toMatchObject({ channelId: 'c1', state: 'opened', deposit: '1000', lastClaimSent: { cumulative: '10' }, transactions: [{ txHash: '0xaa' }] });
    expect(c2).toMatchObject({ channelId: 'c2', state: 'unknown', redeemed: '12', lastClaimReceived: { cumulative: '5' } });
    expect(c2.transactions.map((t) => t.txHash)).toEqual(['0xbb', '0xcc']);
    // bounded: a third channel drops the least recently active one (c1)
    v.apply({ ...base, seq: 6, type: 'channel:funded', channelId: 'c3', deposit: '5' });
    expect(v.list().map((c) => c.channelId)).toEqual(['c3', 'c2']);
  });
});

describe('SSE framing and send previews', () => {
  it('writes one id and one data line per event', () => {
    const e = packet(5);
    expect(serialize([e])).toBe(`id: ${e.seq}\ndata: ${JSON.stringify(e)}\n\n`);
  });

  it('keeps the first PREVIEW_BYTES of a packet, and a bounded number of packets', () => {
    const big = preview(Buffer.alloc(PREVIEW_BYTES + 10, 0x61));
    expect(big).toMatchObject({ length: PREVIEW_BYTES + 10, truncated: true });
    expect(Buffer.from(big.data, 'base64').length).toBe(PREVIEW_BYTES);
    expect(preview(Buffer.from('hi'))).toEqual({ data: Buffer.from('hi').toString('base64'), length: 2, truncated: false });
    const p = new SendPreviews(2);
    for (const id of ['a', 'b', 'c']) p.set({ packetId: id, ts: 0, prepare: preview(Buffer.alloc(0)) });
    expect(p.ids()).toEqual(['b', 'c']);
  });
});
