import { describe, expect, it } from 'vitest';
import { DEV_PRIVATE_KEYS, configSchema, hostsOverlap, loadConfig } from '../../src/config/index.js';
import { issueAt, issuesOf, peer, tempDir } from './helpers.js';

const EVM = {
  rpcUrl: 'https://rpc.example',
  chainId: 8453,
  contract: `0x${'1'.repeat(40)}`,
  token: `0x${'2'.repeat(40)}`,
  privateKey: `0x${'ab'.repeat(32)}`,
};

describe('peer rules', () => {
  it('rejects duplicate peer ids naming both entries', () => {
    const issue = issueAt(issuesOf({ peers: [peer('a'), peer('b'), peer('a')] }), 'peers[2].id');
    expect(issue.message).toBe("duplicate peer id 'a' (also peers[0].id)");
  });

  it('rejects ids whose secret variables collide, naming both ids and the variable', () => {
    const issue = issueAt(issuesOf({ peers: [peer('peer-b'), peer('peer~B')] }), 'peers[1].id');
    expect(issue.message).toBe("peer ids 'peer-b' (peers[0]) and 'peer~B' (peers[1]) share the secret variable BTP_PEER_PEER_B_SECRET");
    expect(issue.hint).toMatch(/rename one of them/);
  });

  it('reserves local and the nodeId as peer ids', () => {
    const issues = issuesOf({ nodeId: 'me', peers: [peer('local'), peer('me')] });
    expect(issueAt(issues, 'peers[0].id').message).toBe("peer id 'local' is reserved");
    expect(issueAt(issues, 'peers[1].id').hint).toContain("the nodeId ('me')");
  });

  it('allows at most one parent', () => {
    const issues = issuesOf({ peers: [peer('p1', { relation: 'parent' }), peer('p2', { relation: 'parent' })] });
    expect(issueAt(issues, 'peers[1].relation').message).toBe("more than one parent: 'p1' and 'p2'");
  });

  it('lets a peer have its own asset (issue 19: per-peer assets, converted by rates)', () => {
    const ok = loadConfig({ peers: [peer('a', { assetCode: 'EUR' }), peer('b', { assetScale: 6 })] }, { env: {}, cwd: tempDir() });
    expect(ok.config.peers[0].assetCode).toBe('EUR');
    expect(ok.config.peers[1].assetScale).toBe(6);
  });

  it('validates peer urls, ids and settlement addresses per chain', () => {
    const issues = issuesOf({
      settlement: { enabled: false },
      peers: [
        peer('a', { url: 'http://a:1' }),
        peer('b c'),
        peer('d', { settlement: { chain: 'xrpl', address: '0xabc' } }),
        peer('e', { settlement: { chain: 'evm', address: `0x${'a'.repeat(40)}` } }),
        peer('f', { url: 'ws://127.0.0.1:99999' }),
      ],
    });
    expect(issueAt(issues, 'peers[0].url').message).toBe('must be a ws:// or wss:// URL');
    expect(issueAt(issues, 'peers[4].url').message).toBe('port 99999 is out of range: a port is 1-65535');
    expect(issueAt(issues, 'peers[1].id').message).toMatch(/\[a-zA-Z0-9_~-\]\+/);
    expect(issueAt(issues, 'peers[2].settlement.address').message).toBe('must be a classic r… address for chain xrpl');
    expect(issues.some((i) => i.path.startsWith('peers[3]'))).toBe(false);
  });

  it('reads amounts as bigint from numbers, decimal strings and bigints, and checks their ranges', () => {
    const { config } = loadConfig(
      { peers: [peer('a', { creditLimit: '18446744073709551616', maxPacketAmount: 5, settleThreshold: 7n })] },
      { env: {}, cwd: tempDir() },
    );
    expect(config.peers[0].creditLimit).toBe(18446744073709551616n);
    expect(config.peers[0].maxPacketAmount).toBe(5n);
    expect(config.peers[0].settleThreshold).toBe(7n);
    const issues = issuesOf({
      peers: [
        peer('a', { creditLimit: -1 }),
        peer('b', { settleThreshold: '0' }),
        peer('c', { maxPacketAmount: '18446744073709551616' }),
        peer('d', { creditLimit: '1.5' }),
        peer('e', { creditLimit: 1.5 }),
      ],
    });
    expect(issueAt(issues, 'peers[0].creditLimit').message).toBe('must be 0 or more');
    expect(issueAt(issues, 'peers[1].settleThreshold').message).toBe('must be greater than 0');
    expect(issueAt(issues, 'peers[2].maxPacketAmount').message).toBe('must be at most 18446744073709551615 (unsigned 64-bit)');
    expect(issueAt(issues, 'peers[3].creditLimit').message).toMatch(/whole number of asset units/);
    expect(issueAt(issues, 'peers[4].creditLimit').message).toMatch(/whole number of asset units/);
  });
});

