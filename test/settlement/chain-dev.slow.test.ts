/**
 * `agent-runtime chain dev` (the built CLI): it starts anvil, deploys, funds two dev accounts and
 * writes two configs that run as written: both nodes start from their files (secrets from the .env
 * beside each), alice opens a channel and pays bob past her threshold, bob redeems, and the chain paid
 * him exactly the claim. Stopping the command (SIGTERM) stops its anvil.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Contract, JsonRpcProvider } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorNode } from '../../src/index.js';
import type { ChainDevReady } from '../../src/commands/chain/dev.js';
import { loadArtifact } from '../../src/settlement/chains/evm/artifacts.js';
import type { ChannelView, SettleResult } from '../../src/settlement/index.js';
import { cli, ensureBuilt, until, type Proc } from '../e2e/process.js';
import { quietLogger, waitFor } from '../helpers/node.js';
import { admin, payBob } from './helpers.js';

let work: string;
let dev: Proc | undefined;
const nodes: ConnectorNode[] = [];

beforeAll(() => {
  ensureBuilt();
  work = mkdtempSync(join(tmpdir(), 'ar-chain-dev-'));
}, 240_000);

afterAll(async () => {
  for (const n of nodes.reverse()) await n.stop().catch(() => undefined);
  dev?.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
}, 60_000);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('agent-runtime chain dev', () => {
  it('writes two configs that settle as written, and stops its chain on SIGTERM', async () => {
    dev = cli(['chain', 'dev', '--dir', join(work, 'dev'), '--json']);
    const line = await until(() => dev!.stdout.split('\n').find((l) => l.includes('"chain:ready"')), 'chain:ready', 90_000);
    const ready = JSON.parse(line) as ChainDevReady;
    const [aliceFiles, bobFiles] = ready.nodes;
    expect([aliceFiles.nodeId, bobFiles.nodeId]).toEqual(['alice', 'bob']);
    expect(statSync(bobFiles.envPath).mode & 0o777).toBe(0o600);

    const bob = new ConnectorNode(bobFiles.configPath, quietLogger(), { env: {} });
    nodes.push(bob);
    await bob.start();
    const alice = new ConnectorNode(aliceFiles.configPath, quietLogger(), { env: {} });
    nodes.push(alice);
    await alice.start();
    await waitFor(() => bob.listPeers()[0]?.connected, 20_000, 'alice connected to bob');

    const opened = await admin<ChannelView>(alice, 'POST', '/admin/channels', { peerId: 'bob', initialDeposit: '1000000' });
    expect(opened.status, JSON.stringify(opened.body)).toBe(201);
    await payBob(alice, 6000n); // bob's handler is the one chain dev serves: it accepts every payment
    await payBob(alice, 6000n); // past alice's threshold (10000): a claim for 12000
    await waitFor(async () => (await admin<ChannelView[]>(bob, 'GET', '/admin/channels')).body[0]?.acknowledged === '12000', 30_000, 'bob credited the claim');
    const settled = await admin<SettleResult>(bob, 'POST', '/admin/settlement/settle/alice');
    expect(settled.status, JSON.stringify(settled.body)).toBe(200);

    const provider = new JsonRpcProvider(ready.rpcUrl, ready.chainId, { staticNetwork: true, cacheTimeout: -1 });
    const token = new Contract(ready.token, loadArtifact('TestToken').abi, provider);
    expect(await token.getFunction('balanceOf')(bobFiles.address)).toBe(1_000_000n * 10n ** 6n + 12_000n); // funded 1M tokens, paid 0.012
    provider.destroy();

    dev.kill('SIGTERM');
    const exit = await dev.exited;
    expect(exit.code, dev.stderr).toBe(0);
    await until(() => !alive(ready.pid), 'anvil stopped', 10_000);
  }, 170_000);
});
