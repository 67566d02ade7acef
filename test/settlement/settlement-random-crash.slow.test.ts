/**
 * Settlement crash harness, random moments: alice (the payer) and bob (the payee) are real node
 * processes (the built CLI, `start --json`) settling on anvil; carol, in this process, pays g.bob
 * through alice without pause, so alice signs and sends claims (settleThreshold 1000, packets of 700),
 * bob verifies, books and acknowledges them and redeems them on-chain (redeem.minAmount 1500) all the
 * time. Each round kills alice, bob or both with SIGKILL at a random moment of that traffic, starts
 * them again on their data directories, lets both settle up (alice claims what she owes, bob redeems
 * what he holds) and checks:
 *
 * - no claim booked twice or lost: both sides acknowledge the same cumulative claim, which is alice's
 *   latest; bob's channelIn + onchain and alice's −(channelOut + onchain) each equal it;
 * - every redemption booked exactly once: bob's onchain = what the chain paid out = −alice's onchain;
 * - both ledgers agree with the chain (bob's token balance rose by exactly the payout, alice's fell by
 *   exactly the deposit), sum to zero, and the node's ledger verify (GET /admin/ledger/verify) is ok.
 *
 * At the end both are killed once more and `agent-runtime ledger verify --data-dir` runs on each data
 * directory; their settlement stores hold no open transaction intent.
 *
 * The moments come from a seeded generator: the seed is printed; SETTLEMENT_CRASH_SEED=<n> replays a
 * run's choices (the timing of the traffic around them still differs). SETTLEMENT_CRASH_ROUNDS sets the
 * number of rounds (default 10).
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectorNode } from '../../src/index.js';
import type { EvmChain } from '../../src/settlement/chains/evm/evm-chain.js';
import { startDemoChain, type DemoChain } from '../../src/settlement/demo-chain.js';
import { root } from '../e2e/process.js';
import { Harness, waitFor } from '../helpers/node.js';
import { cliSnapshot, freePort, removeCliSnapshot } from '../reliability/helpers.js';
import { adminCall, CrashPair, crashRounds, expectBooksAtPayout, expectDataDirSound, generator, settleUp, type StandbyNode, waitViewsAtPayout, writePairConfigs } from './crash-harness.js';
import { connectEvm } from './helpers.js';

const ROUNDS = Number(process.env.SETTLEMENT_CRASH_ROUNDS ?? 10);
const SEED = Number(process.env.SETTLEMENT_CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));
const SECRET = 'random-crash-secret';
const DEPOSIT = 100_000_000n;

const h = new Harness();
let chain: DemoChain;
let reader: EvmChain;
let runJs = '';
let dir = '';
let handler: Server | undefined;
const procs: StandbyNode[] = [];

beforeAll(async () => {
  runJs = await cliSnapshot();
  // the package ships the contract artifacts and version hashes the EVM adapter reads at connect
  cpSync(join(root, 'contracts'), join(runJs, '..', '..', 'contracts'), { recursive: true });
  chain = await startDemoChain({ accounts: 2, decimals: 6 });
  reader = await connectEvm(chain, 0);
  dir = mkdtempSync(join(tmpdir(), 'ar-settle-random-'));
}, 400_000);

afterAll(async () => {
  for (const p of procs) await p.kill();
  await h.cleanup();
  handler?.closeAllConnections();
  await new Promise((resolve) => (handler ? handler.close(resolve) : resolve(undefined)));
  reader?.close();
  await chain?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  if (runJs) removeCliSnapshot(runJs);
}, 60_000);

describe(`settlement crash harness, random moments (anvil; alice and bob real processes; seed ${SEED})`, () => {
  it(`${ROUNDS} rounds of SIGKILL to the payer, the payee or both while claims are sent, acknowledged and redeemed: nothing booked twice or lost; ledgers agree with the chain`, { timeout: 900_000 }, async () => {
    console.log(`settlement random crash: seed ${SEED} (SETTLEMENT_CRASH_SEED=${SEED} replays these choices), ${ROUNDS} rounds`);
    const random = generator(SEED);
    handler = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"accept":true}'));
    await new Promise<void>((resolve) => handler!.listen(0, '127.0.0.1', resolve));
    const [alicePort, bobPort] = [await freePort(), await freePort()];
    const [aliceKey, bobKey] = chain.keys;
    // carol listens and alice dials her (and bob): a restarted alice links up at once, with no backoff
    const carol: ConnectorNode = h.node({
      nodeId: 'carol',
      assetScale: 6,
      peers: [{ id: 'alice', relation: 'peer', authToken: SECRET, creditLimit: '0' }],
      routes: [{ prefix: 'g.bob', nextHop: 'alice' }],
    });
    await carol.start();
    const configs = writePairConfigs({
      dir,
      ports: { alice: alicePort, bob: bobPort, carol: carol.btpPort, handler: (handler.address() as AddressInfo).port },
      chain: 'evm',
      section: ['  evm:', `    rpcUrl: ${chain.rpcUrl}`, `    chainId: ${chain.chainId}`, `    contract: "${chain.contract}"`, `    token: "${chain.token}"`, '    pollIntervalMs: 200', '    resendIntervalMs: 500'],
      addresses: { alice: aliceKey.address, bob: bobKey.address },
    });
    const env = {
      alice: { BTP_PEER_BOB_SECRET: SECRET, BTP_PEER_CAROL_SECRET: SECRET, AGENT_RUNTIME_EVM_PRIVATE_KEY: aliceKey.privateKey },
      bob: { BTP_PEER_ALICE_SECRET: SECRET, AGENT_RUNTIME_EVM_PRIVATE_KEY: bobKey.privateKey },
    };
    const pair = await CrashPair.start({ runJs, configs, env, chain: 'evm', carol, procs });

    const bobTokens0 = await chain.tokenBalance(bobKey.address);
    const aliceTokens0 = await chain.tokenBalance(aliceKey.address);
    const opened = await adminCall<{ channelId: string }>(pair.nodes.alice.admin, 'POST', '/admin/channels', { peerId: 'bob', initialDeposit: DEPOSIT.toString() });
    const channelId = opened.channelId;
    await waitFor(() => adminCall(pair.nodes.bob.admin, 'GET', `/admin/channels/${channelId}`).then(() => true, () => false), 30_000, 'bob sees the channel');

    /** Settles up (alice claims all she owes, bob redeems all he holds) and checks chain, views and both ledgers. */
    const check = async (label: string): Promise<void> => {
      await settleUp(label, pair.ends());
      const paid = await waitViewsAtPayout(label, pair.ends(), channelId, async () => (await reader.getChannel(channelId)).claimed);
      await expectBooksAtPayout(label, pair.ends(), paid);
      expect(await chain.tokenBalance(bobKey.address), `${label}: bob's tokens`).toBe(bobTokens0 + paid);
      expect(await chain.tokenBalance(aliceKey.address), `${label}: alice's tokens`).toBe(aliceTokens0 - DEPOSIT);
    };

    const started = Date.now();
    await crashRounds(pair, carol, ROUNDS, random, check);
    console.log(`settlement random crash: ${ROUNDS} rounds in ${Math.round((Date.now() - started) / 1000)} s (seed ${SEED})`);

    // the data directories themselves: ledger verify by the CLI, no open transaction intent
    await pair.killAll();
    for (const who of ['alice', 'bob']) await expectDataDirSound(runJs, join(dir, who), 'evm');
  });
});