describe('listener collisions', () => {
  it('rejects two listeners on one host:port, naming both keys', () => {
    const issue = issueAt(issuesOf({ btpServerPort: 9000, healthCheckPort: 9000 }), 'healthCheckPort');
    expect(issue.message).toBe('healthCheckPort and btpServerPort both use 127.0.0.1:9000 (127.0.0.1:9000)');
  });

  it('checks the admin API and explorer only when enabled', () => {
    expect(issueAt(issuesOf({ explorer: { enabled: true, port: 8081 }, adminApi: { enabled: true } }), 'explorer.port').message).toMatch(
      /^explorer\.port and adminApi\.port both use/,
    );
    const ok = loadConfig({ explorer: { port: 8081 }, adminApi: { enabled: false, port: 3000 } }, { env: {}, cwd: tempDir() });
    expect(ok.config.explorer.enabled).toBe(false);
  });

  it('treats 0.0.0.0 as overlapping every host, and different hosts as apart', () => {
    expect(issueAt(issuesOf({ btpServerHost: '0.0.0.0', healthCheckPort: 3000, healthCheckHost: '10.1.2.3' }), 'healthCheckPort').message).toMatch(
      /healthCheckPort and btpServerPort/,
    );
    const apart = loadConfig({ healthCheckHost: '127.0.0.2', healthCheckPort: 3000 }, { env: {}, cwd: tempDir() });
    expect(apart.config.healthCheckPort).toBe(3000);
    expect(hostsOverlap('localhost', '127.0.0.1')).toBe(true);
    expect(hostsOverlap('::', '10.0.0.1')).toBe(true);
    expect(hostsOverlap('[::1]', '::1')).toBe(true);
    expect(hostsOverlap('10.0.0.1', '10.0.0.2')).toBe(false);
  });

  it('never counts port 0 as a collision', () => {
    const { config } = loadConfig(
      { btpServerPort: 0, healthCheckPort: 0, adminApi: { port: 0 }, explorer: { enabled: true, port: 0 } },
      { env: {}, cwd: tempDir() },
    );
    expect([config.btpServerPort, config.healthCheckPort, config.adminApi.port, config.explorer.port]).toEqual([0, 0, 0, 0]);
  });

  it('rejects a local delivery handler URL on a listener of this node', () => {
    const issues = issuesOf({ localDelivery: { enabled: true, handlerUrl: 'http://localhost:8080' } });
    expect(issueAt(issues, 'localDelivery.handlerUrl').message).toBe(
      'localDelivery.handlerUrl and healthCheckPort both use localhost:8080 (127.0.0.1:8080)',
    );
    // the URL is the user's own server: the hint says to move that server or the node's listener
    expect(issueAt(issues, 'localDelivery.handlerUrl').hint).toBe(
      "the handler URL is your own server's address: run that server on a port the node does not listen on (and change the URL to it), or move healthCheckPort to another port (0 picks a free one)",
    );
    const https = issuesOf({ adminApi: { enabled: true, port: 443 }, localDelivery: { enabled: true, handlerUrl: 'https://127.0.0.1/bls' } });
    expect(issueAt(https, 'localDelivery.handlerUrl').message).toMatch(/adminApi\.port/);
  });
});

describe('local delivery and admin API', () => {
  it('requires handlerUrl when local delivery is enabled', () => {
    const issue = issueAt(issuesOf({ localDelivery: { enabled: true } }), 'localDelivery.handlerUrl');
    expect(issue.message).toBe('is required when localDelivery.enabled is true');
    expect(issuesOf({ localDelivery: { handlerUrl: 'ftp://x' } })[0]).toMatchObject({ path: 'localDelivery.handlerUrl', message: 'must be a http:// or https:// URL' });
  });

  it('requires an apiKey for an admin API on a non-loopback host', () => {
    const issue = issueAt(issuesOf({ adminApi: { enabled: true, host: '0.0.0.0' } }), 'adminApi.apiKey');
    expect(issue.message).toBe('is required when the admin API listens on 0.0.0.0 (not loopback)');
    expect(issue.hint).toMatch(/AGENT_RUNTIME_API_KEY/);
    const keyed = loadConfig({ adminApi: { host: '0.0.0.0', apiKey: 'k' } }, { env: {}, cwd: tempDir() });
    expect(keyed.config.adminApi.apiKey).toBe('k');
  });

  it('validates allowedIps and accepts the seed alias allowedIPs, but not both', () => {
    const issues = issuesOf({ adminApi: { allowedIps: ['10.0.0.1', '10.0.0.0/33', 'nope'] } });
    expect(issues.map((i) => i.path)).toEqual(['adminApi.allowedIps[1]', 'adminApi.allowedIps[2]']);
    const alias = loadConfig({ adminApi: { allowedIPs: ['::1', 'fd00::/8'] } }, { env: {}, cwd: tempDir() });
    expect(alias.config.adminApi.allowedIps).toEqual(['::1', 'fd00::/8']);
    expect(issueAt(issuesOf({ adminApi: { allowedIps: [], allowedIPs: [] } }), 'adminApi.allowedIPs').hint).toBe('keep only allowedIps');
  });
});

