/**
 * `npm run bench:gas` (bench/gas.ts) runs: it starts its own anvil, measures every TokenNetwork
 * operation and prints one JSON document whose figures are all positive whole numbers of gas. The
 * figures themselves are the README's, checked by running the command, not pinned here.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { root } from '../e2e/process.js';

describe('bench:gas', () => {
  it('measures each operation on anvil: every figure a positive integer, the per-packet table from the later redeem', { timeout: 90_000 }, () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'bench/gas.ts', '--json'], { cwd: root, encoding: 'utf8', timeout: 80_000 });
    expect(run.status, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as {
      figures: { key: string; gas: number }[];
      perPacket: { packetsPerClaim: number; gasPerPacket: number }[];
    };
    expect(report.figures.map((f) => f.key).sort()).toEqual(
      ['approve', 'closeByReceiver', 'closeBySender', 'cooperativeClose', 'deposit', 'openFirst', 'openLater', 'redeemFirst', 'redeemFirstEmpty', 'redeemLater', 'settle', 'withdraw'].sort(),
    );
    for (const f of report.figures) {
      expect(Number.isSafeInteger(f.gas) && f.gas > 0, `${f.key}: ${f.gas}`).toBe(true);
    }
    const later = report.figures.find((f) => f.key === 'redeemLater')!.gas;
    expect(report.perPacket.length).toBeGreaterThan(0);
    for (const p of report.perPacket) expect(p.gasPerPacket).toBe(Math.round(later / p.packetsPerClaim));
  });
});
