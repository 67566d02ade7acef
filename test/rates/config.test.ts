import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/index.js';

const cwd = mkdtempSync(join(tmpdir(), 'rates-config-'));
const load = (rates: unknown, env: Record<string, string> = {}) => loadConfig({ rates } as never, { env, cwd }).config.rates;
const problem = (rates: unknown): string => {
  try {
    load(rates);
  } catch (err) {
    return (err as Error).message;
  }
  return 'accepted';
};

describe('rates config', () => {
  it('defaults base to the node asset and takes decimal strings', () => {
    expect(load({ static: { XRP: '1.923077' }, spread: '0.002' })).toEqual({ base: 'USD', static: { XRP: '1.923077' }, spread: '0.002' });
    expect(loadConfig({ assetCode: 'EUR' }, { env: {}, cwd }).config.rates.base).toBe('EUR');
  });

  it('reads static rates from the environment as CODE=rate pairs', () => {
    expect(load(undefined, { AGENT_RUNTIME_RATES_STATIC: 'XRP=1.923077,EUR=0.92' }).static).toEqual({ XRP: '1.923077', EUR: '0.92' });
  });

  it('refuses bad rates with the path and the reason', () => {
    expect(problem({ static: { XRP: 1.923077 } })).toMatch(/rates\.static\.XRP.*decimal string/s);
    expect(problem({ static: { XRP: '0' } })).toMatch(/rates\.static\.XRP.*zero/s);
    expect(problem({ static: { XRP: '-2' } })).toMatch(/rates\.static\.XRP.*negative/s);
    expect(problem({ static: { XRP: 'abc' } })).toMatch(/rates\.static\.XRP.*not a decimal/s);
    expect(problem({ spread: '1' })).toMatch(/rates\.spread.*less than 1/s);
    expect(problem({ base: 'USD', static: { USD: '2' } })).toMatch(/rates\.static\.USD.*base asset/s);
    expect(problem({ source: { url: 'http://127.0.0.1:1/r', pollIntervalMs: 5000, maxAgeMs: 5000 } })).toMatch(/pollIntervalMs/);
    expect(problem({ source: { url: 'ftp://x' } })).toMatch(/rates\.source\.url/);
  });
});
