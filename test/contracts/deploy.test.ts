/**
 * `agent-runtime contracts deploy|verify evm` as an operator runs them (the built CLI, a real anvil
 * started here and killed by pid), and a node's start check of settlement.evm.contract: a contract
 * that is not one we shipped is refused at start (CONTRACT_UNKNOWN naming the verify command); with
 * the RPC down the node starts and forwards, and the check runs once the RPC answers.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonRpcProvider, Wallet, getCreateAddress } from 'ethers';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort, rpc, startAnvil, type AnvilProcess } from '../../src/settlement/chains/evm/anvil.js';
import { deployTestToken } from '../../src/settlement/chains/evm/deploy.js';
import { deployEvm, verifyEvm, type DeployResult, type VerifyResult } from '../../src/settlement/chains/evm/operator.js';
import { evmKeyFromEnv } from '../../src/cli/evm-key.js';
import type { NodeEvent } from '../../src/node/events.js';
import { bin, ensureBuilt } from '../e2e/process.js';
import { Harness, waitFor } from '../helpers/node.js';

const h = new Harness();
const anvils: AnvilProcess[] = [];
let anvil: AnvilProcess;
let deployer: Wallet;
let cwd: string;

async function chain(opts: Parameters<typeof startAnvil>[0] = {}): Promise<AnvilProcess> {
  const a = await startAnvil(opts);
  anvils.push(a);
  return a;
}

/** A fresh key with 100 ETH on `a`. */
async function funded(a: AnvilProcess): Promise<Wallet> {
  const w = Wallet.createRandom();
  await rpc(a.rpcUrl, 'anvil_setBalance', [w.address, `0x${(100n * 10n ** 18n).toString(16)}`]);
  return new Wallet(w.privateKey);
}

/** The built CLI with the deployer's key as AGENT_RUNTIME_EVM_PRIVATE_KEY, from an empty directory. */
function cli(args: string[], key: string = deployer.privateKey): { code: number | null; json: unknown; stderr: string } {
  const env = { ...process.env };
  env.AGENT_RUNTIME_EVM_PRIVATE_KEY = key;
  const r = spawnSync(process.execPath, [bin, ...args, '--json'], { cwd, env, encoding: 'utf8', timeout: 60_000 });
  let json: unknown;
  try {
    json = JSON.parse(r.stdout);
  } catch {
    json = undefined;
  }
  return { code: r.status, json, stderr: r.stderr };
}

beforeAll(async () => {
  ensureBuilt();
  cwd = mkdtempSync(join(tmpdir(), 'ar-deploy-'));
  anvil = await chain();
  deployer = await funded(anvil);
}, 240_000);

afterEach(() => h.cleanup(), 30_000);

afterAll(async () => {
  await Promise.all(anvils.map((a) => a.stop()));
  rmSync(cwd, { recursive: true, force: true });
}, 30_000);

