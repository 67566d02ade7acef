import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { configSchema, describeConfigKeys, envNameForPath, loadConfig } from '../../src/config/index.js';
import { tempDir } from './helpers.js';

const root = join(import.meta.dirname, '..', '..');
const fixture = join(root, 'test', 'fixtures', 'config', 'full.yaml');

/** The leaf paths of a schema, found with zod's public API only (independent of src/config/introspect). */
function leafPaths(schema: z.ZodType, prefix: string): string[] {
  if (schema instanceof z.ZodPipe) return leafPaths(schema.in as z.ZodType, prefix);
  if (schema instanceof z.ZodOptional || schema instanceof z.ZodDefault || schema instanceof z.ZodPrefault) {
    return leafPaths(schema.unwrap() as z.ZodType, prefix);
  }
  if (schema instanceof z.ZodObject) {
    return Object.entries(schema.shape as Record<string, z.ZodType>).flatMap(([k, v]) => leafPaths(v, prefix === '' ? k : `${prefix}.${k}`));
  }
  if (schema instanceof z.ZodArray) {
    const element = schema.element as z.ZodType;
    const inner = leafPaths(element, `${prefix}[]`);
    return inner.length === 1 && inner[0] === `${prefix}[]` ? [prefix] : inner;
  }
  return [prefix];
}

/** The key paths set in a YAML tree, lists of mappings as `[]`. */
function setPaths(value: unknown, prefix: string): string[] {
  if (Array.isArray(value) && value.some((v) => v !== null && typeof v === 'object')) {
    return value.flatMap((v) => setPaths(v, `${prefix}[]`));
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    // a mapping is itself a set key too (rates.static is a map-valued key)
    const inner = Object.entries(value).flatMap(([k, v]) => setPaths(v, prefix === '' ? k : `${prefix}.${k}`));
    return prefix === '' ? inner : [prefix, ...inner];
  }
  return [prefix];
}

describe('describeConfigKeys', () => {
  const keys = describeConfigKeys();

  it('covers every leaf of the schema, once', () => {
    const leaves = leafPaths(configSchema, '');
    expect(leaves.length).toBeGreaterThan(60);
    expect(keys.map((k) => k.path).sort()).toEqual([...leaves].sort());
    expect(new Set(keys.map((k) => k.path)).size).toBe(keys.length);
  });

  it('describes and types every key', () => {
    for (const k of keys) {
      expect(k.description.length, k.path).toBeGreaterThan(10);
      expect(k.type.length, k.path).toBeGreaterThan(0);
    }
    expect(keys.find((k) => k.path === 'btpServerPort')).toEqual({
      path: 'btpServerPort',
      type: 'integer 0..65535',
      default: '3000',
      env: 'AGENT_RUNTIME_BTP_SERVER_PORT',
      description: 'BTP WebSocket port peers dial (0 = any free port).',
    });
    expect(keys.find((k) => k.path === 'settlement.redeem.minAmount')?.default).toBe('0');
  });

  it('gives every key outside lists one distinct variable, secrets their fixed names', () => {
    const envs = keys.flatMap((k) => (k.env === undefined ? [] : [k.env]));
    expect(new Set(envs).size).toBe(envs.length);
    for (const k of keys) {
      const inList = k.path.includes('[]');
      if (k.secret && k.env !== undefined) expect(k.env, k.path).toMatch(/^(AGENT_RUNTIME_[A-Z_]+|BTP_PEER_<ID>_SECRET)$/);
      else if (inList || k.secret || k.path === 'adminApi.allowedIPs') expect(k.env, k.path).toBeUndefined();
      else expect(k.env, k.path).toBe(envNameForPath(k.path.split('.')));
    }
    const secrets = keys.filter((k) => k.secret).map((k) => [k.path, k.env]);
    expect(secrets).toEqual([
      ['peers[].authToken', 'BTP_PEER_<ID>_SECRET'],
      ['peers[].http.incomingToken', undefined],
      ['peers[].http.outgoingToken', undefined],
      ['localDelivery.authToken', 'AGENT_RUNTIME_LOCAL_DELIVERY_AUTH_TOKEN'],
      ['adminApi.apiKey', 'AGENT_RUNTIME_API_KEY'],
      ['adminApi.keys[].key', undefined],
      ['settlement.evm.privateKey', 'AGENT_RUNTIME_EVM_PRIVATE_KEY'],
      ['settlement.xrpl.seed', 'AGENT_RUNTIME_XRPL_SEED'],
      ['settlement.aptos.privateKey', 'AGENT_RUNTIME_APTOS_PRIVATE_KEY'],
      ['ledger.postgres.url', 'AGENT_RUNTIME_LEDGER_POSTGRES_URL'],
      ['routing.secret', 'AGENT_RUNTIME_ROUTING_SECRET'],
      ['cluster.secret', 'AGENT_RUNTIME_CLUSTER_SECRET'],
    ]);
  });

  it('is what src/config/README.md lists', () => {
    const readme = readFileSync(join(root, 'src', 'config', 'README.md'), 'utf8');
    for (const k of keys) expect(readme, k.path).toContain(`| \`${k.path}\` |`);
  });
});