describe('settlement rules', () => {
  it('needs a configured chain and its key when enabled', () => {
    expect(issueAt(issuesOf({ settlement: { enabled: true } }), 'settlement.enabled').message).toBe('is true but no chain is configured');
    const { privateKey: _omit, ...noKey } = EVM;
    const issue = issueAt(issuesOf({ settlement: { enabled: true, evm: noKey } }), 'settlement.evm.privateKey');
    expect(issue.hint).toMatch(/AGENT_RUNTIME_EVM_PRIVATE_KEY/);
    const { config } = loadConfig({ settlement: { enabled: true, evm: EVM } }, { env: {}, cwd: tempDir() });
    expect(config.settlement.evm?.chainId).toBe(8453);
  });

  it("requires a peer's chain to be configured when settlement is enabled", () => {
    const issues = issuesOf({
      settlement: { enabled: true, evm: EVM },
      peers: [peer('x', { settlement: { chain: 'aptos', address: '0x1' } })],
    });
    expect(issueAt(issues, 'peers[0].settlement.chain').message).toBe('is aptos but settlement.aptos is not configured');
  });
});

describe('production profile', () => {
  const production = { security: { environment: 'production' as const }, adminApi: { enabled: true, apiKey: 'k' } };

  it('requires an admin apiKey even on loopback', () => {
    const issue = issueAt(issuesOf({ security: { environment: 'production' }, adminApi: { enabled: true } }), 'adminApi.apiKey');
    expect(issue.message).toBe('is required: security.environment is production');
    expect(loadConfig({ ...production }, { env: {}, cwd: tempDir() }).config.security.environment).toBe('production');
    expect(loadConfig({ ...production, adminApi: { enabled: false } }, { env: {}, cwd: tempDir() }).config.adminApi.enabled).toBe(false);
  });

  it.each(DEV_PRIVATE_KEYS)('refuses the development key %s', (key) => {
    for (const privateKey of [key, `0x${key}`, `0x${key.toUpperCase()}`]) {
      const issues = issuesOf({ ...production, settlement: { enabled: true, evm: { ...EVM, privateKey } } });
      expect(issueAt(issues, 'settlement.evm.privateKey').message).toMatch(/well-known Anvil\/Hardhat development key/);
    }
    const dev = loadConfig({ settlement: { enabled: true, evm: { ...EVM, privateKey: key } } }, { env: {}, cwd: tempDir() });
    expect(dev.config.settlement.evm?.privateKey).toBe(key);
  });

  it('refuses plain http and ws RPC URLs', () => {
    const issues = issuesOf({
      ...production,
      settlement: {
        evm: { ...EVM, rpcUrl: 'http://127.0.0.1:8545' },
        xrpl: { server: 'ws://rippled:6006' },
        aptos: { nodeUrl: 'http://aptos:8080/v1', module: '0x1::channel' },
      },
    });
    expect(issueAt(issues, 'settlement.evm.rpcUrl').message).toBe('is a plain http:// URL: security.environment is production');
    expect(issueAt(issues, 'settlement.xrpl.server').hint).toMatch(/wss:\/\//);
    expect(issueAt(issues, 'settlement.aptos.nodeUrl').message).toMatch(/plain http/);
  });
});

describe('reporting', () => {
  it('lists rule problems next to field problems that would hide them', () => {
    const issues = issuesOf({ logLevel: 'loud', btpServerPort: 1, healthCheckPort: 1 } as never);
    expect(issues.map((i) => i.path)).toEqual(['logLevel', 'healthCheckPort']);
  });
});

describe('the schema alone', () => {
  it('runs the same cross-field rules as the loader', () => {
    const r = configSchema.safeParse({ btpServerPort: 1, healthCheckPort: 1 });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]).toMatchObject({ code: 'custom', path: ['healthCheckPort'], params: { keys: ['healthCheckPort', 'btpServerPort'] } });
  });
});
