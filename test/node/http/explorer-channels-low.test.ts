/**
 * The explorer's channel view (what GET /api/channels serves): `remaining` (deposit − our latest claim)
 * and `nearEmpty` once it is under 10% of the deposit, cleared by a deposit. The page shows `LOW`
 * beside the deposit for such a channel (src/explorer-ui/tables-view.js).
 */
import { describe, expect, it } from 'vitest';
import type { NodeEvent, NodeEventInput } from '../../../src/node/events.js';
import { ChannelView, nearEmpty } from '../../../src/node/http/explorer/channel-view.js';

let seq = 0;
const ev = (input: NodeEventInput): NodeEvent => ({ ...input, seq: ++seq, ts: 1_000 + seq, nodeId: 'hub' });
const channelId = `0x${'ab'.repeat(32)}`;
const claim = (cumulative: string) => ev({ type: 'settlement:claim-sent', peerId: 'bob', chain: 'evm', channelId, amount: '100', cumulative });

describe('explorer channels: near empty', () => {
  it('the rule: under 10% of the deposit left', () => {
    expect(nearEmpty(1000n, 900n)).toBe(false);
    expect(nearEmpty(1000n, 901n)).toBe(true);
    expect(nearEmpty(1000n, 1000n)).toBe(true);
    expect(nearEmpty(0n, 0n)).toBe(false);
  });

  it('remaining and nearEmpty follow claims and deposits', () => {
    const v = new ChannelView();
    v.apply(ev({ type: 'channel:opened', peerId: 'bob', chain: 'evm', channelId, deposit: '1000' }));
    expect(v.list()[0]).toMatchObject({ nearEmpty: false });
    expect(v.list()[0].remaining).toBeUndefined();
    v.apply(claim('800'));
    expect(v.list()[0]).toMatchObject({ remaining: '200', nearEmpty: false });
    v.apply(claim('950'));
    expect(v.list()[0]).toMatchObject({ remaining: '50', nearEmpty: true });
    v.apply(ev({ type: 'channel:funded', peerId: 'bob', chain: 'evm', channelId, deposit: '2000' }));
    expect(v.list()[0]).toMatchObject({ remaining: '1050', nearEmpty: false });
  });
});
