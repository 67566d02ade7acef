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
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeConditionFromData, IlpPacketType, type ConnectorNode } from '../../src/index.js';
import type { EvmChain } from '../../src/settlement/chains/evm/evm-chain.js';
import { startDemoChain, type DemoChain } from '../../src/settlement/demo-chain.js';
import { SettlementStore } from '../../src/settlement/store.js';
import { root } from '../e2e/process.js';
import { Harness, waitFor } from '../helpers/node.js';
import { cliSnapshot, freePort, removeCliSnapshot, sumBalances } from '../reliability/helpers.js';
import { connectEvm } from './helpers.js';

const ROUNDS = Number(process.env.SETTLEMENT_CRASH_ROUNDS ?? 10);
const SEED = Number(process.env.SETTLEMENT_CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));
const SECRET = 'random-crash-secret';
const DEPOSIT = 100_000_000n;

/** mulberry32: a small seeded generator, uniform in [0, 1). */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A node process kept warm (standby-node.ts: the node's code loaded, nothing opened) until `go`,
 * which builds and starts the node from its config as `agent-runtime start` does. Killed by pid.
 */
class StandbyNode {
  readonly child: ChildProcess;
  private out = '';
  private err = '';
  readonly ready: Promise<void>;
  private readonly exited: Promise<void>;
  private readonly started: Promise<string>;

  constructor(runJs: string, config: string, env: Record<string, string>) {
    const base: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AGENT_RUNTIME_') && !k.startsWith('BTP_PEER_') && k !== 'NODE_OPTIONS') base[k] = v;
    const dist = join(runJs, '..', '..', 'dist');
    this.child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'standby-node.ts'), dist, config], { cwd: root, env: { ...base, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    this.exited = new Promise((resolve) => this.child.once('exit', () => resolve()));
    this.child.stderr!.setEncoding('utf8').on('data', (d: string) => (this.err = (this.err + d).slice(-20_000)));
    const line = (prefix: string) =>
      new Promise<string>((resolve, reject) => {
        const look = () => {
          const l = this.out.split('\n').find((x) => x.startsWith(prefix));
          if (l !== undefined) resolve(l);
        };
        this.child.stdout!.on('data', look);
        void this.exited.then(() => reject(new Error(`standby node exited before ${prefix}: ${this.err}`)));
      });
    this.child.stdout!.setEncoding('utf8').on('data', (d: string) => (this.out = (this.out + d).slice(-200_000)));
    this.ready = line('{"type":"standby:ready"').then(() => undefined);
    this.started = line('{"type":"node:started"').then((l) => (JSON.parse(l) as { adminUrl: string }).adminUrl);
    this.ready.catch(() => undefined);
    this.started.catch(() => undefined);
  }

  /** Starts the node; resolves to its admin URL. */
  async go(): Promise<string> {
    await this.ready;
    this.child.stdin!.write('go\n');
    return this.started;
  }

  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      try {
        process.kill(this.child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await this.exited;
  }
}

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

/** A node process and its admin API. */
interface Running {
  proc: StandbyNode;
  admin: string;
}

async function call<T>(r: Running, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${r.admin}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const json = (await res.json()) as T;
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

interface View {
  latestClaim: string;
  acknowledged: string;
  claimedOnchain: string;
  status: string;
}

describe(`settlement crash harness, random moments (anvil; alice and bob real processes; seed ${SEED})`, () => {
  it(`${ROUNDS} rounds of SIGKILL to the payer, the payee or both while claims are sent, acknowledged and redeemed: nothing booked twice or lost; ledgers agree with the chain`, { timeout: 900_000 }, async () => {
    console.log(`settlement random crash: seed ${SEED} (SETTLEMENT_CRASH_SEED=${SEED} replays these choices), ${ROUNDS} rounds`);
    const random = generator(SEED);
    handler = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"accept":true}'));
    await new Promise<void>((resolve) => handler!.listen(0, '127.0.0.1', resolve));
    const [alicePort, bobPort] = [await freePort(), await freePort()];
    const [aliceKey, bobKey] = chain.keys;
    const evm = (pollMs: number) => [
      '  evm:',
      `    rpcUrl: ${chain.rpcUrl}`,
      `    chainId: ${chain.chainId}`,
      `    contract: "${chain.contract}"`,
      `    token: "${chain.token}"`,
      `    pollIntervalMs: ${pollMs}`,
      '    resendIntervalMs: 500',
    ];
    const common = (id: string, port: number) => [`nodeId: ${id}`, `ilpAddress: g.${id}`, 'assetScale: 6', `dataDir: ${JSON.stringify(join(dir, id))}`, `btpServerPort: ${port}`, 'healthCheckPort: 0', 'adminApi:', '  enabled: true', '  port: 0'];
    // carol listens and alice dials her (and bob): a restarted alice links up at once, with no backoff
    const carol: ConnectorNode = h.node({
      nodeId: 'carol',
      assetScale: 6,
      peers: [{ id: 'alice', relation: 'peer', authToken: SECRET, creditLimit: '0' }],
      routes: [{ prefix: 'g.bob', nextHop: 'alice' }],
    });
    await carol.start();
    const aliceYaml = join(dir, 'alice.yaml');
    writeFileSync(
      aliceYaml,
      [
        ...common('alice', alicePort),
        'peers:',
        '  - id: bob',
        '    relation: peer',
        `    url: ws://127.0.0.1:${bobPort}`,
        '    creditLimit: "0"',
        '    settleThreshold: "1000"',
        `    settlement: { chain: evm, address: "${bobKey.address}" }`,
        '  - id: carol',
        '    relation: peer',
        `    url: ws://127.0.0.1:${carol.btpPort}`,
        '    creditLimit: "1000000000000"',
        'routes:',
        '  - { prefix: g.bob, nextHop: bob }',
        'settlement:',
        '  enabled: true',
        ...evm(200),
        '',
      ].join('\n'),
    );
    const bobYaml = join(dir, 'bob.yaml');
    writeFileSync(
      bobYaml,
      [
        ...common('bob', bobPort),
        'localDelivery:',
        '  enabled: true',
        `  handlerUrl: http://127.0.0.1:${(handler.address() as AddressInfo).port}`,
        'peers:',
        '  - id: alice',
        '    relation: peer',
        '    creditLimit: "1000000000000"',
        `    settlement: { chain: evm, address: "${aliceKey.address}" }`,
        'settlement:',
        '  enabled: true',
        '  redeem: { minAmount: "1500" }',
        ...evm(200),
        '',
      ].join('\n'),
    );
    const env = {
      alice: { BTP_PEER_BOB_SECRET: SECRET, BTP_PEER_CAROL_SECRET: SECRET, AGENT_RUNTIME_EVM_PRIVATE_KEY: aliceKey.privateKey },
      bob: { BTP_PEER_ALICE_SECRET: SECRET, AGENT_RUNTIME_EVM_PRIVATE_KEY: bobKey.privateKey },
    };
    const standby = (who: 'alice' | 'bob'): StandbyNode => {
      const proc = new StandbyNode(runJs, who === 'alice' ? aliceYaml : bobYaml, env[who]);
      procs.push(proc);
      return proc;
    };
    // each node's next process is loaded while the current one runs
    const next = { alice: standby('alice'), bob: standby('bob') };
    const start = async (who: 'alice' | 'bob'): Promise<Running> => {
      const proc = next[who];
      next[who] = standby(who);
      return { proc, admin: await proc.go() };
    };
    const nodes = { bob: await start('bob'), alice: await start('alice') };
    const linked = async (): Promise<boolean> => {
      if (carol.listPeers()[0]?.connected !== true) return false;
      const list = await call<{ peers: { id: string; connected: boolean }[] }>(nodes.alice, 'GET', '/admin/peers').catch(() => ({ peers: [] }));
      return list.peers.find((p) => p.id === 'bob')?.connected === true;
    };
    await waitFor(linked, 60_000, 'carol → alice → bob connected');

    const bobTokens0 = await chain.tokenBalance(bobKey.address);
    const aliceTokens0 = await chain.tokenBalance(aliceKey.address);
    const opened = await call<{ channelId: string }>(nodes.alice, 'POST', '/admin/channels', { peerId: 'bob', initialDeposit: DEPOSIT.toString() });
    const channelId = opened.channelId;
    await waitFor(() => call(nodes.bob, 'GET', `/admin/channels/${channelId}`).then(() => true, () => false), 30_000, 'bob sees the channel');

    /** Carol pays g.bob through alice, one packet after another, until stopped; failures (a node is down) are skipped. */
    const traffic = () => {
      let on = true;
      let fulfilled = 0;
      const loop = (async () => {
        while (on) {
          const data = Buffer.from(`crash ${Math.random()}`);
          const r = await carol
            .sendPacket({ destination: 'g.bob', amount: 700n, executionCondition: computeConditionFromData(data).condition, expiresAt: new Date(Date.now() + 4000), data })
            .catch(() => undefined);
          if (r?.type === IlpPacketType.Fulfill) fulfilled++;
          else await new Promise((resolve) => setTimeout(resolve, 50));
        }
      })();
      return {
        fulfilled: () => fulfilled,
        stop: async () => {
          on = false;
          await loop;
        },
      };
    };

    /** Settles up (alice claims all she owes, bob redeems all he holds) and checks chain, views and both ledgers. */
    const check = async (label: string): Promise<void> => {
      await waitFor(linked, 60_000, `${label}: carol → alice → bob connected again`);
      await waitFor(() => call<{ ok: boolean }>(nodes.alice, 'POST', '/admin/settlement/settle/bob').then((r) => r.ok, () => false), 60_000, `${label}: alice claims all she owes`);
      await waitFor(() => call<{ ok: boolean }>(nodes.bob, 'POST', '/admin/settlement/settle/alice').then((r) => r.ok, () => false), 60_000, `${label}: bob redeems all he holds`);
      let paid = 0n;
      await waitFor(
        async () => {
          const [a, b] = [await call<View>(nodes.alice, 'GET', `/admin/channels/${channelId}`), await call<View>(nodes.bob, 'GET', `/admin/channels/${channelId}`)];
          paid = (await reader.getChannel(channelId)).claimed;
          const all = [a.latestClaim, a.acknowledged, b.latestClaim, b.acknowledged, a.claimedOnchain, b.claimedOnchain];
          return all.every((x) => x === paid.toString());
        },
        60_000,
        `${label}: alice's latest claim acknowledged by both, redeemed, both views at the chain's payout`,
      );
      const balances = async (r: Running) => (await call<{ accounts: { account: string; balance: string }[] }>(r, 'GET', '/admin/balances')).accounts;
      await waitFor(async () => BigInt((await balances(nodes.alice)).find((x) => x.account === 'onchain')?.balance ?? '0') === -paid, 30_000, `${label}: alice booked the payout`);
      const [aAcc, bAcc] = [await balances(nodes.alice), await balances(nodes.bob)];
      const bal = (list: typeof aAcc, account: string) => BigInt(list.find((x) => x.account === account)?.balance ?? '0');
      expect(bal(bAcc, 'onchain'), `${label}: bob's onchain = the chain's payout`).toBe(paid);
      expect(bal(bAcc, 'channelIn:alice') + bal(bAcc, 'onchain'), `${label}: bob booked each claim once`).toBe(paid);
      expect(-(bal(aAcc, 'channelOut:bob') + bal(aAcc, 'onchain')), `${label}: alice booked each claim once`).toBe(paid);
      expect(sumBalances(aAcc), `${label}: alice sums to zero`).toBe(0n);
      expect(sumBalances(bAcc), `${label}: bob sums to zero`).toBe(0n);
      for (const who of ['alice', 'bob'] as const) {
        const v = await call<{ ok: boolean }>(nodes[who], 'GET', '/admin/ledger/verify');
        expect(v.ok, `${label}: ${who}'s ledger verify`).toBe(true);
      }
      expect(await chain.tokenBalance(bobKey.address), `${label}: bob's tokens`).toBe(bobTokens0 + paid);
      expect(await chain.tokenBalance(aliceKey.address), `${label}: alice's tokens`).toBe(aliceTokens0 - DEPOSIT);
    };

    const started = Date.now();
    for (let round = 1; round <= ROUNDS; round++) {
      const t = traffic();
      await waitFor(() => t.fulfilled() >= 2, 60_000, `round ${round}: traffic flowing`);
      const delay = Math.floor(random() * 1500);
      const pick = random();
      const victims: ('alice' | 'bob')[] = pick < 0.4 ? ['alice'] : pick < 0.8 ? ['bob'] : ['alice', 'bob'];
      await new Promise((resolve) => setTimeout(resolve, delay));
      console.log(`round ${round}: kill -9 ${victims.join(' and ')} ${delay} ms into the traffic (${t.fulfilled()} packets so far)`);
      await Promise.all(victims.map((v) => nodes[v].proc.kill()));
      await t.stop();
      const t0 = Date.now();
      await Promise.all(victims.map(async (v) => (nodes[v] = await start(v))));
      const t1 = Date.now();
      await waitFor(linked, 60_000, `round ${round}: carol → alice → bob connected again`);
      const t2 = Date.now();
      await check(`round ${round} (${victims.join('+')}, ${delay} ms)`);
      console.log(`round ${round}: restart ${t1 - t0} ms, reconnect ${t2 - t1} ms, settle and check ${Date.now() - t2} ms`);
    }
    console.log(`settlement random crash: ${ROUNDS} rounds in ${Math.round((Date.now() - started) / 1000)} s (seed ${SEED})`);

    // the data directories themselves: ledger verify by the CLI, no open transaction intent
    await Promise.all([nodes.alice.proc, nodes.bob.proc, next.alice, next.bob].map((p) => p.kill()));
    for (const who of ['alice', 'bob']) {
      const out = execFileSync(process.execPath, [runJs, 'ledger', 'verify', '--data-dir', join(dir, who), '--json'], { cwd: root, encoding: 'utf8', timeout: 60_000 });
      expect((JSON.parse(out) as { ok: boolean }).ok, `${who}: ledger verify --data-dir`).toBe(true);
      const store = await SettlementStore.open(join(dir, who));
      try {
        expect(await store.intents('evm'), `${who}: no open intent`).toEqual([]);
      } finally {
        await store.close();
      }
    }
  });
});
