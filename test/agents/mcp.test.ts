/**
 * `agent-runtime mcp` as a real process, driven by the MCP SDK's own client over stdio against a
 * real node: tools listed with schemas; a payment within the policy is fulfilled with the reply and a
 * payee receipt that verifies (a tampered one does not); one
 * over budget is a readable denial naming the rule; one above the approval line is pending until the
 * operator approves it; the MCP key can neither raise its limits nor approve.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { bin, ensureBuilt } from '../e2e/process.js';
import { Harness } from '../helpers/node.js';
import { AGENT, OPERATOR, call, keyedAdmin } from './helpers.js';

const h = new Harness();
afterEach(() => h.cleanup(), 30_000);
beforeAll(() => ensureBuilt(), 300_000);

function textOf(r: unknown): Record<string, unknown> {
  const content = (r as { content: { type: string; text: string }[] }).content;
  return JSON.parse(content[0].text) as Record<string, unknown>;
}

describe('agent-runtime mcp', () => {
  it('pays within the policy, reports denials and pending approvals, and cannot lift its limits', async () => {
    const node = h.node({
      nodeId: 'alice',
      adminApi: keyedAdmin,
      // a child that never connects: an account to show a balance of, a peer to list
      peers: [{ id: 'kid', relation: 'child', authToken: 'kid-secret-0123456789abcdef', creditLimit: '1000' }],
      policies: { local: { maxPerPayment: '500', budgets: [{ amount: '700', per: 'day' }], approvalAbove: '300' } },
    });
    node.setPacketHandler((req) => ({ accept: true, data: Buffer.from(`thanks for: ${Buffer.from(req.data ?? '', 'base64').toString()}`).toString('base64') }));
    await node.start();
    const url = node.endpoints.admin!;

    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [bin, 'mcp', '--url', url],
      env: { ...(process.env as Record<string, string>), AGENT_RUNTIME_API_KEY: AGENT },
      stderr: 'pipe',
    });
    const client = new Client({ name: 'test-host', version: '1.0.0' });
    await client.connect(transport);
    h.onCleanup(() => client.close());

    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['get_balance', 'get_payment', 'get_policy', 'list_payments', 'list_peers', 'list_receipts', 'quote', 'send_payment', 'verify_receipt']);
    const send = tools.find((t) => t.name === 'send_payment')!;
    expect(send.inputSchema).toMatchObject({ type: 'object', required: ['destination', 'amount'], properties: { message: { type: 'string' } } });

    // A quote sends nothing: same asset, no fee on a local send; the policy's answer for each amount.
    expect(textOf(await client.callTool({ name: 'quote', arguments: { destination: 'g.alice.shop', amount: '0.0000002' } }))).toMatchObject({
      ok: true,
      nextHop: 'local',
      amount: '0.000000200 USD',
      amountRaw: '200',
      delivered: '0.000000200 USD',
      deliveredRaw: '200',
      policy: 'allowed',
    });
    expect(textOf(await client.callTool({ name: 'quote', arguments: { destination: 'g.alice.shop', amount: '0.0000004' } }))).toMatchObject({ policy: 'waits for approval (above 300)' });
    expect(textOf(await client.callTool({ name: 'quote', arguments: { destination: 'g.alice.shop', amount: '0.000000600' } }))).toMatchObject({ policy: expect.stringMatching(/^refused: policy maxPerPayment/) });
    expect(textOf(await client.callTool({ name: 'quote', arguments: { destination: 'g.nowhere', amount: '0.000000001' } }))).toMatchObject({ ok: false, code: 'F02' });
    // An amount is a decimal of the node's asset, exactly: more decimals than its scale is a readable tool error naming the scale.
    const tooFine = await client.callTool({ name: 'quote', arguments: { destination: 'g.alice.shop', amount: '0.0000000001' } });
    expect(tooFine.isError).toBe(true);
    expect(textOf(tooFine)).toMatchObject({ error: 'INVALID_ARGUMENT', message: expect.stringMatching(/scale is 9/) });
    const wholeUsd = await client.callTool({ name: 'send_payment', arguments: { destination: 'g.alice.shop', amount: '5' } });
    expect(textOf(wholeUsd)).toMatchObject({ status: 'rejected', code: 'F08', amount: '5.000000000 USD', amountRaw: '5000000000' });

    const paid = textOf(await client.callTool({ name: 'send_payment', arguments: { destination: 'g.alice.shop', amount: '0.0000002', message: 'an apple' } }));
    expect(paid).toMatchObject({ status: 'fulfilled', amount: '0.000000200 USD', amountRaw: '200', reply: 'thanks for: an apple', receipt: { kind: 'payee', verified: true } });
    // The payee (here the node itself) signed it: it verifies against its public key; tampered, it does not.
    const publicKey = node.health().identity!.publicKey;
    const verify = (receipt: unknown) => client.callTool({ name: 'verify_receipt', arguments: { receipt: receipt as Record<string, unknown>, publicKey } });
    expect(textOf(await verify(paid.receipt))).toMatchObject({ valid: true, keyFrom: 'given' });
    const signed = (paid.receipt as { receipt: Record<string, unknown> }).receipt;
    expect(textOf(await verify({ ...signed, amount: '1' }))).toMatchObject({ valid: false, problems: ['the signature does not match the receipt'] });
    expect(textOf(await client.callTool({ name: 'list_receipts', arguments: {} }))).toMatchObject({ receipts: [{ kind: 'payee', amountSent: '200' }] });

    const big = textOf(await client.callTool({ name: 'send_payment', arguments: { destination: 'g.alice.shop', amount: '0.0000006' } }));
    expect(big).toMatchObject({ status: 'rejected', code: 'F08', message: expect.stringMatching(/policy maxPerPayment/) });

    const pending = textOf(await client.callTool({ name: 'send_payment', arguments: { destination: 'g.alice.shop', amount: '0.0000004', message: 'a pear' } }));
    expect(pending).toMatchObject({ status: 'pending', approvalId: expect.any(String) });
    const id = pending.approvalId as string;
    expect(textOf(await client.callTool({ name: 'get_payment', arguments: { approvalId: id } }))).toMatchObject({ status: 'pending', amount: '0.000000400 USD', amountRaw: '400' });
    expect(textOf(await client.callTool({ name: 'list_payments', arguments: {} }))).toMatchObject({ pending: 1, approvals: [{ id, amount: '0.000000400 USD', amountRaw: '400' }] });

    const policy = textOf(await client.callTool({ name: 'get_policy', arguments: {} }));
    expect(policy).toMatchObject({
      policy: { maxPerPayment: '0.000000500 USD', maxPerPaymentRaw: '500', approvalAbove: '0.000000300 USD', budgets: [{ amount: '0.000000700 USD', amountRaw: '700', per: 'day' }] },
      budgets: [{ amount: '0.000000700 USD', amountRaw: '700', spent: '0.000000200 USD', spentRaw: '200', reserved: '0.000000400 USD', remaining: '0.000000100 USD', remainingRaw: '100' }],
    });
    const over = textOf(await client.callTool({ name: 'send_payment', arguments: { destination: 'g.alice.shop', amount: '0.00000015' } }));
    expect(over).toMatchObject({ status: 'rejected', code: 'T04', message: expect.stringMatching(/policy budget 700 per day: 100 left/) });

    // The MCP key (send + read) can neither approve nor raise its budget.
    expect((await call(url, 'POST', `/admin/approvals/${id}`, AGENT, { decision: 'approve' })).body.code).toBe('SCOPE_DENIED');
    expect((await call(url, 'PUT', '/admin/policies', AGENT, { local: { budgets: [{ amount: '9999', per: 'day' }] } })).body.code).toBe('SCOPE_DENIED');

    expect((await call(url, 'POST', `/admin/approvals/${id}`, OPERATOR, { decision: 'approve' })).status).toBe(200);
    const done = textOf(await client.callTool({ name: 'get_payment', arguments: { approvalId: id } }));
    expect(done).toMatchObject({ status: 'approved', outcome: { fulfilled: true } });

    const balances = textOf(await client.callTool({ name: 'get_balance', arguments: {} }));
    expect(balances).toMatchObject({ asset: { code: 'USD', scale: 9 }, accounts: [{ account: 'peer:kid', balance: '0.000000000 USD', balanceRaw: '0', reserved: '0.000000000 USD', assetCode: 'USD', assetScale: 9 }] });
    expect(textOf(await client.callTool({ name: 'list_peers', arguments: {} }))).toMatchObject({ nodeId: 'alice', peers: [{ id: 'kid', relation: 'child', connected: false }] });
  }, 60_000);
});
