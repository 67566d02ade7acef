import { describe, expect, it } from 'vitest';
import { cells, col, fitLine, render } from '../../../src/tui/components/line/segments.js';
import { balanceBar, barSegments } from '../../../src/tui/components/balance-bar/bar.js';
import { sparkline } from '../../../src/tui/components/sparkline/blocks.js';
import { packetSegments } from '../../../src/tui/components/packets-pane/packet-row.js';
import { T0, rejected } from '../helpers.js';

describe('segments', () => {
  it('cuts and pads columns', () => {
    expect(col('abcdef', 4)).toEqual({ text: 'abc…' });
    expect(col('ab', 4, { align: 'right', color: 'red' })).toEqual({ text: '  ab', color: 'red' });
    expect(col('ab', 1)).toEqual({ text: '…' });
  });

  it('fits a line to exactly the width', () => {
    const line = fitLine([{ text: 'abc' }, { text: 'defgh', color: 'red' }, { text: 'never' }], 6);
    expect(line).toEqual([{ text: 'abc' }, { text: 'de…', color: 'red' }]);
    expect(cells(fitLine([{ text: 'ab' }], 5))).toBe(5);
  });

  it('colours segments only when asked', () => {
    const s = [{ text: 'ok ' }, { text: 'F02', color: 'red' as const, bold: true }];
    expect(render(s, false)).toBe('ok F02');
    expect(render(s, true)).toBe('ok \x1b[1;31mF02\x1b[22;39m');
    expect(render([{ text: ' PAUSED ', inverse: true, dim: true }], true)).toBe('\x1b[2;7m PAUSED \x1b[22;27m');
  });

  it('draws rejects in red, with the code’s name', () => {
    const e = { ...rejected('T04'), seq: 1, ts: T0, nodeId: 'hub' };
    const result = packetSegments(e as never, 80).at(-1)!;
    expect(result).toMatchObject({ color: 'red' });
    expect(result.text.trim()).toBe('T04 Insufficient…');
    expect(cells(packetSegments(e as never, 80))).toBe(80);
  });
});

describe('balance bar', () => {
  it('fills the left half toward the settle threshold and the right toward the credit limit', () => {
    expect(balanceBar('-2500', '5000', '10000', 4)).toMatchObject({ leftEmpty: 2, leftFill: 2, rightFill: 0, settleDue: false });
    expect(balanceBar('-6000', '5000', undefined, 4)).toMatchObject({ leftFill: 4, settleDue: true });
    expect(balanceBar('9500', undefined, '10000', 4)).toMatchObject({ leftFill: 0, rightFill: 4, nearLimit: true });
    expect(balanceBar('1', undefined, '10000', 4)).toMatchObject({ rightFill: 1, nearLimit: false });
    expect(balanceBar('500', undefined, undefined, 4)).toMatchObject({ leftFill: 0, rightFill: 0 });
  });

  it('is exactly as wide as asked', () => {
    expect(barSegments('-2500', '5000', '10000', 9).map((s) => s.text).join('')).toBe('··██│····');
    expect(cells(barSegments('0', undefined, undefined, 10))).toBe(10);
  });
});

describe('sparkline', () => {
  it('scales to the largest sample and keeps the newest that fit', () => {
    expect(sparkline([0, 1, 2, 4, 8], 10)).toBe('▁▁▂▄█');
    expect(sparkline([8, 0, 8], 2)).toBe('▁█');
    expect(sparkline([0, 0], 5)).toBe('▁▁');
    expect(sparkline([], 5)).toBe('');
  });
});
