/**
 * `agent-runtime demo` with anvil installed: it starts a chain, deploys our contracts, opens channels
 * alice → hub → bob, and an on-chain settlement shows in the hub's event stream well within 60 s.
 */
import { describe, expect, it } from 'vitest';
import type { NodeEvent } from '../../src/index.js';
import { findAnvil } from '../../src/settlement/chains/evm/anvil.js';
import { run } from '../cli/run-command.js';

const events = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as NodeEvent);

describe.runIf(findAnvil() !== undefined)('demo with a chain', () => {
  it('opens channels, sends claims and redeems them on-chain within seconds', async () => {
    const r = await run(['demo', '--duration', '12', '--json', '--interval', '100']);
    expect(r.exitCode, r.stderr).toBe(0);
    const all = events(r.stdout);
    const started = all.find((e) => e.type === 'node:started')!;
    const opened = all.filter((e) => e.type === 'channel:opened');
    expect(opened.map((e) => (e as { peerId: string }).peerId).sort()).toEqual(['alice', 'bob']);
    expect(all.some((e) => e.type === 'settlement:claim-received' && e.peerId === 'alice')).toBe(true);
    expect(all.some((e) => e.type === 'settlement:claim-sent' && e.peerId === 'bob')).toBe(true);
    const redeemed = all.find((e) => e.type === 'settlement:redeemed');
    expect(redeemed).toMatchObject({ chain: 'evm', txHash: expect.stringMatching(/^0x[0-9a-f]{64}$/) as string });
    expect(redeemed!.ts - started.ts).toBeLessThan(60_000);
    expect(all.some((e) => e.type === 'settlement:failed')).toBe(false);
  });

  it('--no-chain: no settlement at all', async () => {
    const r = await run(['demo', '--duration', '1', '--json', '--no-chain']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(events(r.stdout).some((e) => e.type.startsWith('channel:') || e.type.startsWith('settlement:'))).toBe(false);
  });
});
