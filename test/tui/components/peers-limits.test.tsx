/**
 * Issue 19 (surfaces): the peers pane shows each peer's credit limit and settle threshold as amounts
 * of the peer's own asset, as it shows balances (`12.500000 XRP`), never as raw units. Frames
 * rendered by Ink (ink-testing-library) at 80 and 120 columns, asserted line for line.
 */
import { cleanup, render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { limitsText } from '../../../src/tui/components/peers-pane/peer-row.js';
import { PeersPane } from '../../../src/tui/components/peers-pane/peers-pane.js';
import type { PeerState } from '../../../src/tui/store/dashboard-store.js';

afterEach(cleanup);

const XRP6 = { code: 'XRP', scale: 6 };
const USD9 = { code: 'USD', scale: 9 };

const peers: PeerState[] = [
  // 12.5 XRP of credit, settle at 5 XRP
  { id: 'xrp', relation: 'peer', connected: true, balance: '-2500000', creditLimit: '12500000', settleThreshold: '5000000', asset: XRP6, settlement: { state: 'idle' } },
  // 2 USD of credit, settle at 0.75 USD, no threshold on the next
  { id: 'usd', relation: 'child', connected: true, balance: '1000000000', creditLimit: '2000000000', settleThreshold: '750000000', asset: USD9, settlement: { state: 'idle' } },
  { id: 'open', relation: 'child', connected: false, balance: '0', asset: XRP6, settlement: { state: 'idle' } },
];

const frame = (width: number) => render(<PeersPane peers={peers} focused={false} width={width} rows={3} scroll={0} />).lastFrame();

describe('peers pane: limit and threshold in the peer’s asset', () => {
  it('at 120 columns each amount shows every fraction digit with its code, ∞ and - when unset', () => {
    expect(frame(120)).toBe(
      [
        '  peers  2/3 up · bar: we owe │ owes us · limit / settle at ────────────────────────────────────────────────────────────',
        'up       xrp            peer   ····█████│·········    -2.500000 XRP   12.500000 XRP /    5.000000 XRP idle',
        'up       usd            child  ·········│█████····  1.000000000 USD 2.000000000 USD / 0.750000000 USD idle',
        'down     open           child  ·········│·········     0.000000 XRP               ∞ /               - off',
      ].join('\n'),
    );
  });

  it('at 80 columns both values and the asset once', () => {
    expect(frame(80)).toBe(
      [
        '  peers  2/3 up · bar: we owe │ owes us · limit / settle at ────────────────────',
        'up       xrp       peer   ··███│·····  -2.500000 XRP 12.5/5 XRP      idle',
        'up       usd       child  ·····│███··          1 USD 2/0.75 USD      idle',
        'down     open      child  ·····│·····   0.000000 XRP ∞/- XRP         off',
      ].join('\n'),
    );
  });

  it('limitsText: exact amounts, and raw units only when the asset is unknown', () => {
    expect(limitsText({ creditLimit: '12500000', settleThreshold: '5000000', asset: XRP6 }, 33, true)).toBe('  12.500000 XRP /    5.000000 XRP');
    // at 100 columns (27 characters) an amount too long for its half loses trailing zeros, still exact
    expect(limitsText({ creditLimit: '12500000', settleThreshold: '5000000', asset: XRP6 }, 27, true)).toBe('    12.5 XRP / 5.000000 XRP');
    expect(limitsText({ creditLimit: '1', settleThreshold: '5000', asset: USD9 }, 15, false)).toBe('1e-9/5e-6 USD');
    expect(limitsText({ creditLimit: '1000000', settleThreshold: undefined, asset: undefined }, 27, true)).toBe('limit 1.0M · settle -');
  });
});
