import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { issueAt, issuesOf, tempDir } from './helpers.js';

describe('YAML files', () => {
  it('report a syntax error with its line and column', () => {
    const cwd = tempDir({ 'bad.yaml': 'nodeId: a\npeers: [\n  - id: x\n' });
    const issues = issuesOf('bad.yaml', { cwd });
    expect(issues.length).toBeGreaterThan(0);
    expect(issues[0]).toMatchObject({ line: expect.any(Number), column: expect.any(Number) });
    expect(issues[0].message).toMatch(/^YAML syntax error: /);
    expect(issues[0].path).toBe(`${join(cwd, 'bad.yaml')}:${issues[0].line}:${issues[0].column}`);
  });

  it('report a duplicate key where it is', () => {
    const cwd = tempDir({ 'dup.yaml': 'nodeId: a\nfeeBps: 1\nnodeId: b\n' });
    expect(issuesOf('dup.yaml', { cwd })[0]).toMatchObject({ line: 3, column: 1, message: expect.stringMatching(/unique/) });
  });

  it('point schema problems at their line', () => {
    const cwd = tempDir({ 'c.yaml': 'nodeId: a\nadminApi:\n  port: 99999\npeers:\n  - id: p\n    authToken: t\n    url: http://p\n' });
    const issues = issuesOf('c.yaml', { cwd });
    expect(issueAt(issues, 'adminApi.port')).toMatchObject({ line: 3, column: 9, message: 'must be at most 65535' });
    expect(issueAt(issues, 'peers[0].url')).toMatchObject({ line: 7, column: 10 });
  });

  it('refuse a file that is not a mapping', () => {
    const cwd = tempDir({ 'list.yaml': '- nodeId: a\n' });
    expect(issuesOf('list.yaml', { cwd })[0].message).toMatch(/must hold a mapping/);
  });

  it('keep amounts above 2^53 exact and read small integers as numbers', () => {
    const cwd = tempDir({
      'c.yaml': 'feeBps: 15\npeers:\n  - id: p\n    authToken: t\n    creditLimit: 18446744073709551615\n    maxPacketAmount: 9007199254740993\n',
    });
    const { config } = loadConfig('c.yaml', { env: {}, cwd });
    expect(config.feeBps).toBe(15);
    expect(config.peers[0].creditLimit).toBe(18446744073709551615n);
    expect(config.peers[0].maxPacketAmount).toBe(9007199254740993n);
  });
});

describe('${VAR} references', () => {
  it('substitute variables and fallbacks anywhere in string values, coercing whole values', () => {
    const cwd = tempDir({
      'c.yaml': [
        'nodeId: ${NODE:-fallback-node}',
        'btpServerPort: ${PORT}',
        'explorer:',
        '  enabled: ${EXPLORE}',
        'peers:',
        '  - id: p',
        '    url: ws://${HOST}:${PEER_PORT:-7000}/btp',
        '    authToken: ${TOKEN}',
        '    creditLimit: ${LIMIT}',
        'routes:',
        '  - prefix: g.literal.$${NOT_A_VAR}',
        '    nextHop: p',
        '',
      ].join('\n'),
    });
    const env = { PORT: '4100', EXPLORE: 'true', HOST: 'peer.example', TOKEN: 'tok', LIMIT: '100000000000000000000', NODE: '' };
    const issues = issuesOf('c.yaml', { cwd, env });
    // `$${…}` stays a literal `${…}`, which is no valid ILP prefix: proof that it was not substituted.
    expect(issues.map((i) => i.path)).toEqual(['routes[0].prefix']);
  });

  it('give the resolved values to the schema', () => {
    const cwd = tempDir({
      'c.yaml': 'nodeId: ${NODE:-fallback-node}\nbtpServerPort: ${PORT}\nexplorer:\n  enabled: ${EXPLORE}\npeers:\n  - id: p\n    url: ws://${HOST}:${PEER_PORT:-7000}/btp\n    authToken: ${TOKEN}\n    creditLimit: ${LIMIT}\n',
    });
    const env = { PORT: '4100', EXPLORE: 'true', HOST: 'peer.example', TOKEN: 'tok', LIMIT: '100000000000000000000', NODE: '' };
    const { config, warnings } = loadConfig('c.yaml', { cwd, env });
    expect(config.nodeId).toBe('fallback-node');
    expect(config.btpServerPort).toBe(4100);
    expect(config.explorer.enabled).toBe(true);
    expect(config.peers[0]).toMatchObject({ url: 'ws://peer.example:7000/btp', authToken: 'tok', creditLimit: 100000000000000000000n });
    expect(warnings).toEqual([]);
  });

  it('name the key and the variable when a variable is missing', () => {
    const cwd = tempDir({ 'c.yaml': 'adminApi:\n  apiKey: ${ADMIN_KEY}\nbtpServerPort: ${PORT}\n' });
    const issues = issuesOf('c.yaml', { cwd, env: {} });
    expect(issueAt(issues, 'adminApi.apiKey')).toEqual({
      path: 'adminApi.apiKey',
      message: 'references ${ADMIN_KEY}, which is not set',
      hint: 'set ADMIN_KEY in the environment or in .env, or give a fallback: ${ADMIN_KEY:-value}',
    });
    expect(issueAt(issues, 'btpServerPort').message).toBe('references ${PORT}, which is not set');
  });

  it('report a malformed reference', () => {
    const cwd = tempDir({ 'c.yaml': 'nodeId: ${not valid}\n' });
    expect(issueAt(issuesOf('c.yaml', { cwd }), 'nodeId').message).toBe('has a malformed reference ${not valid}');
  });
});

