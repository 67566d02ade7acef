/**
 * `agent-runtime mcp --config <file>` (issue 22: the MCP server "running its own node"), as a real
 * process driven by the MCP SDK's own client over stdio: the process runs the config's node (its
 * parent is a second, library node over BTP), and its tools call that node with the config's
 * send+read key: get_policy shows the limits, get_balance the accounts, send_payment pays the second
 * node's agent (the reply and a payee receipt come back) and one over the limit is refused naming
 * the rule. When the client closes, the node stops (its stderr says so), the process exits and its
 * ports are free. A config with only the operator's key is refused with what to add.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { bin, cli, ensureBuilt } from '../e2e/process.js';
import { Harness, waitFor } from '../helpers/node.js';
import { AGENT, OPERATOR } from '../agents/helpers.js';

const h = new Harness();
const dirs: string[] = [];
afterEach(async () => {
  await h.cleanup();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}, 60_000);
beforeAll(() => ensureBuilt(), 300_000);

const WAIT = 60_000;

function textOf(r: unknown): Record<string, unknown> {
  const content = (r as { content: { type: string; text: string }[] }).content;
  return JSON.parse(content[0].text) as Record<string, unknown>;
}

/** True once nothing accepts connections on 127.0.0.1:port. */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function configFile(dir: string, adminApi: string, parentUrl: string): string {
  const file = join(dir, 'config.yaml');
  writeFileSync(
    file,
    `nodeId: alice
dataDir: ${join(dir, 'data')}
btpServerPort: 0
healthCheckPort: 0
adminApi:
  port: 0
${adminApi}
policies:
  local:
    maxPerPayment: 500
    budgets:
      - { amount: 1000, per: day }
peers:
  - id: bob
    relation: parent
    url: ${parentUrl}
    authToken: alice-secret
    creditLimit: 1000000
`,
  );
  return file;
}

describe('agent-runtime mcp --config', () => {
  it('runs its own node: pays a second node within the policy, refuses over it, and stops the node when the client closes', async () => {
    const bob = h.node({ nodeId: 'bob', peers: [{ id: 'alice', authToken: 'alice-secret', relation: 'child', creditLimit: '1000000' }] } as never);
    bob.setPacketHandler((req) => ({ accept: true, data: Buffer.from(`bob got: ${Buffer.from(req.data ?? '', 'base64').toString()}`).toString('base64') }));
    await bob.start();
    const dir = mkdtempSync(join(tmpdir(), 'ar-mcp-'));
    dirs.push(dir);
    const keys = `  apiKey: ${OPERATOR}\n  keys:\n    - { name: mcp, key: ${AGENT}, scopes: [send, read] }`;
    const config = configFile(dir, keys, `ws://127.0.0.1:${bob.btpPort}`);

    const env = { ...(process.env as Record<string, string>) };
    delete env.AGENT_RUNTIME_URL;
    delete env.AGENT_RUNTIME_API_KEY;
    const transport = new StdioClientTransport({ command: process.execPath, args: [bin, 'mcp', '--config', config], env, cwd: dir, stderr: 'pipe' });
    let stderr = '';
    transport.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const client = new Client({ name: 'test-host', version: '1.0.0' });
    let closed = false;
    h.onCleanup(async () => {
      if (!closed) await client.close();
    });
    await client.connect(transport);
    const pid = transport.pid!;
    expect(pid).toBeGreaterThan(0);
    const banner = await waitFor(() => /admin (http:\/\/127\.0\.0\.1:(\d+)), BTP port (\d+), health http:\/\/127\.0\.0\.1:(\d+)/.exec(stderr), WAIT, `the start banner; stderr: ${stderr}`);
    expect(stderr).toMatch(/node alice \(g\.bob\.alice\) running in this process: .*tools use key mcp/);
    const ports = [Number(banner[2]), Number(banner[3]), Number(banner[4])];
    await waitFor(() => bob.listPeers().find((p) => p.id === 'alice')?.connected, WAIT, 'alice connected to bob');

    expect(textOf(await client.callTool({ name: 'get_policy', arguments: {} }))).toMatchObject({
      subject: 'local',
      policy: { maxPerPayment: '0.000000500 USD', maxPerPaymentRaw: '500' },
      budgets: [{ amount: '0.000001000 USD', amountRaw: '1000', per: 'day', spent: '0.000000000 USD', remaining: '0.000001000 USD' }],
    });
    const paid = textOf(await client.callTool({ name: 'send_payment', arguments: { destination: 'g.bob.shop', amount: '0.0000002', message: 'an apple' } }));
    expect(paid).toMatchObject({ status: 'fulfilled', amount: '0.000000200 USD', amountRaw: '200', reply: 'bob got: an apple', receipt: { kind: 'payee', verified: true } });
    const over = textOf(await client.callTool({ name: 'send_payment', arguments: { destination: 'g.bob.shop', amount: '0.0000006' } }));
    expect(over).toMatchObject({ status: 'rejected', code: 'F08', message: expect.stringMatching(/policy maxPerPayment/) });
    expect(textOf(await client.callTool({ name: 'get_policy', arguments: {} }))).toMatchObject({ budgets: [{ spent: '0.000000200 USD', spentRaw: '200', remaining: '0.000000800 USD', remainingRaw: '800' }] });
    const balances = textOf(await client.callTool({ name: 'get_balance', arguments: {} }));
    expect(balances).toMatchObject({ nodeId: 'alice', accounts: expect.arrayContaining([{ account: 'peer:bob', assetCode: 'USD', assetScale: 9, balance: '-0.000000200 USD', balanceRaw: '-200', reserved: '0.000000000 USD', reservedRaw: '0' }]) });
    expect(bob.getBalance('alice').balances[0].netBalance).toBe('200');

    // The client closes: the node stops cleanly, the process exits, its ports are free.
    closed = true;
    await client.close();
    await waitFor(() => /node alice stopped/.test(stderr), WAIT, `the stop line; stderr: ${stderr}`);
    await waitFor(() => !alive(pid), WAIT, 'the mcp process to exit');
    for (const port of ports) expect(await waitFor(() => refused(port), WAIT, `port ${port} freed`)).toBe(true);
    await waitFor(() => bob.listPeers().find((p) => p.id === 'alice')?.connected === false, WAIT, 'bob sees alice gone');
  }, 120_000);

  it('refuses a config whose only key is the operator\'s, saying what to add', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ar-mcp-'));
    dirs.push(dir);
    const config = configFile(dir, `  apiKey: ${OPERATOR}`, 'ws://127.0.0.1:1');
    const env = { ...process.env };
    delete env.AGENT_RUNTIME_URL;
    delete env.AGENT_RUNTIME_API_KEY;
    const p = cli(['mcp', '--config', config], { cwd: dir, env, input: '' });
    const exit = await p.exited;
    expect(exit.code).not.toBe(0);
    expect(p.stdout).toBe('');
    expect(p.stderr).toMatch(/adminApi\.keys: has no key with the scopes \[send, read\]/);
    expect(p.stderr).toMatch(/scopes: \[send, read\]/);
    // a plain error, nothing else: no stack trace
    expect(p.stderr).not.toMatch(/ at /);
  }, 60_000);
});
