import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Harness, waitFor } from '../helpers/node.js';
import { json, run } from '../cli/run-command.js';
import { startPair, type Pair } from './fixture.js';

const h = new Harness();
let net: Pair;
beforeEach(async () => {
  net = await startPair(h);
});
afterEach(() => h.cleanup());

describe('peers', () => {
  it('list: a table for people, the admin body with --json', async () => {
    const human = await run(['peers', 'list', '--url', net.url]);
    expect(human.exitCode).toBe(0);
    const lines = human.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^ID\s+RELATION\s+STATE\s+DIALS\s+BALANCE\s+CREDIT LIMIT\s+ROUTES$/);
    expect(lines[1]).toMatch(/^bob\s+peer\s+connected\s+inbound\s+0\s+1000000\s+g\.bob$/);
    expect(lines[2]).toBe('1/1 connected');

    const doc = await run(['peers', 'list', '--url', net.url, '--json']);
    expect(json(doc)).toMatchObject({ nodeId: 'alice', peerCount: 1, connectedCount: 1, peers: [{ id: 'bob', connected: true }] });
    // the topic alone lists too
    expect(json(await run(['peers', '--url', net.url, '--json']))).toEqual(json(doc));
  });

  it('add: a peer we dial (--btp-url)', async () => {
    const dave = h.node({ nodeId: 'dave', peers: [{ id: 'alice', relation: 'peer', authToken: 'dave-secret', creditLimit: '0' }] });
    await dave.start();
    const r = await run(['peers', 'add', 'dave', '--btp-url', `ws://127.0.0.1:${dave.btpPort}`, '--auth-token', 'dave-secret', '--url', net.url, '--json']);
    expect(r.exitCode).toBe(0);
    expect(json(r)).toMatchObject({ created: true, peer: { id: 'dave', direction: 'outbound' } });
    await waitFor(() => net.alice.listPeers().find((p) => p.id === 'dave')?.connected, 10_000, 'alice dialled dave');
  });

  it('add: a peer that dials in, with a route; the secret may come from BTP_PEER_<ID>_SECRET', async () => {
    process.env.BTP_PEER_CAROL_SECRET = 'carol-secret';
    try {
      const r = await run(['peers', 'add', 'carol', '--relation', 'child', '--route', 'g.carol', '--credit-limit', '500', '--url', net.url]);
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toContain('Peer carol added');
      expect(r.stdout).toContain('route g.carol -> carol');
    } finally {
      delete process.env.BTP_PEER_CAROL_SECRET;
    }
    const carol = h.node({ nodeId: 'carol', ilpAddress: 'g.alice.carol', peers: [{ id: 'alice', relation: 'parent', url: `ws://127.0.0.1:${net.alice.btpPort}`, authToken: 'carol-secret', creditLimit: '0' }] });
    await carol.start();
    await waitFor(() => net.alice.listPeers().find((p) => p.id === 'carol')?.connected, 10_000, 'carol connected');

    // an existing id is refused with the two ways out (issue 16: it used to replace silently)
    const again = await run(['peers', 'add', 'carol', '--relation', 'child', '--auth-token', 'carol-secret', '--credit-limit', '600', '--url', net.url]);
    expect(again.exitCode).toBe(1);
    expect(again.stderr).toMatch(/^Error: Peer carol already exists \[PEER_EXISTS\]\n {2}Hint: .*peers update carol.*--replace/);
    const replaced = await run(['peers', 'add', 'carol', '--relation', 'child', '--auth-token', 'carol-secret', '--credit-limit', '600', '--replace', '--url', net.url, '--json']);
    expect(json(replaced)).toMatchObject({ created: false, updated: true, peer: { id: 'carol', creditLimit: '600', relation: 'child' } });
  });

  it('update: changes only the given fields (relation and routes stay)', async () => {
    const added = await run(['peers', 'add', 'erin', '--relation', 'child', '--auth-token', 'e', '--route', 'g.erin', '--credit-limit', '500', '--url', net.url]);
    expect(added.exitCode).toBe(0);
    const r = await run(['peers', 'update', 'erin', '--credit-limit', '700', '--url', net.url, '--json']);
    expect(r.exitCode).toBe(0);
    expect(json(r)).toMatchObject({ success: true, changed: ['creditLimit'], peer: { id: 'erin', relation: 'child', creditLimit: '700' } });
    const erin = net.alice.listPeers().find((p) => p.id === 'erin');
    expect(erin).toMatchObject({ relation: 'child', creditLimit: '700' });
    expect(erin?.ilpAddresses).toContain('g.erin');

    const human = await run(['peers', 'update', 'erin', '--relation', 'peer', '--url', net.url]);
    expect(human.stdout).toBe('Peer erin updated: relation\n');
    const none = await run(['peers', 'update', 'erin', '--url', net.url, '--json']);
    expect(none.exitCode).toBe(2);
    const missing = await run(['peers', 'update', 'zed', '--credit-limit', '1', '--url', net.url, '--json']);
    expect(missing.exitCode).toBe(1);
    expect(json<{ error: { code: string } }>(missing).error.code).toBe('PEER_NOT_FOUND');
    const bad = await run(['peers', 'update', 'erin', '--credit-limit', 'lots', '--url', net.url, '--json']);
    expect(bad.exitCode).toBe(2);
    expect(json<{ error: { code: string; message: string } }>(bad).error).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('creditLimit') as string });
  });

  it('add: refuses a missing secret and a bad url (exit 2)', async () => {
    const noSecret = await run(['peers', 'add', 'dave', '--url', net.url, '--json']);
    expect(noSecret.exitCode).toBe(2);
    expect(json<{ error: { code: string; suggestion: string } }>(noSecret).error).toMatchObject({
      code: 'INVALID_ARGUMENT',
      suggestion: expect.stringContaining('BTP_PEER_DAVE_SECRET') as string,
    });
    const badRelation = await run(['peers', 'add', 'dave', '--auth-token', 'x', '--relation', 'sibling', '--url', net.url]);
    expect(badRelation.exitCode).toBe(2);
    const badUrl = await run(['peers', 'add', 'dave', '--auth-token', 'x', '--btp-url', 'http://nope', '--url', net.url, '--json']);
    expect(badUrl.exitCode).toBe(2);
    expect(json<{ error: { code: string; message: string } }>(badUrl).error).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('url') as string });
  });

  it('remove: drops the peer and its routes, reports what it removed; unknown peer is PEER_NOT_FOUND', async () => {
    const r = await run(['peers', 'remove', 'bob', '--url', net.url, '--json']);
    expect(r.exitCode).toBe(0);
    expect(json(r)).toMatchObject({ success: true, peerId: 'bob', removedRoutes: ['g.bob'] });
    expect(net.alice.listPeers()).toEqual([]);

    const missing = await run(['peers', 'remove', 'bob', '--url', net.url]);
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toMatch(/^Error: Peer not found: bob \[PEER_NOT_FOUND\]\n {2}Hint: List the configured peers with `agent-runtime peers list`\.\n$/);
  });

  it('remove: warns when the peer still has a balance', async () => {
    expect((await run(['send', 'g.bob', '100', '--data', 'x', '--url', net.url])).exitCode).toBe(0);
    const r = await run(['peers', 'remove', 'bob', '--keep-routes', '--url', net.url]);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toMatch(/Warning: .*balance of -100/);
    expect(net.alice.listRoutes().some((x) => x.prefix === 'g.bob')).toBe(true);
  });
});

