import { describe, expect, it } from 'vitest';
import type { ConfigError} from '../../src/config/index.js';
import { loadConfig } from '../../src/config/index.js';
import { closest, editDistance } from '../../src/config/explain.js';
import { issueAt, issuesOf, peer, tempDir } from './helpers.js';

describe('unknown keys', () => {
  it('fail with the full path and a did-you-mean for a near key', () => {
    const issues = issuesOf({ adminApi: { prot: 9000 }, btpServerPrt: 1, peers: [peer('a', { authtoken: 'x' })] } as never);
    expect(issueAt(issues, 'adminApi.prot')).toEqual({ path: 'adminApi.prot', message: 'unknown key', hint: 'did you mean port?' });
    expect(issueAt(issues, 'btpServerPrt').hint).toBe('did you mean btpServerPort?');
    expect(issueAt(issues, 'peers[0].authtoken').hint).toBe('did you mean authToken?');
  });

  it('match snake_case spellings of a key', () => {
    expect(issueAt(issuesOf({ health_check_port: 1 } as never), 'health_check_port').hint).toBe('did you mean healthCheckPort?');
  });

  it('point at a key that lives in another section', () => {
    expect(issueAt(issuesOf({ environment: 'production' } as never), 'environment').hint).toBe('did you mean security.environment?');
    expect(issueAt(issuesOf({ adminApi: { maxEvents: 1 } } as never), 'adminApi.maxEvents').hint).toBe('did you mean explorer.maxEvents?');
  });

  it('list the allowed keys when nothing is close', () => {
    expect(issueAt(issuesOf({ metrics: { zzzzzz: 1 } } as never), 'metrics.zzzzzz').hint).toBe('allowed here: enabled');
  });

  it('refuse per-hop notifications, BTP no-auth and TigerBeetle with a hint', () => {
    const issues = issuesOf({
      localDelivery: { perHopNotification: true },
      security: { btpNoAuth: true },
      settlement: { tigerBeetleClusterId: 0, tigerBeetleReplicas: ['127.0.0.1:3000'] },
    } as never);
    const perHop = issueAt(issues, 'localDelivery.perHopNotification');
    expect(perHop.message).toBe('per-hop notifications are not offered');
    expect(perHop.hint).toMatch(/identity is bound to a secret; per-hop notifications are not offered/);
    expect(issueAt(issues, 'security.btpNoAuth').message).toBe('BTP without authentication is not offered');
    expect(issueAt(issues, 'security.btpNoAuth').hint).toMatch(/BTP_PEER_<ID>_SECRET/);
    expect(issueAt(issues, 'settlement.tigerBeetleClusterId').message).toBe('TigerBeetle is not offered yet');
    expect(issueAt(issues, 'settlement.tigerBeetleReplicas').message).toBe('TigerBeetle is not offered yet');
  });

  it("explain the seed's moved keys", () => {
    const issues = issuesOf({
      settlement: { connectorFeePercentage: 0.1, enableSettlement: true },
      peers: [peer('a', { evmAddress: '0x0' })],
    } as never);
    expect(issueAt(issues, 'settlement.connectorFeePercentage').hint).toMatch(/feeBps/);
    expect(issueAt(issues, 'settlement.enableSettlement').hint).toBe('did you mean settlement.enabled?');
    expect(issueAt(issues, 'peers[0].evmAddress').hint).toMatch(/settlement: \{chain: evm/);
  });

  it('suggest the nearest value of an enum', () => {
    const issue = issueAt(issuesOf({ logLevel: 'warning' } as never), 'logLevel');
    expect(issue.message).toBe('must be one of trace, debug, info, warn, error, fatal, silent');
    expect(issue.hint).toBe('did you mean warn?');
  });

  it('print every issue in the error message as path: message (hint)', () => {
    let message = '';
    try {
      loadConfig({ adminApi: { prot: 1 }, feeBps: 20000 } as never, { env: {}, cwd: tempDir() });
    } catch (err) {
      message = (err as ConfigError).message;
    }
    expect(message.split('\n')).toEqual([
      'Invalid config (object): 2 problems',
      '  feeBps: must be at most 10000',
      '  adminApi.prot: unknown key (did you mean port?)',
    ]);
  });

  it('never print the value of a mistyped key', () => {
    const issues = issuesOf({ adminApi: { apiKey: 12345678 }, peers: [peer('a', { authToken: ['s3cr3t-value'] })] } as never);
    expect(JSON.stringify(issues)).not.toMatch(/12345678|s3cr3t-value/);
    expect(issueAt(issues, 'adminApi.apiKey').message).toBe('must be a string, got a number');
  });
});

describe('near-key matching', () => {
  it('counts a swap of two neighbours as one edit', () => {
    expect(editDistance('prot', 'port')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(closest('hots', ['host', 'port'])).toBe('host');
    expect(closest('xyz', ['host', 'port'])).toBeUndefined();
  });
});
