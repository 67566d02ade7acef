/** The settlements pane marks an outgoing channel our claims left under 10% of its deposit as LOW. */
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import type { NodeEvent, NodeEventInput } from '../../../src/node/events.js';
import { SettlementsPane } from '../../../src/tui/components/settlements-pane/settlements-pane.js';
import { applyBatch, createStore } from '../../../src/tui/store/dashboard-store.js';
import { buildViewModel } from '../../../src/tui/store/view-model.js';

let seq = 0;
const ev = (input: NodeEventInput): NodeEvent => ({ ...input, seq: ++seq, ts: Date.UTC(2026, 0, 1, 12, 0, 0), nodeId: 'hub' });
const channelId = `0x${'ab'.repeat(32)}`;
const claim = (cumulative: string) => ev({ type: 'settlement:claim-sent', peerId: 'bob', chain: 'evm', channelId, amount: '100', cumulative });

describe('SettlementsPane: channels near empty', () => {
  it('LOW once deposit − latest claim is under 10% of the deposit; gone after a deposit', () => {
    const s = createStore({ nodeId: 'hub', seq: 0, peers: {}, balances: {}, totals: { fulfilled: 0, rejected: 0, inFlight: 0 } }, 'g.hub');
    const pane = () => {
      const vm = buildViewModel(s, { now: Date.now(), filter: '' });
      return render(<SettlementsPane activity={vm.activity} channels={vm.channels} totals={vm.settlement} focused={false} width={160} rows={4} scroll={0} />).lastFrame() ?? '';
    };
    applyBatch(s, [ev({ type: 'channel:opened', peerId: 'bob', chain: 'evm', channelId, deposit: '1000' }), claim('800')]);
    expect(pane()).toContain('channels 1 open');
    expect(pane()).not.toContain('LOW');
    applyBatch(s, [claim('950')]);
    expect(pane()).toContain('LOW bob evm 50 of 1000 left');
    applyBatch(s, [ev({ type: 'channel:funded', peerId: 'bob', chain: 'evm', channelId, deposit: '2000' })]);
    expect(pane()).not.toContain('LOW');
  });
});