describe('routes', () => {
  it('list, add and remove', async () => {
    const list = await run(['routes', '--url', net.url]);
    // PATH and AGE appear once a route is learned by CCP (bob announces g.bob)
    expect(list.stdout).toMatch(/^PREFIX\s+NEXT HOP\s+PRIORITY\s+SOURCE(\s+PATH\s+AGE)?\n/);
    expect(list.stdout).toMatch(/\ng\.bob\s+bob\s+0\s+config(\s+-\s+-)?\n/);

    const added = await run(['routes', 'add', 'g.partners', 'bob', '--priority', '5', '--url', net.url, '--json']);
    expect(added.exitCode).toBe(0);
    expect(json(added)).toMatchObject({ route: { prefix: 'g.partners', nextHop: 'bob', priority: 5 } });

    const warn = await run(['routes', 'add', 'g.later', 'nobody-yet', '--url', net.url]);
    expect(warn.exitCode).toBe(0);
    expect(warn.stderr).toContain('Warning: nextHop nobody-yet is not a known peer yet');

    const doc = json<{ routes: { prefix: string }[] }>(await run(['routes', 'list', '--url', net.url, '--json']));
    expect(doc.routes.map((r) => r.prefix)).toEqual(expect.arrayContaining(['g.bob', 'g.partners', 'g.later']));

    const removed = await run(['routes', 'remove', 'g.partners', '--url', net.url]);
    expect(removed.stdout).toBe('Route g.partners removed\n');
    const again = await run(['routes', 'remove', 'g.partners', '--url', net.url, '--json']);
    expect(again.exitCode).toBe(1);
    expect(json<{ error: { code: string } }>(again).error.code).toBe('ROUTE_NOT_FOUND');
  });

  it('add: a bad prefix is INVALID_ARGUMENT (exit 2)', async () => {
    const r = await run(['routes', 'add', 'not an address', 'bob', '--url', net.url, '--json']);
    expect(r.exitCode).toBe(2);
    expect(json<{ error: { code: string } }>(r).error.code).toBe('INVALID_ARGUMENT');
  });
});

