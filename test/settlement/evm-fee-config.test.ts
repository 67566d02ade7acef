/**
 * settlement.evm.replaceAfterMs and maxFeePerGasGwei through `validate` (the schema): defaults, the
 * values refused with their path, and the gwei → wei conversion the adapter gets (exact, decimals kept).
 */
import { describe, expect, it } from 'vitest';
import { loadConfig, validateConfigFile } from '../../src/config/index.js';
import { gweiToWei } from '../../src/settlement/chains/index.js';
import { tempDir } from '../config/helpers.js';

const evm = (extra: string[]): string =>
  [
    'settlement:',
    '  enabled: true',
    '  evm:',
    '    rpcUrl: http://127.0.0.1:8545',
    '    chainId: 31337',
    '    contract: "0x1111111111111111111111111111111111111111"',
    '    token: "0x2222222222222222222222222222222222222222"',
    ...extra.map((l) => `    ${l}`),
    '',
  ].join('\n');

const env = { AGENT_RUNTIME_EVM_PRIVATE_KEY: `0x${'12'.repeat(32)}` };

describe('settlement.evm fee settings', () => {
  it('default: replace after 60 s, no cap', () => {
    const cwd = tempDir({ 'c.yaml': evm([]) });
    const c = loadConfig('c.yaml', { cwd, env }).config;
    expect(c.settlement.evm?.replaceAfterMs).toBe(60_000);
    expect(c.settlement.evm?.maxFeePerGasGwei).toBeUndefined();
  });

  it('refuses a zero or negative value, naming the key', () => {
    const cwd = tempDir({ 'c.yaml': evm(['replaceAfterMs: 0', 'maxFeePerGasGwei: -1']) });
    const result = validateConfigFile('c.yaml', { cwd, env });
    expect(result.ok).toBe(false);
    expect(result.issues.map((i) => i.path).sort()).toEqual(['settlement.evm.maxFeePerGasGwei', 'settlement.evm.replaceAfterMs']);
  });

  it('accepts a fractional gwei cap (an L2), converted to wei exactly', () => {
    const cwd = tempDir({ 'c.yaml': evm(['replaceAfterMs: 30000', 'maxFeePerGasGwei: 0.05']) });
    expect(validateConfigFile('c.yaml', { cwd, env }).ok).toBe(true);
    expect(gweiToWei(0.05)).toBe(50_000_000n);
    expect(gweiToWei(150)).toBe(150_000_000_000n);
    expect(gweiToWei(1.000000001)).toBe(1_000_000_001n);
  });
});
