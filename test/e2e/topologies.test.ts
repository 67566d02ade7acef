/**
 * Every example config is accepted by `validate`, and every topology runs: its nodes start in-process
 * from the example files (ports made ephemeral and dialled URLs pointed at them through the loader's
 * `overrides`), and a paid packet crosses the topology's longest path.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectorNode, computeConditionFromData, loadConfig, type PaymentRequest } from '../../src/index.js';
import { waitFor } from '../helpers/node.js';
import { root, run } from '../cli/run-command.js';

const examples = join(root, 'examples');
const PRODUCTION_ENV = { AGENT_RUNTIME_API_KEY: 'test-api-key-0123456789', BTP_PEER_UPSTREAM_SECRET: 'upstream-secret', BTP_PEER_AGENT_1_SECRET: 'agent-1-secret' };

let nodes: ConnectorNode[] = [];
let dir: string | undefined;
afterEach(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
  nodes = [];
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

const quiet = () => pino({ level: 'silent' });

/**
 * Starts the nodes of the given example files: a node starts once every peer it dials is up, with its
 * listeners on port 0 and each dialled URL pointed at that peer's real port.
 */
async function startFiles(files: string[], env: Record<string, string> = {}, extraPorts = new Map<string, number>()): Promise<Map<string, ConnectorNode>> {
  dir ??= mkdtempSync(join(tmpdir(), 'ar-topo-'));
  const ports = new Map(extraPorts);
  const started = new Map<string, ConnectorNode>();
  let pending = files.map((file) => ({ file, config: loadConfig(file, { env, cwd: root }).config }));
  while (pending.length > 0) {
    const ready = pending.filter((n) => n.config.peers.every((p) => p.url === undefined || ports.has(p.id)));
    expect(ready.length, 'a node dials a peer that is not in the topology').toBeGreaterThan(0);
    await Promise.all(
      ready.map(async ({ file, config }) => {
        const peers = config.peers.map((p) => (p.url === undefined ? { ...p } : { ...p, url: `ws://127.0.0.1:${ports.get(p.id)}` }));
        const node = new ConnectorNode(file, quiet(), {
          env,
          overrides: { btpServerPort: 0, healthCheckPort: 0, 'adminApi.port': 0, dataDir: join(dir!, config.nodeId), peers },
        });
        nodes.push(node);
        await node.start();
        ports.set(config.nodeId, node.btpPort);
        started.set(config.nodeId, node);
      }),
    );
    pending = pending.filter((n) => !ready.includes(n));
  }
  // every link inside the topology is up (peers outside it, such as an agent yet to dial in, are not waited for)
  for (const node of started.values()) {
    const inside = node.listPeers().filter((p) => ports.has(p.id));
    await waitFor(() => node.listPeers().filter((p) => inside.some((q) => q.id === p.id)).every((p) => p.connected), 10_000, `${node.nodeId}'s links`);
  }
  return started;
}

/** Sends 1000 from `from` to `destination` and returns what the receiver's handler saw. */
async function pay(from: ConnectorNode, to: ConnectorNode, destination: string): Promise<PaymentRequest> {
  let seen: PaymentRequest | undefined;
  to.setPacketHandler((req) => {
    seen = req;
    return { accept: true };
  });
  const data = Buffer.from(`hello ${destination}`);
  const result = await from.sendPacket({
    destination,
    amount: 1000n,
    executionCondition: computeConditionFromData(data).condition,
    expiresAt: new Date(Date.now() + 10_000),
    data,
  });
  expect(result.type, JSON.stringify({ ...result, data: undefined })).toBe(13);
  return seen!;
}

const topology = (name: string) => readdirSync(join(examples, 'topologies', name)).filter((f) => f.endsWith('.yaml')).map((f) => join(examples, 'topologies', name, f));