describe('balances', () => {
  it('every account, and one peer', async () => {
    expect((await run(['send', 'g.bob', '250', '--data', 'x', '--url', net.url])).exitCode).toBe(0);
    const all = await run(['balances', '--url', net.url, '--json']);
    const accounts = json<{ accounts: { account: string; balance: string }[] }>(all).accounts;
    expect(accounts.find((a) => a.account === 'peer:bob')?.balance).toBe('-250');
    const human = await run(['balances', '--url', net.url]);
    expect(human.stdout).toMatch(/^ACCOUNT\s+BALANCE\s+RESERVED\n/);
    expect(human.stdout).toMatch(/\npeer:bob\s+-0\.000000250 USD\s+0\.000000000 USD\n/);

    const one = await run(['balances', 'bob', '--url', net.url, '--json']);
    expect(json(one)).toMatchObject({ peerId: 'bob', balances: [{ tokenId: 'USD', assetCode: 'USD', assetScale: 9, netBalance: '-250', creditBalance: '0', debitBalance: '250' }] });
    const oneHuman = await run(['balances', 'bob', '--url', net.url]);
    expect(oneHuman.stdout).toMatch(/^ASSET\s+NET\s+OWES US\s+WE OWE\nUSD@9\s+-0\.000000250 USD\s+0\.000000000 USD\s+0\.000000250 USD\n$/);

    const unknown = await run(['balances', 'zed', '--url', net.url, '--json']);
    expect(unknown.exitCode).toBe(1);
    expect(json<{ error: { code: string } }>(unknown).error.code).toBe('PEER_NOT_FOUND');
  });
});

describe('api key', () => {
  it('UNAUTHORIZED without the key; --api-key or AGENT_RUNTIME_API_KEY let it through', async () => {
    const locked = h.node({ nodeId: 'locked', adminApi: { apiKey: 'k3y-k3y-k3y-k3y' } });
    await locked.start();
    const url = locked.endpoints.admin!;
    const denied = await run(['peers', 'list', '--url', url, '--json']);
    expect(denied.exitCode).toBe(1);
    expect(json<{ error: { code: string; suggestion: string } }>(denied).error).toMatchObject({ code: 'UNAUTHORIZED', suggestion: expect.stringContaining('--api-key') as string });

    expect((await run(['peers', 'list', '--url', url, '--api-key', 'k3y-k3y-k3y-k3y'])).exitCode).toBe(0);
    process.env.AGENT_RUNTIME_API_KEY = 'k3y-k3y-k3y-k3y';
    process.env.AGENT_RUNTIME_URL = url;
    try {
      const viaEnv = await run(['routes', 'list', '--json']);
      expect(viaEnv.exitCode).toBe(0);
      expect(json(viaEnv)).toMatchObject({ nodeId: 'locked' });
    } finally {
      delete process.env.AGENT_RUNTIME_API_KEY;
      delete process.env.AGENT_RUNTIME_URL;
    }
  });
});

