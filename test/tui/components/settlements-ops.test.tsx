/** The settlements pane with our transactions: a pending deposit (with its confirmations) and its end. */
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import type { NodeEvent, NodeEventInput } from '../../../src/node/events.js';
import { SettlementsPane } from '../../../src/tui/components/settlements-pane/settlements-pane.js';
import { applyBatch, createStore } from '../../../src/tui/store/dashboard-store.js';
import { buildViewModel } from '../../../src/tui/store/view-model.js';

let seq = 0;
const ev = (input: NodeEventInput): NodeEvent => ({ ...input, seq: ++seq, ts: Date.UTC(2026, 0, 1, 12, 0, 0), nodeId: 'hub' });

describe('SettlementsPane with settlement operations', () => {
  it('shows the pending deposit with its confirmations, then final; auto-deposit outcomes', () => {
    const s = createStore({ nodeId: 'hub', seq: 0, peers: {}, balances: {}, totals: { fulfilled: 0, rejected: 0, inFlight: 0 } }, 'g.hub');
    const op = { type: 'settlement:operation', operationId: 'evm-1', operation: 'deposit', peerId: 'bob', chain: 'evm', channelId: `0x${'ab'.repeat(32)}`, required: 3, amount: '500' } as const;
    applyBatch(s, [ev({ ...op, state: 'pending', confirmations: 0 }), ev({ ...op, state: 'pending', confirmations: 1, txHash: `0x${'cd'.repeat(32)}` })]);
    const pane = () => render(<SettlementsPane activity={buildViewModel(s, { now: Date.now(), filter: '' }).activity} channels={[]} totals={buildViewModel(s, { now: Date.now(), filter: '' }).settlement} focused={false} width={100} rows={4} scroll={0} />).lastFrame() ?? '';
    expect(pane()).toContain('tx pending 1 (deposit 1/3)');
    expect(pane()).toMatch(/deposit +bob +evm +500 pending 0\/3 · ch 0xabab…abab/);
    applyBatch(s, [
      ev({ ...op, state: 'final', confirmations: 3, txHash: `0x${'cd'.repeat(32)}`, gasUsed: '40000' }),
      ev({ type: 'settlement:auto-deposit', peerId: 'bob', chain: 'evm', channelId: op.channelId, outcome: 'wallet-short', amount: '100', available: '300', walletBalance: '50', reason: 'fund the wallet' }),
    ]);
    expect(pane()).toContain('tx final 1');
    expect(pane()).toMatch(/deposit +bob +evm +500 final · tx 0xcdcd…cdcd · ch 0xabab…abab/);
    expect(pane()).toMatch(/auto deposit +bob +evm +100 wallet-short: fund the wallet/);
  });
});
