/**
 * What the settlement crash harnesses share (settlement-crash.slow, settlement-random-crash.slow on
 * anvil, xrpl-random-crash.slow on the XRPL stand-in): warm standby node processes killed with
 * SIGKILL, admin calls by URL, a seeded generator for the random moments, traffic paid through the
 * payer without pause, settling up after a restart, and the checks that follow it (each side's
 * bookings equal what the chain paid out, both ledgers sum to zero and verify; the data directories
 * verify by the CLI and hold no open transaction intent).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { computeConditionFromData, IlpPacketType, type ConnectorNode } from '../../src/index.js';
import type { ChainKind } from '../../src/settlement/chain.js';
import { SettlementStore } from '../../src/settlement/store.js';
import { root } from '../e2e/process.js';
import { waitFor } from '../helpers/node.js';
import { balanceOf, sumBalances } from '../reliability/helpers.js';

/** mulberry32: a small seeded generator, uniform in [0, 1). */
export function generator(seed: number): () => number {
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
 * A node process kept warm (standby-node.ts: the node's code and `chain`'s SDK loaded, nothing opened)
 * until `go`, which builds and starts the node from its config as `agent-runtime start` does. Killed by pid.
 */
export class StandbyNode {
  readonly child: ChildProcess;
  private out = '';
  private err = '';
  readonly ready: Promise<void>;
  private readonly exited: Promise<void>;
  private readonly started: Promise<string>;

  constructor(runJs: string, config: string, env: Record<string, string>, chain: ChainKind = 'evm') {
    const base: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AGENT_RUNTIME_') && !k.startsWith('BTP_PEER_') && k !== 'NODE_OPTIONS') base[k] = v;
    const dist = join(runJs, '..', '..', 'dist');
    this.child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'standby-node.ts'), dist, config, chain], { cwd: root, env: { ...base, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
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

/** Calls a node's admin API at `adminUrl`; resolves to the JSON body, throws on a status >= 400. */
export async function adminCall<T>(adminUrl: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${adminUrl}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const json = (await res.json()) as T;
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

export type Accounts = { account: string; balance: string }[];

/** Every ledger account of the node at `adminUrl` (GET /admin/balances). */
export async function accounts(adminUrl: string): Promise<Accounts> {
  return (await adminCall<{ accounts: Accounts }>(adminUrl, 'GET', '/admin/balances')).accounts;
}

/** A channel as GET /admin/channels/:id shows it (the fields the harnesses compare). */
export interface ChannelFigures {
  latestClaim: string;
  acknowledged: string;
  claimedOnchain: string;
  deposit: string;
  status: string;
}

/**
 * Pays `destination` `amount` from `payer` one packet after another until stopped; a packet that
 * fails (a node on the way is down) is skipped after a short pause.
 */
export function traffic(payer: ConnectorNode, destination: string, amount: bigint): { fulfilled(): number; stop(): Promise<void> } {
  let on = true;
  let fulfilled = 0;
  const loop = (async () => {
    while (on) {
      const data = Buffer.from(`crash ${Math.random()}`);
      const r = await payer
        .sendPacket({ destination, amount, executionCondition: computeConditionFromData(data).condition, expiresAt: new Date(Date.now() + 4000), data })
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
}

/** The two ends of a channel: the payer's and the payee's admin URLs and what each calls the other. */
export interface Ends {
  payer: { admin: string; peer: string };
  payee: { admin: string; peer: string };
}

/** Settles up: the payer claims all it owes (POST settle), then the payee redeems all it holds. */
export async function settleUp(label: string, ends: Ends): Promise<void> {
  const settle = (end: { admin: string; peer: string }) => adminCall<{ ok: boolean }>(end.admin, 'POST', `/admin/settlement/settle/${end.peer}`).then((r) => r.ok, () => false);
  await waitFor(() => settle(ends.payer), 60_000, `${label}: the payer claims all it owes`);
  await waitFor(() => settle(ends.payee), 60_000, `${label}: the payee redeems all it holds`);
}

/**
 * Waits until both views of `channelId` show the payer's latest claim acknowledged and redeemed at
 * what the chain paid out (`paidOnChain`, read again each time), and returns that payout.
 */
export async function waitViewsAtPayout(label: string, ends: Ends, channelId: string, paidOnChain: () => Promise<bigint>): Promise<bigint> {
  let paid = 0n;
  let last = '';
  try {
    await waitFor(
      async () => {
        const [a, b] = [await adminCall<ChannelFigures>(ends.payer.admin, 'GET', `/admin/channels/${channelId}`), await adminCall<ChannelFigures>(ends.payee.admin, 'GET', `/admin/channels/${channelId}`)];
        paid = await paidOnChain();
        last = `chain paid ${paid}; payer latestClaim ${a.latestClaim} acknowledged ${a.acknowledged} claimedOnchain ${a.claimedOnchain}; payee latestClaim ${b.latestClaim} acknowledged ${b.acknowledged} claimedOnchain ${b.claimedOnchain}`;
        return [a.latestClaim, a.acknowledged, b.latestClaim, b.acknowledged, a.claimedOnchain, b.claimedOnchain].every((x) => x === paid.toString());
      },
      60_000,
      `${label}: the payer's latest claim acknowledged by both, redeemed, both views at the chain's payout`,
    );
  } catch (e) {
    // say what was seen last, so a failing round is readable from the log alone
    throw new Error(`${(e as Error).message}; last seen: ${last}`, { cause: e });
  }
  return paid;
}

/** The node's ledger sums to zero and its own verify (GET /admin/ledger/verify) is ok. */
export async function expectLedgerSound(label: string, adminUrl: string, list?: Accounts): Promise<void> {
  expect(sumBalances(list ?? (await accounts(adminUrl))), `${label}: sums to zero`).toBe(0n);
  expect((await adminCall<{ ok: boolean }>(adminUrl, 'GET', '/admin/ledger/verify')).ok, `${label}: ledger verify`).toBe(true);
}

/**
 * After settling up with the chain having paid `paid` in all: no claim booked twice or lost (the
 * payee's channelIn + onchain and the payer's −(channelOut + onchain) each equal it), every redemption
 * booked once (the payee's onchain is the payout, the payer's its negative), both ledgers sound.
 */
export async function expectBooksAtPayout(label: string, ends: Ends, paid: bigint): Promise<void> {
  await waitFor(async () => balanceOf(await accounts(ends.payer.admin), 'onchain') === -paid, 30_000, `${label}: the payer booked the payout`);
  const [p, q] = [await accounts(ends.payer.admin), await accounts(ends.payee.admin)];
  expect(balanceOf(q, 'onchain'), `${label}: payee's onchain = the chain's payout`).toBe(paid);
  expect(balanceOf(q, `channelIn:${ends.payee.peer}`) + balanceOf(q, 'onchain'), `${label}: the payee booked each claim once`).toBe(paid);
  expect(-(balanceOf(p, `channelOut:${ends.payer.peer}`) + balanceOf(p, 'onchain')), `${label}: the payer booked each claim once`).toBe(paid);
  await expectLedgerSound(`${label}: payer`, ends.payer.admin, p);
  await expectLedgerSound(`${label}: payee`, ends.payee.admin, q);
}

/**
 * A data directory no node holds any more: `agent-runtime ledger verify --data-dir` (the CLI at
 * `runJs`) is ok and its settlement store holds no open `chain` transaction intent; `more` reads the
 * store further while it is open.
 */
export async function expectDataDirSound(runJs: string, dataDir: string, chain: ChainKind, more?: (store: SettlementStore) => Promise<void>): Promise<void> {
  const out = execFileSync(process.execPath, [runJs, 'ledger', 'verify', '--data-dir', dataDir, '--json'], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  expect((JSON.parse(out) as { ok: boolean }).ok, `${dataDir}: ledger verify --data-dir`).toBe(true);
  await expectNoOpenIntent(dataDir, chain, more);
}

/** The settlement store in `dataDir` (no node holds it) has no open `chain` intent; `more` reads it further. */
export async function expectNoOpenIntent(dataDir: string, chain: ChainKind, more?: (store: SettlementStore) => Promise<void>): Promise<void> {
  const store = await SettlementStore.open(dataDir);
  try {
    expect(await store.intents(chain), `${dataDir}: no open intent`).toEqual([]);
    await more?.(store);
  } finally {
    await store.close();
  }
}

export type Who = 'alice' | 'bob';

/** A node process and its admin URL. */
export interface Running {
  proc: StandbyNode;
  admin: string;
}

/**
 * Alice (payer, dialling bob and carol) and bob (payee) as real node processes, each with its next
 * process loaded while the current one runs; carol, in the test's process, pays g.bob through alice.
 */
export class CrashPair {
  private readonly next: Record<Who, StandbyNode>;
  readonly nodes = {} as Record<Who, Running>;

  private constructor(
    private readonly o: { runJs: string; configs: Record<Who, string>; env: Record<Who, Record<string, string>>; chain: ChainKind; carol: ConnectorNode; procs: StandbyNode[] },
  ) {
    this.next = { alice: this.standby('alice'), bob: this.standby('bob') };
  }

  /** Starts bob, then alice, and waits until carol → alice → bob are connected. `procs` collects every process for cleanup. */
  static async start(o: CrashPair['o']): Promise<CrashPair> {
    const pair = new CrashPair(o);
    pair.nodes.bob = await pair.startNode('bob');
    pair.nodes.alice = await pair.startNode('alice');
    await waitFor(() => pair.linked(), 60_000, 'carol → alice → bob connected');
    return pair;
  }

  /** carol sees alice connected and alice sees bob. */
  async linked(): Promise<boolean> {
    if (this.o.carol.listPeers()[0]?.connected !== true) return false;
    const list = await adminCall<{ peers: { id: string; connected: boolean }[] }>(this.nodes.alice.admin, 'GET', '/admin/peers').catch(() => ({ peers: [] }));
    return list.peers.find((p) => p.id === 'bob')?.connected === true;
  }

  /** The channel's two ends as they run now (admin URLs change with each restart). */
  ends(): Ends {
    return { payer: { admin: this.nodes.alice.admin, peer: 'bob' }, payee: { admin: this.nodes.bob.admin, peer: 'alice' } };
  }

  /** SIGKILLs `victims`; `whileDown` runs once they are dead; then each is started again on its data directory. */
  async crash(victims: readonly Who[], whileDown: () => Promise<void>): Promise<void> {
    await Promise.all(victims.map((v) => this.nodes[v].proc.kill()));
    await whileDown();
    await Promise.all(victims.map(async (v) => (this.nodes[v] = await this.startNode(v))));
  }

  /** Kills every process, running and standing by (the data directories are then free). */
  async killAll(): Promise<void> {
    await Promise.all([this.nodes.alice.proc, this.nodes.bob.proc, this.next.alice, this.next.bob].map((p) => p.kill()));
  }

  private standby(who: Who): StandbyNode {
    const proc = new StandbyNode(this.o.runJs, this.o.configs[who], this.o.env[who], this.o.chain);
    this.o.procs.push(proc);
    return proc;
  }

  private async startNode(who: Who): Promise<Running> {
    const proc = this.next[who];
    this.next[who] = this.standby(who);
    return { proc, admin: await proc.go() };
  }
}

/**
 * The rounds: carol pays g.bob 700 at a time through alice; at a seeded random moment (0-1.5 s into
 * the flowing traffic) alice, bob or both are SIGKILLed and started again; `check` then settles up and
 * asserts. Prints each round's choices and timings.
 */
export async function crashRounds(pair: CrashPair, carol: ConnectorNode, rounds: number, random: () => number, check: (label: string) => Promise<void>): Promise<void> {
  for (let round = 1; round <= rounds; round++) {
    const t = traffic(carol, 'g.bob', 700n);
    await waitFor(() => t.fulfilled() >= 2, 60_000, `round ${round}: traffic flowing`);
    const delay = Math.floor(random() * 1500);
    const pick = random();
    const victims: Who[] = pick < 0.4 ? ['alice'] : pick < 0.8 ? ['bob'] : ['alice', 'bob'];
    await new Promise((resolve) => setTimeout(resolve, delay));
    console.log(`round ${round}: kill -9 ${victims.join(' and ')} ${delay} ms into the traffic (${t.fulfilled()} packets so far)`);
    const t0 = Date.now();
    await pair.crash(victims, () => t.stop());
    const t1 = Date.now();
    await waitFor(() => pair.linked(), 60_000, `round ${round}: carol → alice → bob connected again`);
    const t2 = Date.now();
    await check(`round ${round} (${victims.join('+')}, ${delay} ms)`);
    console.log(`round ${round}: restart ${t1 - t0} ms, reconnect ${t2 - t1} ms, settle and check ${Date.now() - t2} ms`);
  }
}

/**
 * Writes alice's and bob's config files into `dir` (data in dir/alice, dir/bob; admin API on port 0):
 * alice dials bob (threshold 1000) and carol; bob delivers locally to `ports.handler` and redeems from
 * 1500 (when settling up, and every `redeemIntervalMs` when given). `section` is the chain's lines
 * under `settlement:` (e.g. `  evm:` and its keys); `addresses` each node's settlement address. Asset scale 6.
 */
export function writePairConfigs(o: {
  dir: string;
  ports: Record<Who | 'carol' | 'handler', number>;
  chain: ChainKind;
  section: string[];
  addresses: Record<Who, string>;
  assetCode?: string;
  redeemIntervalMs?: number;
}): Record<Who, string> {
  const common = (id: Who) => [
    `nodeId: ${id}`,
    `ilpAddress: g.${id}`,
    ...(o.assetCode === undefined ? [] : [`assetCode: ${o.assetCode}`]),
    'assetScale: 6',
    `dataDir: ${JSON.stringify(join(o.dir, id))}`,
    `btpServerPort: ${o.ports[id]}`,
    'healthCheckPort: 0',
    'adminApi:',
    '  enabled: true',
    '  port: 0',
  ];
  const alice = [
    ...common('alice'),
    'peers:',
    '  - id: bob',
    '    relation: peer',
    `    url: ws://127.0.0.1:${o.ports.bob}`,
    '    creditLimit: "0"',
    '    settleThreshold: "1000"',
    `    settlement: { chain: ${o.chain}, address: "${o.addresses.bob}" }`,
    '  - id: carol',
    '    relation: peer',
    `    url: ws://127.0.0.1:${o.ports.carol}`,
    '    creditLimit: "1000000000000"',
    'routes:',
    '  - { prefix: g.bob, nextHop: bob }',
    'settlement:',
    '  enabled: true',
    ...o.section,
  ];
  const bob = [
    ...common('bob'),
    'localDelivery:',
    '  enabled: true',
    `  handlerUrl: http://127.0.0.1:${o.ports.handler}`,
    'peers:',
    '  - id: alice',
    '    relation: peer',
    '    creditLimit: "1000000000000"',
    `    settlement: { chain: ${o.chain}, address: "${o.addresses.alice}" }`,
    'settlement:',
    '  enabled: true',
    `  redeem: { minAmount: "1500"${o.redeemIntervalMs === undefined ? '' : `, intervalMs: ${o.redeemIntervalMs}`} }`,
    ...o.section,
  ];
  const files = { alice: join(o.dir, 'alice.yaml'), bob: join(o.dir, 'bob.yaml') };
  writeFileSync(files.alice, [...alice, ''].join('\n'));
  writeFileSync(files.bob, [...bob, ''].join('\n'));
  return files;
}