describe('contracts deploy evm / contracts verify evm (built CLI, real anvil)', () => {
  let first: DeployResult;

  it('--test-token deploys token and contract, waits, and prints the settlement.evm block', () => {
    const r = cli(['contracts', 'deploy', 'evm', '--rpc-url', anvil.rpcUrl, '--test-token', '--decimals', '6']);
    expect(r.code, r.stderr).toBe(0);
    first = r.json as DeployResult;
    expect(first).toMatchObject({ chainId: 31337, testToken: true, decimals: 6, version: '1', confirmations: 1, deployer: deployer.address });
    expect(first.transactions.map((t) => t.what)).toEqual(['deploy TestToken', 'mint TestToken', 'deploy TokenNetwork']);
    expect(first.settlement).toEqual({ enabled: true, evm: { rpcUrl: anvil.rpcUrl, chainId: 31337, contract: first.contract, token: first.token, confirmations: 1 } });
  }, 60_000);

  it('verify: our contract is v1 holding its token; the token itself matches nothing (the CLI exits 1)', async () => {
    expect(await verifyEvm(anvil.rpcUrl, first.contract)).toMatchObject({ match: true, version: '1', token: first.token, chainId: 31337 });
    const other = cli(['contracts', 'verify', 'evm', first.token, '--rpc-url', anvil.rpcUrl]);
    expect(other.code).toBe(1);
    expect(other.json as VerifyResult).toMatchObject({ match: false, address: first.token });
    expect((other.json as VerifyResult).shipped.map((v) => v.version)).toContain('1');
  }, 60_000);

  it('verify of a TokenNetwork deployed for an existing ERC-20 (--token) matches too', async () => {
    const r = await deployEvm({ rpcUrl: anvil.rpcUrl, privateKey: deployer.privateKey, token: first.token });
    expect(r).toMatchObject({ token: first.token, testToken: false, version: '1', confirmations: 1 });
    expect(r.contract).not.toBe(first.contract);
    expect(await verifyEvm(anvil.rpcUrl, r.contract)).toMatchObject({ match: true, version: '1', token: first.token });
  }, 60_000);

  it('refuses: no key (EVM_KEY_MISSING), no token choice, a --token with no code, nothing at a verify address', async () => {
    expect(() => evmKeyFromEnv({}, cwd)).toThrow(expect.objectContaining({ code: 'EVM_KEY_MISSING', exitCode: 2 }));
    expect(() => evmKeyFromEnv({ AGENT_RUNTIME_EVM_PRIVATE_KEY: '0x1234' }, cwd)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    const code = (p: Promise<unknown>) => p.then(() => 'resolved', (e: { code?: string }) => e.code);
    const key = deployer.privateKey;
    expect(await code(deployEvm({ rpcUrl: anvil.rpcUrl, privateKey: key }))).toBe('INVALID_ARGUMENT');
    const empty = Wallet.createRandom().address;
    expect(await code(deployEvm({ rpcUrl: anvil.rpcUrl, privateKey: key, token: empty }))).toBe('CONTRACT_NOT_FOUND');
    expect(await code(verifyEvm(anvil.rpcUrl, empty))).toBe('CONTRACT_NOT_FOUND');
    expect(await code(verifyEvm(`http://127.0.0.1:${await freePort()}`, empty))).toBe('CHAIN_UNREACHABLE');
  }, 60_000);

  it('does not hang on a chain that mines on demand: more confirmations than blocks come ends with the tx hash', async () => {
    const e = (await deployEvm({ rpcUrl: anvil.rpcUrl, privateKey: deployer.privateKey, token: first.token, confirmations: 3, timeoutMs: 1500 }).catch((x: unknown) => x)) as {
      code: string;
      message: string;
    };
    expect(e.code).toBe('CONFIRMATIONS_TIMEOUT');
    expect(e.message).toMatch(/transaction 0x[0-9a-f]{64} has 1 of 3 confirmations/);
  }, 60_000);

  it('--test-token is refused on a public chain id (8453, Base)', async () => {
    const base = await chain({ chainId: 8453 });
    const key = await funded(base);
    const e = (await deployEvm({ rpcUrl: base.rpcUrl, privateKey: key.privateKey, testToken: { decimals: 6, mint: 0n } }).catch((x: unknown) => x)) as { code: string; message: string };
    expect(e.code).toBe('TEST_TOKEN_REFUSED');
    expect(e.message).toContain('Base (chain id 8453)');
  }, 60_000);
});

/** A node settling on `rpcUrl` with `contract`/`token`, its events into `events`. */
function settlingNode(rpcUrl: string, contract: string, token: string, key: string, events: NodeEvent[]) {
  const node = h.node({
    nodeId: 'carol',
    settlement: { enabled: true, evm: { rpcUrl, chainId: 31337, contract, token, privateKey: key, pollIntervalMs: 200, resendIntervalMs: 500 } },
  });
  node.events.subscribe((batch) => events.push(...batch));
  return node;
}

describe("a node's start check of settlement.evm.contract", () => {
  it('a contract that is not a shipped TokenNetwork: start fails with CONTRACT_UNKNOWN naming `contracts verify`', async () => {
    const provider = new JsonRpcProvider(anvil.rpcUrl, 31337, { staticNetwork: true, cacheTimeout: -1 });
    const notOurs = await deployTestToken(deployer.connect(provider), { decimals: 6 }); // code, but not a TokenNetwork
    provider.destroy();
    const node = settlingNode(anvil.rpcUrl, notOurs, notOurs, deployer.privateKey, []);
    const err = (await node.start().then(() => undefined, (e: unknown) => e)) as { code?: string; suggestion?: string };
    expect(err?.code).toBe('CONTRACT_UNKNOWN');
    expect(err.suggestion).toContain(`agent-runtime contracts verify evm ${notOurs}`);
  }, 60_000);

  it('RPC down at start: the node starts (lane degraded); once the RPC answers the contract is checked and refused', async () => {
    const port = await freePort();
    const key = Wallet.createRandom();
    const notOurs = getCreateAddress({ from: key.address, nonce: 0 }); // what key's first deployment will be
    const events: NodeEvent[] = [];
    const node = settlingNode(`http://127.0.0.1:${port}`, notOurs, notOurs, key.privateKey, events);
    await node.start();
    expect((await fetch(`${node.endpoints.admin}/health`)).status).toBe(200);
    const later = await chain({ port });
    await rpc(later.rpcUrl, 'anvil_setBalance', [key.address, `0x${(10n ** 18n).toString(16)}`]);
    const provider = new JsonRpcProvider(later.rpcUrl, 31337, { staticNetwork: true, cacheTimeout: -1 });
    expect(await deployTestToken(new Wallet(key.privateKey, provider), { decimals: 6 })).toBe(notOurs);
    provider.destroy();
    const refused = await waitFor(
      () => events.find((e) => e.type === 'settlement:failed' && e.reason.includes('is not a TokenNetwork this package shipped')),
      30_000,
      'the contract refused once the RPC answers',
    );
    expect(refused).toBeDefined();
    expect((await fetch(`${node.endpoints.admin}/health`)).status).toBe(200); // forwarding never stops for the chain
  }, 60_000);
});
