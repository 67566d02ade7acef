import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, configSchema, loadConfig } from '../../src/config/index.js';
import { tempDir } from './helpers.js';

describe('loadConfig defaults and discovery', () => {
  it('resolves the embedded defaults when there is no file', () => {
    const cwd = tempDir();
    const { config, warnings, source } = loadConfig(undefined, { env: {}, cwd });
    expect(source).toBe('defaults');
    expect(warnings).toEqual([]);
    expect(config).toEqual({
      nodeId: 'agent-runtime',
      ilpAddress: 'g.agent-runtime',
      assetCode: 'USD',
      assetScale: 9,
      feeBps: 10,
      dataDir: join(cwd, 'data', 'agent-runtime'),
      logLevel: 'info',
      btpServerPort: 3000,
      btpServerHost: '127.0.0.1',
      healthCheckPort: 8080,
      healthCheckHost: '127.0.0.1',
      peers: [],
      routes: [],
      localDelivery: { enabled: false, timeout: 30000 },
      adminApi: { enabled: false, host: '127.0.0.1', port: 8081, allowedIps: [], maxBodyBytes: 65536 },
      explorer: { enabled: false, host: '127.0.0.1', port: 3001, maxEvents: 10000, retentionMs: 3600000, allowSend: false, allowApprove: false },
      metrics: { enabled: true },
      settlement: { enabled: false, redeem: { minAmount: 0n, intervalMs: 0, onClose: true } },
      security: { environment: 'development', allowedHosts: [], trustProxy: false },
      performance: {
        expiryMarginMs: 1000,
        maxHoldTimeMs: 30000,
        maxFrameBytes: 65536,
        // issue 17: enforced caps with safe defaults
        maxInFlightPerPeer: 1024,
        maxInFlightBytesPerPeer: 8388608,
        maxPreAuthConnections: 512,
        maxPreAuthPerAddress: 32,
        preAuthTimeoutMs: 5000,
      },
      ledger: { backend: 'leveldb', postgres: { maxBatchesInFlight: 4, tls: { enabled: false, rejectUnauthorized: true } }, sync: true, journalRetentionMs: 900000, snapshot: { intervalMs: 0, keep: 3 } },
      policies: { peers: {} },
      rates: { base: 'USD', static: {}, spread: '0' },
      routing: { enabled: true, broadcastIntervalMs: 30000, holdDownMs: 45000, maxRoutesPerPeer: 10000, exportPolicy: 'all' },
      http: { host: '127.0.0.1', port: 3002, maxBodyBytes: 65536, downAfterFailures: 3 },
      cluster: { enabled: false, heartbeatMs: 1000, deadAfterMs: 5000, leaseCheckMs: 500, balanceRefreshMs: 500, forwardHost: '127.0.0.1', forwardPort: 0 },
    });
  });

  it('derives ilpAddress and dataDir from nodeId, and resolves dataDir against the cwd', () => {
    const cwd = tempDir();
    const a = loadConfig({ nodeId: 'alpha' }, { env: {}, cwd }).config;
    expect(a.ilpAddress).toBe('g.alpha');
    expect(a.dataDir).toBe(join(cwd, 'data', 'alpha'));
    const b = loadConfig({ nodeId: 'alpha', dataDir: 'state/x', ilpAddress: 'test.alpha' }, { env: {}, cwd }).config;
    expect(b.dataDir).toBe(join(cwd, 'state', 'x'));
    expect(b.ilpAddress).toBe('test.alpha');
  });

  it('leaves ilpAddress undefined with a parent peer so it is learned by ILDCP, unless it is set', () => {
    const parent = { id: 'up', url: 'ws://127.0.0.1:7000', authToken: 't', relation: 'parent' as const, creditLimit: 0 };
    const learned = loadConfig({ peers: [parent] }, { env: {}, cwd: tempDir() }).config;
    expect(learned.ilpAddress).toBeUndefined();
    const fixed = loadConfig({ ilpAddress: 'g.mine', peers: [parent] }, { env: {}, cwd: tempDir() }).config;
    expect(fixed.ilpAddress).toBe('g.mine');
  });

  it('reads ./config.yaml from the cwd, and AGENT_RUNTIME_CONFIG before it', () => {
    const cwd = tempDir({ 'config.yaml': 'nodeId: from-cwd\n', 'other/node.yaml': 'nodeId: from-env\n' });
    const cwdFile = loadConfig(undefined, { env: {}, cwd });
    expect(cwdFile.source).toBe(join(cwd, 'config.yaml'));
    expect(cwdFile.config.nodeId).toBe('from-cwd');
    const envFile = loadConfig(undefined, { env: { AGENT_RUNTIME_CONFIG: 'other/node.yaml' }, cwd });
    expect(envFile.source).toBe(join(cwd, 'other', 'node.yaml'));
    expect(envFile.config.nodeId).toBe('from-env');
  });

  it('treats an empty file as all defaults', () => {
    const cwd = tempDir({ 'empty.yaml': '# nothing yet\n' });
    expect(loadConfig('empty.yaml', { env: {}, cwd }).config.nodeId).toBe('agent-runtime');
  });

  it('throws a ConfigError with a hint for a missing file', () => {
    const cwd = tempDir();
    let error: unknown;
    try {
      loadConfig('nope.yaml', { env: {}, cwd });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const e = error as ConfigError;
    expect(e.code).toBe('CONFIG_INVALID');
    expect(e.issues).toEqual([
      { path: join(cwd, 'nope.yaml'), message: 'config file not found', hint: 'check the path, or run `agent-runtime setup` to write one' },
    ]);
    expect(e.message).toContain(`${join(cwd, 'nope.yaml')}: config file not found (check the path`);
  });

  it('returns a deeply frozen config', () => {
    const { config } = loadConfig(
      { peers: [{ id: 'p', authToken: 't', rateLimit: { packetsPerSecond: 5 } }], routes: [{ prefix: 'g.p', nextHop: 'p' }] },
      { env: {}, cwd: tempDir() },
    );
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.peers)).toBe(true);
    expect(Object.isFrozen(config.peers[0])).toBe(true);
    expect(Object.isFrozen(config.peers[0].rateLimit)).toBe(true);
    expect(Object.isFrozen(config.adminApi.allowedIps)).toBe(true);
    expect(Object.isFrozen(config.settlement.redeem)).toBe(true);
    expect(() => {
      (config as { nodeId: string }).nodeId = 'x';
    }).toThrow(TypeError);
    expect(() => (config.peers as unknown as unknown[]).push({})).toThrow(TypeError);
  });

  it('does not modify the object it is given and can load its own output again', () => {
    const input = { nodeId: 'n', peers: [{ id: 'p', authToken: 't', creditLimit: '5' }] };
    const snapshot = structuredClone(input);
    const first = loadConfig(input, { env: { AGENT_RUNTIME_FEE_BPS: '5' }, cwd: tempDir() }).config;
    expect(input).toEqual(snapshot);
    expect(first.peers[0].creditLimit).toBe(5n);
    const again = loadConfig(first as never, { env: {}, cwd: tempDir() }).config;
    expect(again).toEqual(first);
  });

  it('applies rate limit and alias defaults through the schema alone', () => {
    const parsed = configSchema.parse({
      peers: [{ id: 'p', authToken: 't', rateLimit: { packetsPerSecond: 2.5 } }],
      adminApi: { allowedIPs: ['10.0.0.0/8'] },
    });
    expect(parsed.peers[0].rateLimit).toEqual({ packetsPerSecond: 2.5, burst: 3 });
    expect(parsed.adminApi.allowedIps).toEqual(['10.0.0.0/8']);
    expect('allowedIPs' in parsed.adminApi).toBe(false);
    expect(parsed.dataDir).toBe('data/agent-runtime');
  });
});
