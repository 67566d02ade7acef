/**
 * The control plane on a real node (LevelDB and runtime.json in a temp dir): PEER_EXISTS and
 * replace, partial updates, what wins at restart (runtime changes over the config file, said in one
 * log line), and all-or-nothing when the runtime store cannot be written.
 */
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectorNode } from '../../../src/index.js';
import type { NodeConfigInput } from '../../../src/config/index.js';
import { Harness } from '../../helpers/node.js';

const h = new Harness();
afterEach(() => h.cleanup());

/** A node on dataDir whose log lines (JSON) are collected in `lines`. */
function nodeAt(dataDir: string, lines: Record<string, unknown>[], extra: Partial<NodeConfigInput> = {}): ConnectorNode {
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l.trim() !== '') lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  const node = new ConnectorNode(
    {
      nodeId: 'hub',
      ilpAddress: 'g.hub',
      btpServerPort: 0,
      healthCheckPort: 0,
      dataDir,
      peers: [{ id: 'bob', authToken: 'bob-token', relation: 'peer', creditLimit: '100' }],
      routes: [{ prefix: 'g.bob', nextHop: 'bob' }],
      ...extra,
    },
    pino({ level: 'info' }, sink),
    { env: {} },
  );
  h.onCleanup(() => node.stop());
  return node;
}

const precedence = (lines: Record<string, unknown>[]) => lines.filter((l) => /win over the config file/.test(String(l.msg)));