describe('examples', () => {
  const files = [
    ...readdirSync(examples).filter((f) => f.endsWith('.yaml')).map((f) => join(examples, f)),
    ...['linear', 'mesh', 'hub-and-spoke'].flatMap(topology),
  ];

  it.each(files.map((f) => [f.slice(examples.length + 1), f]))('validate accepts %s', async (_name, file) => {
    const withEnv = file.endsWith('production.yaml');
    if (withEnv) Object.assign(process.env, PRODUCTION_ENV);
    try {
      const r = await run(['validate', file, '--json']);
      expect(r.stdout).toContain('"valid": true');
      expect(r.exitCode).toBe(0);
    } finally {
      if (withEnv) for (const k of Object.keys(PRODUCTION_ENV)) delete process.env[k];
    }
  });

  it('linear: a pays c through b, which keeps its fee', async () => {
    const n = await startFiles(topology('linear'));
    const got = await pay(n.get('a')!, n.get('c')!, 'g.c');
    expect(got.amount).toBe('999');
    expect(n.get('b')!.getBalance('a').balances[0].netBalance).toBe('1000');
    expect(n.get('b')!.getBalance('c').balances[0].netBalance).toBe('-999');
  });

  it('mesh: a learns g.d by CCP (no static routes) and pays d through b (the smaller peer id of two equal routes), not c', async () => {
    const n = await startFiles(topology('mesh'));
    const viaB = () => n.get('a')!.listRoutes().filter((r) => r.prefix === 'g.d' && r.source === 'ccp').map((r) => r.nextHop).join();
    await waitFor(() => viaB() === 'b,c', 20_000, 'a learns g.d through b and c');
    const got = await pay(n.get('a')!, n.get('d')!, 'g.d');
    expect(got.amount).toBe('999');
    expect(n.get('b')!.getBalance('d').balances[0].netBalance).toBe('-999');
    expect(n.get('c')!.getBalance('d').balances[0].netBalance).toBe('0');
  });

  it('hub and spoke: the spokes learn their addresses; alice pays bob through the hub', async () => {
    const n = await startFiles(topology('hub-and-spoke'));
    expect(n.get('alice')!.ilpAddress).toBe('g.hub.alice');
    expect(n.get('bob')!.ilpAddress).toBe('g.hub.bob');
    const got = await pay(n.get('alice')!, n.get('bob')!, 'g.hub.bob');
    expect(got.amount).toBe('999');
    expect(n.get('hub')!.getBalance('alice').balances[0].netBalance).toBe('1000');
  });

  it('production: an agent pays the upstream through the node', async () => {
    dir = mkdtempSync(join(tmpdir(), 'ar-topo-'));
    // stand-ins for the world around the production node: its parent and the agent that dials it
    const upstream = new ConnectorNode(
      { nodeId: 'upstream', btpServerPort: 0, healthCheckPort: 0, adminApi: { enabled: false }, dataDir: join(dir, 'upstream'), peers: [{ id: 'connector-1', relation: 'child', authToken: PRODUCTION_ENV.BTP_PEER_UPSTREAM_SECRET, creditLimit: '1000000' }] },
      quiet(),
      { env: {} },
    );
    nodes.push(upstream);
    await upstream.start();
    const n = await startFiles([join(examples, 'production.yaml')], PRODUCTION_ENV, new Map([['upstream', upstream.btpPort]]));
    const connector = n.get('connector-1')!;
    expect(connector.ilpAddress).toBe('g.upstream.connector-1');
    const agent = new ConnectorNode(
      { nodeId: 'agent-1', btpServerPort: 0, healthCheckPort: 0, adminApi: { enabled: false }, dataDir: join(dir, 'agent'), peers: [{ id: 'connector-1', relation: 'parent', url: `ws://127.0.0.1:${connector.btpPort}`, authToken: PRODUCTION_ENV.BTP_PEER_AGENT_1_SECRET, creditLimit: '0' }] },
      quiet(),
      { env: {} },
    );
    nodes.push(agent);
    await agent.start();
    expect(agent.ilpAddress).toBe('g.upstream.connector-1.agent-1');
    const got = await pay(agent, upstream, 'g.upstream');
    expect(got.amount).toBe('999');
    expect(connector.getBalance('agent-1').balances[0].netBalance).toBe('1000');
  });
});
