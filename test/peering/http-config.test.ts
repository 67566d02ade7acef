/**
 * The config and runtime rules of ILP-over-HTTP peers: what each transport requires, settlement
 * refused with transport http (claims need BTP), and the same rules for a peer added at runtime.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { issueAt, issuesOf, tempDir } from '../config/helpers.js';
import { Harness } from '../helpers/node.js';

const h = new Harness();
afterEach(() => h.cleanup(), 30_000);

const httpPeer = (extra: Record<string, unknown> = {}) => ({ id: 'h', transport: 'http' as const, http: { url: 'https://h.example/ilp', incomingToken: 'in', outgoingToken: 'out' }, ...extra });

describe('ILP-over-HTTP peer rules', () => {
  it('a BTP peer still needs authToken; an HTTP peer needs none but its incomingToken, and outgoingToken with a url', () => {
    expect(issueAt(issuesOf({ peers: [{ id: 'b' }] }), 'peers[0].authToken').message).toBe('is required');
    const ok = loadConfig({ peers: [httpPeer({ creditLimit: 0 })] }, { env: {}, cwd: tempDir() });
    expect(ok.config.peers[0]).toMatchObject({ transport: 'http', http: { incomingToken: 'in' } });
    expect(ok.config.peers[0].authToken).toBeUndefined();
    const issues = issuesOf({ peers: [{ id: 'h', transport: 'http', http: { url: 'https://h.example/ilp' } }] });
    expect(issueAt(issues, 'peers[0].http.incomingToken').message).toBe('is required for transport http');
    expect(issueAt(issues, 'peers[0].http.outgoingToken').message).toBe('is required when http.url is set');
    expect(issueAt(issuesOf({ peers: [httpPeer({ url: 'ws://x:1' })] }), 'peers[0].url').message).toMatch(/BTP URL but transport is http/);
    expect(issueAt(issuesOf({ peers: [{ id: 'b', authToken: 't', http: { incomingToken: 'x' } }] }), 'peers[0].http').message).toBe('is set but transport is btp');
  });

  it('refuses settlement with transport http, saying why', () => {
    const issues = issuesOf({ peers: [httpPeer({ settlement: { chain: 'evm', address: `0x${'a'.repeat(40)}` }, settleThreshold: 10 })] });
    expect(issueAt(issues, 'peers[0].settlement').message).toMatch(/settlement claims need BTP/);
    expect(issueAt(issues, 'peers[0].settleThreshold').message).toMatch(/settlement claims need BTP/);
  });

  it('a peer added at runtime obeys the same rules, and an HTTP peer never authenticates a BTP socket', async () => {
    const node = h.node({ nodeId: 'n', http: { port: 0 } });
    await node.start();
    await expect(node.addPeer({ id: 'x', transport: 'http', http: { url: 'http://127.0.0.1:1/ilp' } } as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', details: { field: 'http.incomingToken' } });
    await expect(node.addPeer({ id: 'y', transport: 'http', http: { incomingToken: 'in' }, settleThreshold: '5' } as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', details: { field: 'settleThreshold' } });
    const { peer } = await node.addPeer({ id: 'z', transport: 'http', http: { incomingToken: 'in' } } as never);
    expect(peer).toMatchObject({ id: 'z', connected: false });
    // no BTP secret: no token, not even the empty one or the incoming token, opens a BTP session as z
    const peers = (node as unknown as { peers: { authenticate(u: string, t: string): { ok: boolean } } }).peers;
    for (const token of ['', 'in', '\u0000unknown:z']) expect(peers.authenticate('z', token).ok).toBe(false);
  });
});
