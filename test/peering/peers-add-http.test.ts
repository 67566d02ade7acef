/**
 * `peers add --transport http` through the admin API and the control plane: the HTTP peer is
 * validated, stored and used at once (a payment crosses it), and a missing token names its field.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Harness } from '../helpers/node.js';
import { json, run } from '../cli/run-command.js';
import { computeConditionFromData, IlpPacketType } from '../../src/index.js';

const h = new Harness();
afterEach(() => h.cleanup(), 30_000);

describe('peers add --transport http', () => {
  it('adds an ILP-over-HTTP peer that carries a payment at once; a missing token is INVALID_ARGUMENT naming it', async () => {
    const routing = { enabled: false };
    const dave = h.node({ nodeId: 'dave', http: { port: 0 }, routing, peers: [{ id: 'alice', transport: 'http', http: { incomingToken: 'a2d' } }] } as never);
    dave.setPacketHandler(() => ({ accept: true }));
    await dave.start();
    const alice = h.node({ nodeId: 'alice', http: { enabled: true, port: 0 }, routing });
    await alice.start();
    const url = alice.endpoints.admin!;

    const bad = await run(['peers', 'add', 'dave', '--transport', 'http', '--http-url', 'http://127.0.0.1:1/ilp', '--url', url, '--json']);
    expect(bad.exitCode).toBe(2);
    expect(JSON.stringify(json(bad))).toContain('http.incomingToken');

    const r = await run([
      'peers', 'add', 'dave', '--transport', 'http', '--http-url', `http://127.0.0.1:${dave.endpoints.ilpHttp}/ilp/alice`,
      '--incoming-token', 'd2a', '--outgoing-token', 'a2d', '--route', 'g.dave', '--credit-limit', '1000', '--url', url, '--json',
    ]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(json(r)).toMatchObject({ created: true, peer: { id: 'dave', transport: 'http', direction: 'outbound', url: `http://127.0.0.1:${dave.endpoints.ilpHttp}/ilp/alice` } });
    const human = await run(['peers', 'add', 'erin', '--transport', 'http', '--incoming-token', 'e2a', '--url', url]);
    expect(human.stdout).toContain('ILP-over-HTTP, receive only');

    const data = Buffer.from('over http');
    const result = await alice.sendPacket({ destination: 'g.dave.shop', amount: 42n, executionCondition: computeConditionFromData(data).condition, expiresAt: new Date(Date.now() + 20_000), data });
    expect(result.type).toBe(IlpPacketType.Fulfill);
    expect(alice.getBalance('dave').balances[0].netBalance).toBe('-42');
  });
});
