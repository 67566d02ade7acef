/**
 * Payee receipts between two real nodes over BTP: the payer asks, the payee's node signs with its
 * identity key, the payer gets the reply exactly as the payee's agent wrote it plus a receipt that
 * verifies against the payee's public key (and fails once tampered with or against another key). A
 * send that does not ask is untouched; a reply with no room left gets the payer's own record.
 * `receipts verify` checks a receipt offline as a real process.
 */
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadIdentity } from '../../src/agents/identity.js';
import { verifyReceipt, type Receipt } from '../../src/agents/receipts/receipt.js';
import { cli, ensureBuilt } from '../e2e/process.js';
import { Harness, waitFor } from '../helpers/node.js';
import { AGENT, call, keyedAdmin } from './helpers.js';

const h = new Harness();
afterEach(() => h.cleanup(), 30_000);
beforeAll(() => ensureBuilt(), 300_000);
const SECRET = 'bob-secret-0123456789';

async function twoNodes() {
  const alice = h.node({ nodeId: 'alice', adminApi: keyedAdmin, peers: [{ id: 'bob', relation: 'child', authToken: SECRET, creditLimit: '1000000' }] });
  await alice.start();
  const bob = h.node({ nodeId: 'bob', peers: [{ id: 'alice', relation: 'parent', url: `ws://127.0.0.1:${alice.btpPort}`, authToken: SECRET }] });
  const seen: string[] = [];
  bob.setPacketHandler((req) => {
    const text = Buffer.from(req.data ?? '', 'base64').toString();
    seen.push(text);
    const reply = text === 'big' ? Buffer.alloc(32767, 0x61) : Buffer.from(`thanks for: ${text}`);
    return { accept: true, data: reply.toString('base64') };
  });
  await bob.start();
  await waitFor(() => bob.ilpAddress === 'g.alice.bob', 20_000, 'bob learned its address');
  const send = (body: Record<string, unknown>) => call(alice.endpoints.admin!, 'POST', '/admin/ilp/send', AGENT, { destination: 'g.alice.bob', ...body });
  return { alice, bob, seen, send };
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('payee receipts', () => {
  it('the payer gets a receipt the payee signed; it verifies, a tampered one does not', async () => {
    const { alice, bob, seen, send } = await twoNodes();
    const bobKey = bob.health().identity!.publicKey;
    expect((await call(alice.endpoints.admin!, 'GET', '/admin/identity', AGENT)).body).toEqual({ algorithm: 'ed25519', publicKey: alice.health().identity!.publicKey });
    expect(bobKey).not.toBe(alice.health().identity!.publicKey);

    const paid = await send({ amount: '200', data: b64('an apple'), receipt: true });
    expect(paid.status).toBe(200);
    expect(paid.body).toMatchObject({ fulfilled: true, data: b64('thanks for: an apple'), receipt: { kind: 'payee', verified: true, amountSent: '200' } });
    expect(seen).toEqual(['an apple']);
    const receipt = (paid.body.receipt as { receipt: Receipt }).receipt;
    expect(receipt).toMatchObject({ payee: 'g.alice.bob', destination: 'g.alice.bob', amount: '200', assetCode: 'USD', publicKey: bobKey, fulfillment: paid.body.fulfillment });

    expect(verifyReceipt(receipt, bobKey)).toEqual({ valid: true, keyFrom: 'given', problems: [] });
    const tampered = { ...receipt, amount: '2000' };
    expect(verifyReceipt(tampered, bobKey)).toMatchObject({ valid: false, problems: ['the signature does not match the receipt'] });
    expect(verifyReceipt(receipt, alice.health().identity!.publicKey).valid).toBe(false);

    // The same check offline, as a process: valid exits 0, tampered exits 1.
    const dir = h.dir();
    writeFileSync(join(dir, 'good.json'), JSON.stringify(paid.body));
    writeFileSync(join(dir, 'bad.json'), JSON.stringify(tampered));
    const good = cli(['receipts', 'verify', join(dir, 'good.json'), '--public-key', bobKey, '--json']);
    expect(await good.exited).toMatchObject({ code: 0 });
    expect(JSON.parse(good.stdout)).toMatchObject({ valid: true, keyFrom: 'given' });
    const bad = cli(['receipts', 'verify', join(dir, 'bad.json'), '--public-key', bobKey, '--json']);
    expect(await bad.exited).toMatchObject({ code: 1 });
    expect(JSON.parse(bad.stdout)).toMatchObject({ valid: false, problems: ['the signature does not match the receipt'] });
  }, 60_000);

  it('leaves a send that did not ask untouched, and records its own when the payee cannot sign', async () => {
    const { alice, seen, send } = await twoNodes();
    const plain = await send({ amount: '10', data: b64('plain') });
    expect(plain.body).toMatchObject({ fulfilled: true, data: b64('thanks for: plain') });
    expect(plain.body).not.toHaveProperty('receipt');

    // A reply of 32767 bytes leaves no room for a receipt: the payer's own record, labelled.
    const big = await send({ amount: '20', data: b64('big'), receipt: true });
    expect(big.body).toMatchObject({ fulfilled: true, data: Buffer.alloc(32767, 0x61).toString('base64'), receipt: { kind: 'payer-record', note: expect.stringMatching(/payer's own record/) } });
    expect(seen).toEqual(['plain', 'big']);

    await send({ amount: '30', data: b64('pear'), receipt: true });
    const list = await call(alice.endpoints.admin!, 'GET', '/admin/receipts?limit=10', AGENT);
    expect((list.body.receipts as { kind: string; amountSent: string }[]).map((r) => [r.kind, r.amountSent])).toEqual([
      ['payee', '30'],
      ['payer-record', '20'],
    ]);
  }, 60_000);

  it('keeps the identity key in the data directory, mode 600, across starts', () => {
    const dir = h.dir();
    const first = loadIdentity(dir);
    expect(statSync(join(dir, 'identity.key')).mode & 0o777).toBe(0o600);
    expect(loadIdentity(dir).publicKey).toBe(first.publicKey);
    expect(Buffer.from(first.publicKey, 'base64url')).toHaveLength(32);
  });
});
