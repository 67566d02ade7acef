import { describe, expect, it } from 'vitest';
import { envNameForPath, loadConfig, peerSecretEnvName } from '../../src/config/index.js';
import { issueAt, issuesOf, tempDir } from './helpers.js';

describe('env names', () => {
  it('split camelCase into words and join path segments with _', () => {
    expect(envNameForPath(['btpServerPort'])).toBe('AGENT_RUNTIME_BTP_SERVER_PORT');
    expect(envNameForPath(['adminApi', 'port'])).toBe('AGENT_RUNTIME_ADMIN_API_PORT');
    expect(envNameForPath(['performance', 'maxHoldTimeMs'])).toBe('AGENT_RUNTIME_PERFORMANCE_MAX_HOLD_TIME_MS');
    expect(envNameForPath(['adminApi', 'allowedIPs'])).toBe('AGENT_RUNTIME_ADMIN_API_ALLOWED_IPS');
  });

  it('name peer secrets BTP_PEER_<ID>_SECRET with - and ~ as _', () => {
    expect(peerSecretEnvName('peer-b')).toBe('BTP_PEER_PEER_B_SECRET');
    expect(peerSecretEnvName('a~b_c')).toBe('BTP_PEER_A_B_C_SECRET');
    expect(peerSecretEnvName('Alice')).toBe('BTP_PEER_ALICE_SECRET');
  });
});

describe('precedence: defaults < file < env < overrides', () => {
  it('layers each source over the one before', () => {
    const cwd = tempDir({ 'c.yaml': 'btpServerPort: 4000\nadminApi:\n  port: 4001\nperformance:\n  maxHoldTimeMs: 5000\n' });
    const fileOnly = loadConfig('c.yaml', { env: {}, cwd }).config;
    expect([fileOnly.btpServerPort, fileOnly.adminApi.port, fileOnly.healthCheckPort]).toEqual([4000, 4001, 8080]);

    const env = { AGENT_RUNTIME_BTP_SERVER_PORT: '5000', AGENT_RUNTIME_ADMIN_API_PORT: '5001', AGENT_RUNTIME_PERFORMANCE_MAX_HOLD_TIME_MS: '7000' };
    const withEnv = loadConfig('c.yaml', { env, cwd }).config;
    expect([withEnv.btpServerPort, withEnv.adminApi.port, withEnv.performance.maxHoldTimeMs]).toEqual([5000, 5001, 7000]);
    expect(withEnv.adminApi.host).toBe('127.0.0.1');

    const withFlags = loadConfig('c.yaml', { env, cwd, overrides: { btpServerPort: 6000, 'adminApi.port': '6001', logLevel: undefined } }).config;
    expect([withFlags.btpServerPort, withFlags.adminApi.port, withFlags.logLevel]).toEqual([6000, 6001, 'info']);
  });

  it('applies env over a config object too', () => {
    const { config } = loadConfig({ nodeId: 'obj', feeBps: 1 }, { env: { AGENT_RUNTIME_FEE_BPS: '30' }, cwd: tempDir() });
    expect(config.feeBps).toBe(30);
  });

  it('accepts sections as overrides', () => {
    const { config } = loadConfig(undefined, { env: {}, cwd: tempDir(), overrides: { explorer: { enabled: true, port: 0 } } });
    expect(config.explorer).toMatchObject({ enabled: true, port: 0, host: '127.0.0.1' });
  });
});

