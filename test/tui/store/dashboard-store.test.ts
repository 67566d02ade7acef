import { describe, expect, it } from 'vitest';
import type { EventSnapshot, NodeEvent, NodeEventInput } from '../../../src/node/events.js';
import { PACKET_HISTORY, applyBatch, applyEvent, createStore, refreshHealth, refreshPeers } from '../../../src/tui/store/dashboard-store.js';
import { T0, fulfilled, peer, prepared, rejected, stats } from '../helpers.js';

let seq = 0;
const ev = (input: NodeEventInput, ts = T0): NodeEvent => ({ ...input, seq: ++seq, ts, nodeId: 'hub' });

const emptySnapshot = (extra: Partial<EventSnapshot> = {}): EventSnapshot => ({
  nodeId: 'hub',
  seq: 0,
  peers: {},
  balances: {},
  totals: { fulfilled: 0, rejected: 0, inFlight: 0 },
  ...extra,
});

describe('createStore', () => {
  it('starts from the snapshot: peers, balances, totals, in flight', () => {
    const s = createStore(
      emptySnapshot({
        peers: { alice: { connected: true, direction: 'inbound' }, bob: { connected: false, reconnectAttempt: 2 } },
        balances: { 'peer:alice': '1500', fees: '-15' },
        totals: { fulfilled: 10, rejected: 2, inFlight: 3 },
      }),
      'g.hub',
      T0,
    );
    expect(s.totals).toEqual({ fulfilled: 10, rejected: 2, late: 0 });
    expect(s.inFlight).toBe(3);
    expect(s.peers.get('alice')).toMatchObject({ connected: true, balance: '1500' });
    expect(s.peers.get('bob')).toMatchObject({ connected: false, reconnectAttempt: 2, balance: '0' });
    expect(s.balances.get('fees')).toBe('-15');
  });
});