describe('.env files', () => {
  it('read .env next to the config file before the one in the cwd; the environment wins over both', () => {
    const cwd = tempDir({
      '.env': 'A=cwd\nB=cwd\nC=cwd\n',
      'conf/.env': 'A=file\nB=file\n',
      'conf/node.yaml': 'nodeId: ${A}-${B}-${C}\n',
    });
    expect(loadConfig('conf/node.yaml', { cwd, env: {} }).config.nodeId).toBe('file-file-cwd');
    expect(loadConfig('conf/node.yaml', { cwd, env: { B: 'env' } }).config.nodeId).toBe('file-env-cwd');
  });

  it('feed AGENT_RUNTIME_ and BTP_PEER_ variables from .env', () => {
    const cwd = tempDir({
      '.env': 'AGENT_RUNTIME_FEE_BPS=42\nBTP_PEER_ALICE_SECRET="quoted secret"\n',
      'config.yaml': 'peers:\n  - id: alice\n    creditLimit: 5\n',
    });
    const { config, source } = loadConfig(undefined, { cwd, env: {} });
    expect(source).toBe(join(cwd, 'config.yaml'));
    expect(config.feeBps).toBe(42);
    expect(config.peers[0].authToken).toBe('quoted secret');
  });

  it('can name the config file through AGENT_RUNTIME_CONFIG in the cwd .env', () => {
    const cwd = tempDir({ '.env': 'AGENT_RUNTIME_CONFIG=nodes/a.yaml\n', 'nodes/a.yaml': 'nodeId: from-dotenv\n' });
    expect(loadConfig(undefined, { cwd, env: {} }).config.nodeId).toBe('from-dotenv');
  });
});

describe('literal secrets', () => {
  const yaml = [
    'adminApi:',
    '  apiKey: plain-key',
    'localDelivery:',
    '  authToken: ${BLS_TOKEN}',
    'peers:',
    '  - id: peer-b',
    '    authToken: plain-token',
    '    creditLimit: 1',
    'settlement:',
    '  xrpl:',
    '    server: wss://x',
    '    seed: sPlainSeed',
    '',
  ].join('\n');

  it('draw a warning naming the key and the variable to use, not the value', () => {
    const cwd = tempDir({ 'c.yaml': yaml });
    const { warnings } = loadConfig('c.yaml', { cwd, env: { BLS_TOKEN: 'x' } });
    const file = join(cwd, 'c.yaml');
    expect(warnings).toEqual([
      `adminApi.apiKey: a literal secret in ${file}; move it to the environment or .env as AGENT_RUNTIME_API_KEY and write \${AGENT_RUNTIME_API_KEY} (or drop the key)`,
      `peers[0].authToken: a literal secret in ${file}; move it to the environment or .env as BTP_PEER_PEER_B_SECRET and write \${BTP_PEER_PEER_B_SECRET} (or drop the key)`,
      `settlement.xrpl.seed: a literal secret in ${file}; move it to the environment or .env as AGENT_RUNTIME_XRPL_SEED and write \${AGENT_RUNTIME_XRPL_SEED} (or drop the key)`,
    ]);
    expect(warnings.join('\n')).not.toMatch(/plain-key|plain-token|sPlainSeed/);
  });

  it('draw no warning in a config object', () => {
    const { warnings } = loadConfig(
      { adminApi: { apiKey: 'k' }, peers: [{ id: 'a', authToken: 't', creditLimit: 1 }] },
      { cwd: tempDir(), env: {} },
    );
    expect(warnings).toEqual([]);
  });
});
