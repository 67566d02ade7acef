import { afterEach, describe, expect, it } from 'vitest';
import { Harness } from '../helpers/node.js';
import { json, run } from '../cli/run-command.js';
import type { RatesView } from '../../src/rates/node-rates.js';

const h = new Harness();
afterEach(() => h.cleanup());

describe('agent-runtime rates list|set', () => {
  it('sets rates exactly and lists them, with --json', async () => {
    const node = h.node({ nodeId: 'fx', rates: { static: { EUR: '0.92' } } });
    await node.start();
    const url = node.endpoints.admin!;
    const set = await run(['rates', 'set', 'XRP=1.923077', 'GBP=0.79', '--url', url, '--json']);
    expect(set.exitCode).toBe(0);
    expect(json<RatesView>(set).rates.map((r) => [r.code, r.rate])).toEqual([
      ['USD', '1'],
      ['EUR', '0.92'],
      ['GBP', '0.79'],
      ['XRP', '1.923077'],
    ]);
    const list = await run(['rates', 'list', '--url', url]);
    expect(list.stdout).toMatch(/XRP\s+1\.923077\s+static/);
    expect(list.stdout).toMatch(/PER 1 USD/);
  });

  it('refuses a bad pair or a bad rate with a catalogue code, changing nothing', async () => {
    const node = h.node({ nodeId: 'fx' });
    await node.start();
    const url = node.endpoints.admin!;
    const noValue = await run(['rates', 'set', 'XRP', '--url', url, '--json']);
    expect(noValue.exitCode).toBe(2);
    expect(noValue.stdout).toMatch(/INVALID_ARGUMENT/);
    const negative = await run(['rates', 'set', 'XRP=-1', '--url', url, '--json']);
    expect(negative.exitCode).toBe(2);
    expect(negative.stdout).toMatch(/RATES_INVALID/);
    expect(negative.stdout).toMatch(/negative/);
    const zero = await run(['rates', 'set', 'XRP=0', '--url', url, '--json']);
    expect(zero.stdout).toMatch(/zero/);
    const list = json<RatesView>(await run(['rates', 'list', '--url', url, '--json']));
    expect(list.rates.map((r) => r.code)).toEqual(['USD']);
  });
});