describe('applyEvent (the reducer)', () => {
  it('counts packets: prepared raises in flight, a result lowers it, counts it and lists it', () => {
    const s = createStore(emptySnapshot(), 'g.hub', T0);
    applyBatch(s, [ev(prepared()), ev(prepared()), ev(fulfilled()), ev(rejected('F02'))]);
    expect(s.inFlight).toBe(0);
    expect(s.totals).toEqual({ fulfilled: 1, rejected: 1, late: 0 });
    expect(s.packets.newest().map((p) => p.type)).toEqual(['packet:rejected', 'packet:fulfilled']);
    expect(s.window).toMatchObject({ prepared: 2, out: 1 }); // the F02 never reached a next hop
  });

  it('never lets in flight go below zero (results of packets prepared before we subscribed)', () => {
    const s = createStore(emptySnapshot(), 'g.hub', T0);
    applyEvent(s, ev(fulfilled()));
    expect(s.inFlight).toBe(0);
  });

  it('counts a packet delivered locally as in, not out', () => {
    const s = createStore(emptySnapshot(), 'g.hub', T0);
    applyBatch(s, [ev(prepared()), ev(fulfilled({ to: 'local' }))]);
    expect(s.window).toMatchObject({ prepared: 1, out: 0 });
  });

  it('keeps a bounded history however many packets arrive', () => {
    const s = createStore(emptySnapshot(), 'g.hub', T0);
    for (let i = 0; i < PACKET_HISTORY * 3; i++) applyEvent(s, ev(fulfilled({ packetId: `x${i}` })));
    expect(s.packets.size).toBe(PACKET_HISTORY);
    expect(s.packets.at(0)).toMatchObject({ packetId: `x${PACKET_HISTORY * 3 - 1}` });
    expect(s.totals.fulfilled).toBe(PACKET_HISTORY * 3);
  });

  it('node:stats sets the rates from what was counted since the last one, and takes the node counters', () => {
    const s = createStore(emptySnapshot(), 'g.hub', T0);
    const batch = [];
    for (let i = 0; i < 30; i++) batch.push(ev(prepared()), ev(fulfilled()));
    applyBatch(s, batch);
    applyEvent(s, ev(stats({ inFlight: 7, totalFulfilled: 500, totalRejected: 4, fulfilledPerSec: 20, rejectedPerSec: 1 }), T0 + 2000));
    expect(s.rates).toEqual({ inPerSec: 15, outPerSec: 15, fulfilledPerSec: 20, rejectedPerSec: 1 });
    expect(s.throughput.newest()).toEqual([15]);
    expect(s.totals).toMatchObject({ fulfilled: 500, rejected: 4 });
    expect(s.inFlight).toBe(7);
    expect(s.window).toEqual({ since: T0 + 2000, prepared: 0, out: 0 });
    // Events after the stats count on from the node's figures.
    applyBatch(s, [ev(prepared()), ev(fulfilled())]);
    expect(s.totals.fulfilled).toBe(501);
    expect(s.inFlight).toBe(7);
  });

  it('tracks balances, and peer balances by their account', () => {
    const s = createStore(emptySnapshot(), 'g.hub', T0);
    applyBatch(s, [ev({ type: 'balance:changed', account: 'peer:alice', balance: '2000' }), ev({ type: 'balance:changed', account: 'fees', balance: '-2' })]);
    expect(s.peers.get('alice')?.balance).toBe('2000');
    expect(s.balances.get('fees')).toBe('-2');
    expect(s.peers.has('fees')).toBe(false);
  });

  it('tracks connections: connected, reconnecting with its attempt, disconnected', () => {
    const s = createStore(emptySnapshot(), 'g.hub', T0);
    applyEvent(s, ev({ type: 'peer:reconnecting', peerId: 'bob', attempt: 3, delayMs: 800 }));
    expect(s.peers.get('bob')).toMatchObject({ connected: false, reconnectAttempt: 3 });
    applyEvent(s, ev({ type: 'peer:connected', peerId: 'bob', direction: 'outbound' }));
    expect(s.peers.get('bob')).toMatchObject({ connected: true, reconnectAttempt: undefined });
    applyEvent(s, ev({ type: 'peer:disconnected', peerId: 'bob', reason: 'socket closed' }));
    expect(s.peers.get('bob')?.connected).toBe(false);
  });

  it('tracks settlement: totals, each peer’s last step, the activity list and channels', () => {
    const s = createStore(emptySnapshot(), 'g.hub', T0);
    applyBatch(s, [
      ev({ type: 'settlement:required', peerId: 'bob', owed: '6000', threshold: '5000' }),
      ev({ type: 'channel:opened', peerId: 'bob', chain: 'evm', channelId: '0xabc', deposit: '100000', txHash: '0x01' }),
      ev({ type: 'settlement:claim-sent', peerId: 'bob', chain: 'evm', channelId: '0xabc', amount: '6000', cumulative: '6000' }),
      ev({ type: 'settlement:claim-received', peerId: 'alice', chain: 'evm', channelId: '0xdef', amount: '700', cumulative: '1700' }),
      ev({ type: 'settlement:redeemed', peerId: 'alice', chain: 'evm', channelId: '0xdef', amount: '1700', txHash: '0x02' }),
      ev({ type: 'settlement:failed', peerId: 'carol', chain: 'xrpl', reason: 'rpc down' }),
      ev({ type: 'channel:closing', peerId: 'bob', chain: 'evm', channelId: '0xabc' }),
    ]);
    expect(s.settlement).toEqual({ claimsSent: 1, claimsSentAmount: 6000n, claimsReceived: 1, claimsReceivedAmount: 700n, redeemed: 1, failed: 1, operationsPending: 0, operationsFinal: 0 });
    expect(s.peers.get('bob')?.settlement).toMatchObject({ state: 'claim-sent', detail: '6000' });
    expect(s.peers.get('alice')?.settlement).toMatchObject({ state: 'redeemed', detail: '1700' });
    expect(s.peers.get('carol')?.settlement).toMatchObject({ state: 'failed', detail: 'rpc down' });
    expect(s.activity.size).toBe(7);
    // closing keeps what the channel opened with, and our latest claim on it (the near-empty mark)
    expect(s.channels.get('0xabc')).toEqual({ channelId: '0xabc', peerId: 'bob', chain: 'evm', state: 'closing', deposit: '100000', txHash: '0x01', claimed: '6000' });
  });

  it('tracks our settlement transactions: pending with confirmations in the summary, the activity list only at start, reorg and end', () => {
    const s = createStore(emptySnapshot(), 'g.hub', T0);
    const op = { type: 'settlement:operation', operationId: 'evm-1', operation: 'deposit', peerId: 'bob', chain: 'evm', channelId: '0xabc', required: 3, amount: '500' } as const;
    applyBatch(s, [ev({ ...op, state: 'pending', confirmations: 0 }), ev({ ...op, state: 'pending', confirmations: 0, txHash: '0x01' }), ev({ ...op, state: 'pending', confirmations: 1, txHash: '0x01' })]);
    expect(s.settlement).toMatchObject({ operationsPending: 1, operationsFinal: 0, pendingOperation: 'deposit 1/3' });
    expect(s.activity.size).toBe(1);
    applyEvent(s, ev({ ...op, state: 'reorged', confirmations: 0, txHash: '0x01', reason: 'reorg: …' }));
    expect(s.settlement.pendingOperation).toBe('deposit reorged');
    applyEvent(s, ev({ ...op, state: 'final', confirmations: 3, txHash: '0x01', gasUsed: '50000' }));
    expect(s.settlement).toMatchObject({ operationsPending: 0, operationsFinal: 1, pendingOperation: undefined });
    expect(s.operations.size).toBe(0);
    expect(s.activity.size).toBe(3);
  });

  it('marks late fulfills, the address, and the node stopping', () => {
    const s = createStore(emptySnapshot(), 'local.alice', T0);
    applyBatch(s, [
      ev({ type: 'packet:late-fulfill', packetId: 'p', to: 'bob', destination: 'g.hub.bob', amount: '5' }),
      ev({ type: 'node:started', ilpAddress: 'g.hub.alice', btpPort: 1, healthPort: 2, dataDir: '/d' }),
      ev({ type: 'node:stopping', reason: 'stop() called' }),
    ]);
    expect(s.totals.late).toBe(1);
    expect(s.ilpAddress).toBe('g.hub.alice');
    expect(s.stopping).toBe(true);
    expect(s.status).toBe('stopping');
  });

  it('bumps the version on every change, so the render timer sees it', () => {
    const s = createStore(emptySnapshot(), 'g.hub', T0);
    const v = s.version;
    applyEvent(s, ev(prepared()));
    expect(s.version).toBeGreaterThan(v);
  });
});

describe('refreshPeers and refreshHealth', () => {
  it('take relations, limits and balances from the node, and drop removed peers', () => {
    const s = createStore(emptySnapshot({ peers: { gone: { connected: true } } }), 'g.hub', T0);
    refreshPeers(s, [peer('alice', { balance: '12', settleThreshold: '500', settlement: { chain: 'evm', address: '0x1' } })]);
    expect([...s.peers.keys()]).toEqual(['alice']);
    expect(s.peers.get('alice')).toMatchObject({ relation: 'child', balance: '12', creditLimit: '1000000', settleThreshold: '500', chain: 'evm' });
    expect(s.peersStale).toBe(false);
  });

  it('keep the status at stopping once the node said so', () => {
    const s = createStore(emptySnapshot(), 'g.hub', T0);
    refreshHealth(s, { uptime: 61, status: 'degraded' }, 'g.hub', T0);
    expect(s).toMatchObject({ uptimeSec: 61, uptimeAt: T0, status: 'degraded' });
    applyEvent(s, ev({ type: 'node:stopping', reason: 'x' }));
    refreshHealth(s, { uptime: 62, status: 'healthy' }, 'g.hub', T0 + 1000);
    expect(s.status).toBe('stopping');
  });
});