describe('coercion of env strings', () => {
  it('turns numbers, booleans and comma lists into their types', () => {
    const { config } = loadConfig(undefined, {
      cwd: tempDir(),
      env: {
        AGENT_RUNTIME_EXPLORER_ENABLED: 'yes',
        AGENT_RUNTIME_METRICS_ENABLED: 'false',
        AGENT_RUNTIME_LEDGER_SYNC: '1',
        AGENT_RUNTIME_ASSET_SCALE: '6',
        AGENT_RUNTIME_ADMIN_API_ALLOWED_IPS: '10.0.0.0/8, ::1',
        AGENT_RUNTIME_SETTLEMENT_REDEEM_MIN_AMOUNT: '18446744073709551616',
        AGENT_RUNTIME_LOG_LEVEL: 'debug',
        AGENT_RUNTIME_HEALTH_CHECK_PORT: '',
      },
    });
    expect(config.explorer.enabled).toBe(true);
    expect(config.metrics.enabled).toBe(false);
    expect(config.ledger.sync).toBe(true);
    expect(config.assetScale).toBe(6);
    expect(config.adminApi.allowedIps).toEqual(['10.0.0.0/8', '::1']);
    expect(config.settlement.redeem.minAmount).toBe(18446744073709551616n);
    expect(config.logLevel).toBe('debug');
    expect(config.healthCheckPort).toBe(8080);
  });

  it('names the variable when its value is invalid', () => {
    const issue = issueAt(issuesOf(undefined, { env: { AGENT_RUNTIME_BTP_SERVER_PORT: 'eighty' } }), 'btpServerPort');
    expect(issue.message).toBe('must be an integer, got a string (value from AGENT_RUNTIME_BTP_SERVER_PORT)');
    const range = issueAt(issuesOf(undefined, { env: { AGENT_RUNTIME_ADMIN_API_PORT: '70000' } }), 'adminApi.port');
    expect(range.message).toBe('must be at most 65535 (value from AGENT_RUNTIME_ADMIN_API_PORT)');
  });

  it('warns about AGENT_RUNTIME_ variables that set no key', () => {
    const { warnings } = loadConfig(undefined, {
      cwd: tempDir(),
      env: { AGENT_RUNTIME_BTP_PORT: '1', AGENT_RUNTIME_URL: 'http://x', AGENT_RUNTIME_CONFIG: '' },
    });
    expect(warnings).toEqual(['AGENT_RUNTIME_BTP_PORT is not a config variable and is ignored (did you mean AGENT_RUNTIME_BTP_SERVER_PORT?)']);
  });
});

describe('secrets from the environment', () => {
  const cwd = () => tempDir();

  it('fills a peer authToken from BTP_PEER_<ID>_SECRET, over a file value', () => {
    const { config, warnings } = loadConfig(
      { peers: [{ id: 'peer-b', creditLimit: 0 }, { id: 'c', authToken: 'literal', creditLimit: 0 }] },
      { cwd: cwd(), env: { BTP_PEER_PEER_B_SECRET: 'from-env', BTP_PEER_C_SECRET: 'env-wins' } },
    );
    expect(config.peers.map((p) => p.authToken)).toEqual(['from-env', 'env-wins']);
    expect(warnings).toEqual([]);
  });

  it('requires a token when neither the key nor the variable is set, naming the variable', () => {
    const issue = issueAt(issuesOf({ peers: [{ id: 'peer-b' }] }), 'peers[0].authToken');
    expect(issue.message).toBe('is required');
    expect(issue.hint).toBe('set BTP_PEER_PEER_B_SECRET in the environment or .env, or peers[0].authToken');
  });

  it('reads AGENT_RUNTIME_API_KEY into adminApi.apiKey', () => {
    const { config } = loadConfig(
      { adminApi: { host: '0.0.0.0' } },
      { cwd: cwd(), env: { AGENT_RUNTIME_API_KEY: 'k3y' } },
    );
    expect(config.adminApi.apiKey).toBe('k3y');
  });

  it('reads chain keys only for configured chains', () => {
    const env = { AGENT_RUNTIME_EVM_PRIVATE_KEY: 'ab'.repeat(32), AGENT_RUNTIME_XRPL_SEED: 'sEdSeed', AGENT_RUNTIME_APTOS_PRIVATE_KEY: 'k' };
    const none = loadConfig(undefined, { cwd: cwd(), env }).config;
    expect(none.settlement.evm).toBeUndefined();
    expect(none.settlement.xrpl).toBeUndefined();
    const xrpl = loadConfig({ settlement: { enabled: true, xrpl: { server: 'wss://x' } } }, { cwd: cwd(), env }).config;
    expect(xrpl.settlement.xrpl?.seed).toBe('sEdSeed');
    expect(xrpl.settlement.evm).toBeUndefined();
  });

  it('does not modify the environment it is given', () => {
    const env = { BTP_PEER_A_SECRET: 's', AGENT_RUNTIME_FEE_BPS: '3' };
    const before = { ...env };
    const processBefore = { ...process.env };
    loadConfig({ peers: [{ id: 'a', creditLimit: 1 }] }, { cwd: tempDir({ '.env': 'EXTRA=1\n' }), env });
    expect(env).toEqual(before);
    expect(process.env).toEqual(processBefore);
  });
});