describe('the full example', () => {
  const env = {
    BTP_PEER_ALICE_SECRET: 'alice-secret',
    BTP_PEER_BOB_SECRET: 'bob-secret',
    BLS_TOKEN: 'bls-token',
    AGENT_RUNTIME_API_KEY: 'admin-key',
    AGENT_RUNTIME_EVM_PRIVATE_KEY: `0x${'12'.repeat(32)}`,
    AGENT_RUNTIME_XRPL_SEED: 'sXrplSeed',
    AGENT_RUNTIME_APTOS_PRIVATE_KEY: `ed25519-priv-0x${'34'.repeat(32)}`,
    AGENT_RUNTIME_ROUTING_SECRET: 'routing-secret',
    AGENT_RUNTIME_CLUSTER_SECRET: 'cluster-secret',
    AGENT_RUNTIME_LEDGER_POSTGRES_URL: 'postgres://hub:pw@db.example:5432/ledger',
    HTTP_PEER_CAROL_INCOMING_TOKEN: 'carol-to-us',
    HTTP_PEER_CAROL_OUTGOING_TOKEN: 'us-to-carol',
  };

  it('sets every documented key (but the alias)', () => {
    const set = new Set(setPaths(parse(readFileSync(fixture, 'utf8')), ''));
    const documented = describeConfigKeys().map((k) => k.path).filter((p) => p !== 'adminApi.allowedIPs');
    // a map (policies.peers) is set when any entry under it is
    expect(documented.filter((p) => !set.has(p) && ![...set].some((s) => s.startsWith(`${p}.`)))).toEqual([]);
  });

  it('loads, and every key outside lists differs from its default: none is silently dropped', () => {
    const cwd = tempDir();
    const { config, warnings } = loadConfig(fixture, { env, cwd });
    // the fixture is production and sets explorer.allowSend and allowApprove (to differ from their defaults): those are ignored, with warnings
    expect(warnings.filter((w) => !w.startsWith('explorer.allowSend is ignored') && !w.startsWith('explorer.allowApprove is ignored'))).toEqual([]);
    const defaults = loadConfig(undefined, { env: {}, cwd }).config;
    for (const k of describeConfigKeys()) {
      if (k.path.includes('[]') || k.path === 'adminApi.allowedIPs') continue;
      const get = (c: unknown) => k.path.split('.').reduce<unknown>((v, s) => (v as Record<string, unknown> | undefined)?.[s], c);
      expect(get(config), k.path).not.toEqual(get(defaults));
      expect(get(config), k.path).toBeDefined();
    }
    expect(config.dataDir).toBe(join(cwd, 'state', 'hub'));
    expect(config.peers).toEqual([
      {
        id: 'alice',
        url: 'wss://alice.example/btp',
        urls: ['wss://alice-2.example/btp'],
        authToken: 'alice-secret',
        relation: 'child',
        assetCode: 'EUR',
        assetScale: 6,
        maxPacketAmount: 18446744073709551615n,
        creditLimit: 5000000000000000000000n,
        settleThreshold: 1000000n,
        rateLimit: { packetsPerSecond: 50.5, burst: 100 },
        settlement: { chain: 'evm', address: '0x00000000000000000000000000000000000000a1', autoDeposit: { below: 2000000n, topUpTo: 10000000n, maxDeposit: 100000000n } },
        sendRoutes: true,
        receiveRoutes: true,
      },
      { id: 'bob', authToken: 'bob-secret', relation: 'peer', creditLimit: 0n },
      { id: 'carol', transport: 'http', http: { url: 'https://carol.example/ilp', incomingToken: 'carol-to-us', outgoingToken: 'us-to-carol' }, relation: 'peer', creditLimit: 10n },
    ]);
    expect(config.routes).toEqual([{ prefix: 'test.alice', nextHop: 'alice', priority: 5 }]);
  });
});
