import { describe, expect, it } from 'vitest';
import { DashboardFeed } from '../../src/tui/feed.js';
import { FakeSource, fulfilled, peer, prepared, stats } from './helpers.js';

describe('DashboardFeed', () => {
  it('subscribes (turning the node’s events on), folds batches into the store, and unsubscribes on close', () => {
    const src = new FakeSource();
    const feed = new DashboardFeed(src);
    expect(src.events.active).toBe(true);
    src.emit(prepared(), fulfilled());
    expect(feed.store.totals.fulfilled).toBe(1);
    feed.close();
    expect(src.events.active).toBe(false);
    src.emit(fulfilled());
    expect(feed.store.totals.fulfilled).toBe(1);
  });

  it('seeds from the snapshot of a node that ran before it subscribed', () => {
    const src = new FakeSource();
    src.events.countPacket('fulfilled');
    src.events.countPacket('rejected');
    src.events.emit({ type: 'balance:changed', account: 'fees', balance: '-3' });
    const feed = new DashboardFeed(src);
    expect(feed.store.totals).toMatchObject({ fulfilled: 1, rejected: 1 });
    expect(feed.store.balances.get('fees')).toBe('-3');
  });

  it('re-reads peers and health on stats, at most twice a second', () => {
    let t = 1_000_000;
    const src = new FakeSource();
    src.peers = [peer('alice')];
    src.uptime = 5;
    const feed = new DashboardFeed(src, () => t);
    expect([...feed.store.peers.keys()]).toEqual(['alice']);
    src.peers = [peer('alice'), peer('bob', { connected: false })];
    t += 100;
    src.emit(stats());
    expect(feed.store.peers.size).toBe(1); // too soon
    t += 500;
    src.emit(stats());
    expect([...feed.store.peers.keys()]).toEqual(['alice', 'bob']);
    expect(feed.store.uptimeSec).toBe(5);
  });

  it('tells its listeners when the node starts to stop, even late ones', () => {
    const src = new FakeSource();
    const feed = new DashboardFeed(src);
    const calls: string[] = [];
    feed.onStopping(() => calls.push('early'));
    const off = feed.onStopping(() => calls.push('removed'));
    off();
    src.emit({ type: 'node:stopping', reason: 'SIGTERM' });
    feed.onStopping(() => calls.push('late'));
    expect(calls).toEqual(['early', 'late']);
  });

  it('counts a node that is no longer started as stopping (its node:stopping went out before we subscribed)', () => {
    const src = Object.assign(new FakeSource(), { isStarted: false });
    const feed = new DashboardFeed(src);
    let told = false;
    feed.onStopping(() => (told = true));
    expect(told).toBe(true);
  });

  it('survives a node whose peer list throws', () => {
    const src = new FakeSource();
    src.listPeers = () => {
      throw new Error('stopped');
    };
    expect(() => new DashboardFeed(src)).not.toThrow();
  });
});