describe('control plane', () => {
  it('refuses an existing id with PEER_EXISTS, replaces with replace, and keeps the library registerPeer as replace', async () => {
    const node = h.node({ nodeId: 'hub', ilpAddress: 'g.hub', peers: [] });
    await node.start();
    const first = await node.addPeer({ id: 'carol', authToken: 't', relation: 'child', creditLimit: '500', routes: [{ prefix: 'g.carol' }] });
    expect(first.created).toBe(true);
    await expect(node.addPeer({ id: 'carol', authToken: 't' })).rejects.toMatchObject({ code: 'PEER_EXISTS' });
    expect(node.listPeers()[0]).toMatchObject({ relation: 'child', creditLimit: '500' });
    const replaced = await node.addPeer({ id: 'carol', authToken: 't', relation: 'peer' }, { replace: true });
    expect(replaced).toMatchObject({ created: false, peer: { relation: 'peer' } });
    // its routes stay; the child route went with the child relation
    expect(node.listRoutes().filter((r) => r.nextHop === 'carol').map((r) => r.prefix)).toEqual(['g.carol']);
    expect(await node.registerPeer({ id: 'carol', authToken: 't', relation: 'child' })).toMatchObject({ relation: 'child' });
  });

  it('validates with the config schema and names the field', async () => {
    const node = h.node({ nodeId: 'hub', ilpAddress: 'g.hub', peers: [] });
    await node.start();
    await expect(node.addPeer({ id: 'bad id', authToken: 't' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', details: { field: 'id' } });
    await expect(node.addPeer({ id: 'hub', authToken: 't' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', details: { field: 'id' } });
    await expect(node.addPeer({ id: 'x', authToken: 't', routes: [{ prefix: 'g..x' }] })).rejects.toMatchObject({ details: { field: 'routes[0].prefix' } });
    await expect(node.addPeer({ id: 'x', authToken: 't', settlement: { chain: 'evm', address: 'nope' } })).rejects.toMatchObject({
      details: { field: 'settlement.address' },
    });
    await expect(node.addRoute({ prefix: 'not an address', nextHop: 'x' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', details: { field: 'prefix' } });
    expect(node.listPeers()).toEqual([]);
  });

  it('update changes only the given fields; two concurrent adds of one id: one wins, one is PEER_EXISTS', async () => {
    const node = h.node({ nodeId: 'hub', ilpAddress: 'g.hub', peers: [{ id: 'bob', authToken: 'b', relation: 'child', creditLimit: '100', maxPacketAmount: '50' }] });
    await node.start();
    const r = await node.updatePeer('bob', { creditLimit: '700' });
    expect(r.changed).toEqual(['creditLimit']);
    expect(r.peer).toMatchObject({ relation: 'child', creditLimit: '700' });
    expect(node.listRoutes().some((x) => x.prefix === 'g.hub.bob')).toBe(true);
    expect((await node.updatePeer('bob', { creditLimit: '700' })).changed).toEqual([]);
    await expect(node.updatePeer('zed', { creditLimit: '1' })).rejects.toMatchObject({ code: 'PEER_NOT_FOUND' });

    const both = await Promise.allSettled([node.addPeer({ id: 'dup', authToken: 'a' }), node.addPeer({ id: 'dup', authToken: 'b' })]);
    expect(both.map((x) => x.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(both.find((x) => x.status === 'rejected')).toMatchObject({ reason: { code: 'PEER_EXISTS' } });
  });

  it('at restart runtime changes win over the config file, and one log line says so', async () => {
    const dataDir = h.dir();
    const lines: Record<string, unknown>[] = [];
    const a = nodeAt(dataDir, lines);
    await a.start();
    expect(precedence(lines)).toEqual([]);
    expect(lines.filter((l) => /no runtime changes stored/.test(String(l.msg)))).toHaveLength(1);
    await a.updatePeer('bob', { creditLimit: '900' });
    await a.addPeer({ id: 'carol', authToken: 'c', relation: 'child' });
    await a.removeRoute('g.bob');
    await a.stop();

    const again: Record<string, unknown>[] = [];
    const b = nodeAt(dataDir, again);
    await b.start();
    expect(b.listPeers().map((p) => [p.id, p.creditLimit])).toEqual([
      ['bob', '900'],
      ['carol', undefined],
    ]);
    expect(b.listRoutes().some((r) => r.prefix === 'g.bob')).toBe(false);
    const said = precedence(again);
    expect(said).toHaveLength(1);
    expect(said[0]).toMatchObject({ peersOverridden: ['bob'], peersAdded: ['carol'], routesRemoved: ['g.bob'], store: join(dataDir, 'runtime.json') });

    // removing a config peer sticks too
    await b.removePeer('bob');
    await b.stop();
    const c = nodeAt(dataDir, []);
    await c.start();
    expect(c.listPeers().map((p) => p.id)).toEqual(['carol']);
  });

  it('all or nothing: when runtime.json cannot be written nothing changes, and the next change works', async () => {
    const node = h.node({ nodeId: 'hub', ilpAddress: 'g.hub', peers: [{ id: 'bob', authToken: 'b', creditLimit: '100' }] });
    await node.start();
    const dataDir = node.config.dataDir;
    // a directory where the store writes its temporary file makes every save fail
    mkdirSync(join(dataDir, 'runtime.json.tmp'));
    const before = { peers: node.listPeers(), routes: node.listRoutes() };
    await expect(node.addPeer({ id: 'carol', authToken: 'c', routes: [{ prefix: 'g.carol' }] })).rejects.toMatchObject({ code: 'RUNTIME_STORE_FAILED' });
    await expect(node.updatePeer('bob', { creditLimit: '5' })).rejects.toMatchObject({ code: 'RUNTIME_STORE_FAILED' });
    await expect(node.removePeer('bob')).rejects.toMatchObject({ code: 'RUNTIME_STORE_FAILED' });
    await expect(node.addRoute({ prefix: 'g.x', nextHop: 'bob' })).rejects.toMatchObject({ code: 'RUNTIME_STORE_FAILED' });
    expect({ peers: node.listPeers(), routes: node.listRoutes() }).toEqual(before);

    rmSync(join(dataDir, 'runtime.json.tmp'), { recursive: true });
    await node.addPeer({ id: 'carol', authToken: 'c' });
    const stored = JSON.parse(readFileSync(join(dataDir, 'runtime.json'), 'utf8')) as { peers: { id: string }[] };
    expect(stored.peers.map((p) => p.id)).toEqual(['carol']);
  });

  it('emits peer and route events', async () => {
    const node = h.node({ nodeId: 'hub', ilpAddress: 'g.hub', peers: [] });
    await node.start();
    const seen: string[] = [];
    node.events.subscribe((batch) => {
      for (const e of batch) if (e.type.startsWith('peer:') || e.type.startsWith('route:')) seen.push(`${e.type} ${'peerId' in e ? e.peerId : 'prefix' in e ? e.prefix : ''}`);
    });
    await node.addPeer({ id: 'carol', authToken: 'c', routes: [{ prefix: 'g.carol' }] });
    await node.updatePeer('carol', { creditLimit: '1' });
    await node.removePeer('carol');
    await new Promise((r) => setImmediate(r));
    expect(seen).toEqual(['peer:added carol', 'route:added g.carol', 'peer:updated carol', 'peer:removed carol', 'route:removed g.carol']);
  });
});
