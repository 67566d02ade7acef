/**
 * The connectors under test, each started in its own process with its config in a temp folder:
 *
 *   agent-runtime  (a)  `node bin/run.js start --config bench.yaml` when dist/commands/start.js exists,
 *                  (a') else `node bench/one-hop/agent-runtime-target.ts bench.yaml`
 *   agent-runtime-http (h)  the same node with both peers over ILP-over-HTTP instead of BTP (http-target.ts)
 *   agent-runtime-postgres (p)  (a) with `ledger.backend: postgres` on a private PostgreSQL the bench
 *                  starts (test/helpers/postgres.ts: fsync on, synchronous_commit on) and stops
 *   agent-runtime-cluster (x)  two instances of (p) as one cluster on that PostgreSQL: the sender logs in
 *                  at instance i1, the receiver at i2, so every packet crosses from i1 to i2 (in-cluster forwarding)
 *   ilp-connector  (b)  `node bench/one-hop/ilp-connector-target.ts config.json`
 *   relay          (c)  `node bench/one-hop/relay.ts <senderPort> <receiverPort>`
 *
 * The TypeScript wrappers are compiled once per invocation with esbuild (tsx's own compiler) into
 * tmp/bench-build/ and run by plain `node`, like the shipped, compiled agent-runtime: the tsx loader
 * would add a hooks thread (~28 MB RSS) to every target. Without esbuild they run under tsx.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, TSX_IMPORT, freePorts, spawnLogged, stopChild, tail, waitForPort, type Spawned } from './procs.js';
import type { BtpEndpoint, LoadgenConfig } from './types.js';
import { startAgentRuntimeHttp } from './http-target.js';
import { CREDIT_LIMIT, benchNodeYaml } from './node-yaml.js';
import type { build as EsbuildBuild } from 'esbuild';
import { TestPostgres } from '../../test/helpers/postgres.js';

export type TargetId = 'agent-runtime' | 'ilp-connector' | 'relay' | 'agent-runtime-http' | 'agent-runtime-rates' | 'agent-runtime-postgres' | 'agent-runtime-policy' | 'agent-runtime-cluster';

/** Every target, in the order the report lists them. */
export const TARGET_IDS: readonly TargetId[] = ['agent-runtime', 'ilp-connector', 'relay', 'agent-runtime-http', 'agent-runtime-rates', 'agent-runtime-postgres', 'agent-runtime-policy', 'agent-runtime-cluster'];

/** What `npm run bench` runs without --targets (r is `npm run bench:rates`, p `npm run bench:postgres`, s `npm run bench:policy`). */
export const DEFAULT_TARGETS: readonly TargetId[] = ['agent-runtime', 'ilp-connector', 'relay', 'agent-runtime-http'];

/** Short letters of the issue: a, b, c; h for agent-runtime peered over HTTP; r for (a) converting USD@9 to XRP@6; p for (a) on PostgreSQL; x for two cluster instances with traffic crossing. */
export const TARGET_LETTER: Record<TargetId, string> = { 'agent-runtime': 'a', 'ilp-connector': 'b', relay: 'c', 'agent-runtime-http': 'h', 'agent-runtime-rates': 'r', 'agent-runtime-postgres': 'p', 'agent-runtime-policy': 's', 'agent-runtime-cluster': 'x' };

/** (x): the cluster secret both instances get from AGENT_RUNTIME_CLUSTER_SECRET (in-cluster forwarding). */
export const CLUSTER_SECRET = 'bench-cluster-secret-0123456789';

/** (s): the operator's admin key (a node with policies needs keys) and the sender's spend policy. */
export const POLICY_ADMIN_KEY = 'bench-operator-key-0123456789';
export const POLICY_MAX_PER_PAYMENT = '1000000';
/** far above anything a run books: the budget is counted on every packet and never refuses one */
export const POLICY_BUDGET = '1000000000000000000';

/** Destination of every Prepare: the receiver, a child of the node g.bench. */
export const DESTINATION = 'g.bench.receiver';

/** BTP credentials the load generator's two clients use. */
export const SENDER_TOKEN = 'bench-sender-secret';
export const RECEIVER_TOKEN = 'bench-receiver-secret';

/** A started target. */
export interface RunningTarget {
  id: TargetId;
  /** How it was started (for the report). */
  command: string;
  proc: Spawned;
  sender: BtpEndpoint;
  receiver: BtpEndpoint;
  /** set for a target peered over ILP-over-HTTP: the load generator speaks HTTP (sender and receiver unused) */
  http?: LoadgenConfig['http'];
  /** (x): the other processes of the target (CPU and peak RSS are summed over proc and these) */
  extraPids?: number[];
  /** (x): each instance's admin API port, i1 first */
  adminPorts?: number[];
  stop(): Promise<void>;
}

export interface StartOptions {
  /** A fresh folder for this run's config, data and logs. */
  dir: string;
  /** Extra node flags for the target process (e.g. --cpu-prof). */
  nodeArgs?: readonly string[];
  /** Extra environment of the target process (experiments: e.g. AGENT_RUNTIME_METRICS_ENABLED=false). */
  env?: Record<string, string>;
  /** ms to wait for the target to listen. */
  startTimeoutMs?: number;
  /** false: agent-runtime (a, r) runs with `ledger.sync: false` (bench --no-sync); default the shipped true */
  ledgerSync?: boolean;
  /** target p: `ledger.postgres.maxBatchesInFlight` (bench --pg-in-flight); default the shipped one */
  pgInFlight?: number;
}


/** True when `bin/run.js start` can run (the oclif command is built). */
export function shippedStartAvailable(): boolean {
  return existsSync(join(ROOT, 'dist', 'commands', 'start.js'));
}

/** The agent-runtime config: shipped defaults except ports, data folder and the two child peers. */
export function agentRuntimeYaml(p: { btpPort: number; healthPort: number; adminPort: number; dataDir: string; rates?: boolean; sync?: boolean; postgresUrl?: string; pgInFlight?: number; policy?: boolean; instanceId?: string }): string {
  // (r): the receiver's asset is XRP at scale 6, so every packet goes through the exact converter
  const receiverAsset = p.rates ? ['    assetCode: XRP', '    assetScale: 6'] : [];
  const rates = p.rates ? ['rates:', '  base: USD', '  static:', '    XRP: "1.923077"'] : [];
  // (p): the books in PostgreSQL (durability is the server's: synchronous_commit on, ledger.sync does not apply)
  const pgInFlight = p.pgInFlight !== undefined ? [`    maxBatchesInFlight: ${p.pgInFlight}`] : [];
  const ledger = p.postgresUrl !== undefined ? ['ledger:', '  backend: postgres', '  postgres:', `    url: ${JSON.stringify(p.postgresUrl)}`, ...pgInFlight] : p.sync === false ? ['ledger:', '  sync: false'] : [];
  // (s): each Prepare from the sender pays the policy's reserve and commit and the two spend memo legs
  const policy = p.policy
    ? ['policies:', '  peers:', '    sender:', `      maxPerPayment: "${POLICY_MAX_PER_PAYMENT}"`, `      budgets: [{ amount: "${POLICY_BUDGET}", per: day }]`]
    : [];
  return [
    ...benchNodeYaml(p, p.policy ? [`  apiKey: ${POLICY_ADMIN_KEY}`] : []),
    ...rates,
    ...ledger,
    // (x): one instance of a cluster; the secret comes from AGENT_RUNTIME_CLUSTER_SECRET
    ...(p.instanceId !== undefined ? ['cluster:', '  enabled: true', `  instanceId: ${p.instanceId}`] : []),
    ...policy,
    '# auth tokens come from BTP_PEER_SENDER_SECRET and BTP_PEER_RECEIVER_SECRET',
    'peers:',
    '  - id: sender',
    '    relation: child',
    `    creditLimit: "${CREDIT_LIMIT}"`,
    '  - id: receiver',
    '    relation: child',
    ...receiverAsset,
    `    creditLimit: "${CREDIT_LIMIT}"`,
    '',
  ].join('\n');
}

function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // Nothing verbose, no overrides from the caller's shell: the targets run with their shipped defaults.
  delete env.DEBUG;
  delete env.NODE_OPTIONS;
  delete env.BENCH_LOADGEN_CONFIG;
  for (const k of Object.keys(env)) if (k.startsWith('AGENT_RUNTIME_') || k.startsWith('BTP_PEER_')) delete env[k];
  return { ...env, ...extra };
}

async function ready(proc: Spawned, ports: number[], timeoutMs: number, what: string): Promise<void> {
  try {
    for (const p of ports) await waitForPort(p, timeoutMs, proc.exited);
  } catch (err) {
    await stopChild(proc, 1000);
    throw new Error(`${what} did not start: ${err instanceof Error ? err.message : String(err)}\n--- ${proc.logFile}\n${tail(proc.logFile)}`);
  }
}

/** Where the compiled wrappers go: two levels below the root, like src/node/, so `../../package.json` resolves. */
export const BUILD_DIR = join(ROOT, 'tmp', 'bench-build');

const ENTRY: Record<TargetId, string> = {
  'agent-runtime': 'agent-runtime-target',
  'agent-runtime-http': 'agent-runtime-target',
  'agent-runtime-rates': 'agent-runtime-target',
  'agent-runtime-postgres': 'agent-runtime-target',
  'agent-runtime-policy': 'agent-runtime-target',
  'agent-runtime-cluster': 'agent-runtime-target',
  'ilp-connector': 'ilp-connector-target',
  relay: 'relay',
};

/** How a wrapper is run: a compiled file, or its source under tsx. */
interface Launch {
  args: string[];
  /** `compiled` or `tsx` (for the report). */
  mode: 'compiled' | 'tsx';
}

const launches = new Map<TargetId, Launch>();

/**
 * Compiles the target wrappers (bundling our own sources, packages left external) into BUILD_DIR.
 * @returns per target, an error message when it could not be compiled (it then runs under tsx)
 */
export async function buildTargets(ids: readonly TargetId[]): Promise<Map<TargetId, string>> {
  const errors = new Map<TargetId, string>();
  let build: typeof EsbuildBuild | undefined;
  try {
    // esbuild comes with tsx; it is not a dependency of its own.
    build = (await import('esbuild')).build;
  } catch {
    build = undefined;
  }
  mkdirSync(BUILD_DIR, { recursive: true });
  for (const id of ids) {
    const src = join(ROOT, 'bench', 'one-hop', `${ENTRY[id]}.ts`);
    const tsx: Launch = { args: ['--import', TSX_IMPORT, src], mode: 'tsx' };
    if (!build) {
      launches.set(id, tsx);
      errors.set(id, 'esbuild not found');
      continue;
    }
    const out = join(BUILD_DIR, `${ENTRY[id]}.mjs`);
    try {
      await build({ entryPoints: [src], outfile: out, bundle: true, packages: 'external', platform: 'node', format: 'esm', target: 'node20', sourcemap: true, logLevel: 'silent' });
      launches.set(id, { args: [out], mode: 'compiled' });
    } catch (err) {
      launches.set(id, tsx);
      errors.set(id, err instanceof Error ? err.message : String(err));
    }
  }
  return errors;
}

function launch(id: TargetId): Launch {
  return launches.get(id) ?? { args: ['--import', TSX_IMPORT, join(ROOT, 'bench', 'one-hop', `${ENTRY[id]}.ts`)], mode: 'tsx' };
}

type NodeTarget = 'agent-runtime' | 'agent-runtime-rates' | 'agent-runtime-postgres' | 'agent-runtime-policy' | 'agent-runtime-cluster';

async function startAgentRuntime(o: StartOptions, id: NodeTarget = 'agent-runtime', postgresUrl?: string, instanceId?: string): Promise<RunningTarget> {
  const [btpPort, healthPort, adminPort] = await freePorts(3);
  const dataDir = join(o.dir, 'data');
  mkdirSync(dataDir, { recursive: true });
  const config = join(o.dir, 'bench.yaml');
  writeFileSync(config, agentRuntimeYaml({ btpPort, healthPort, adminPort, dataDir, rates: id === 'agent-runtime-rates', policy: id === 'agent-runtime-policy', sync: o.ledgerSync, postgresUrl, pgInFlight: o.pgInFlight, instanceId }));
  const shipped = shippedStartAvailable();
  const l = launch(id);
  const args = shipped ? [...(o.nodeArgs ?? []), join(ROOT, 'bin', 'run.js'), 'start', '--config', config] : [...(o.nodeArgs ?? []), ...l.args, config];
  const proc = spawnLogged(process.execPath, args, join(o.dir, 'target.log'), {
    cwd: o.dir,
    env: childEnv({ ...o.env, BTP_PEER_SENDER_SECRET: SENDER_TOKEN, BTP_PEER_RECEIVER_SECRET: RECEIVER_TOKEN }),
  });
  await ready(proc, [btpPort], o.startTimeoutMs ?? 30_000, id);
  const url = `ws://127.0.0.1:${btpPort}`;
  return {
    id,
    command: shipped
      ? 'node bin/run.js start --config bench.yaml'
      : `node ${l.mode === 'tsx' ? '--import tsx ' : ''}bench/one-hop/agent-runtime-target.ts bench.yaml (a': bin/run.js start not built${l.mode === 'compiled' ? '; compiled with esbuild' : ''})`,
    proc,
    sender: { url, username: 'sender', token: SENDER_TOKEN },
    receiver: { url, username: 'receiver', token: RECEIVER_TOKEN },
    adminPorts: [adminPort],
    stop: () => stopChild(proc, 15_000),
  };
}

async function startIlpConnector(o: StartOptions): Promise<RunningTarget> {
  const [senderPort, receiverPort] = await freePorts(2);
  const config = join(o.dir, 'ilp-connector.json');
  writeFileSync(config, JSON.stringify({ senderPort, receiverPort, senderToken: SENDER_TOKEN, receiverToken: RECEIVER_TOKEN }, null, 2));
  const l = launch('ilp-connector');
  const proc = spawnLogged(
    process.execPath,
    [...(o.nodeArgs ?? []), ...l.args, config],
    join(o.dir, 'target.log'),
    { cwd: ROOT, env: childEnv(o.env) },
  );
  await ready(proc, [senderPort, receiverPort], o.startTimeoutMs ?? 30_000, 'ilp-connector');
  return {
    id: 'ilp-connector',
    command: `node ${l.mode === 'tsx' ? '--import tsx ' : ''}bench/one-hop/ilp-connector-target.ts config.json${l.mode === 'compiled' ? ' (compiled with esbuild)' : ''}`,
    proc,
    sender: { url: `ws://127.0.0.1:${senderPort}`, username: 'sender', token: SENDER_TOKEN },
    receiver: { url: `ws://127.0.0.1:${receiverPort}`, username: 'receiver', token: RECEIVER_TOKEN },
    stop: () => stopChild(proc, 5000),
  };
}

async function startRelay(o: StartOptions): Promise<RunningTarget> {
  const [senderPort, receiverPort] = await freePorts(2);
  const l = launch('relay');
  const proc = spawnLogged(
    process.execPath,
    [...(o.nodeArgs ?? []), ...l.args, String(senderPort), String(receiverPort)],
    join(o.dir, 'target.log'),
    { cwd: ROOT, env: childEnv(o.env) },
  );
  await ready(proc, [senderPort, receiverPort], o.startTimeoutMs ?? 30_000, 'relay');
  return {
    id: 'relay',
    command: `node ${l.mode === 'tsx' ? '--import tsx ' : ''}bench/one-hop/relay.ts <senderPort> <receiverPort>${l.mode === 'compiled' ? ' (compiled with esbuild)' : ''}`,
    proc,
    sender: { url: `ws://127.0.0.1:${senderPort}`, username: 'sender', token: SENDER_TOKEN },
    receiver: { url: `ws://127.0.0.1:${receiverPort}`, username: 'receiver', token: RECEIVER_TOKEN },
    stop: () => stopChild(proc, 3000),
  };
}

/** Starts target `id` with its config and logs in `o.dir`. */
export function startTarget(id: TargetId, o: StartOptions): Promise<RunningTarget> {
  mkdirSync(o.dir, { recursive: true });
  switch (id) {
    case 'agent-runtime':
      return startAgentRuntime(o);
    case 'ilp-connector':
      return startIlpConnector(o);
    case 'relay':
      return startRelay(o);
    case 'agent-runtime-http':
      return startHttp(o);
    case 'agent-runtime-rates':
      return startAgentRuntime(o, 'agent-runtime-rates');
    case 'agent-runtime-postgres':
      return startPostgres(o);
    case 'agent-runtime-policy':
      return startAgentRuntime(o, 'agent-runtime-policy');
    case 'agent-runtime-cluster':
      return startCluster(o);
  }
}

/**
 * (x): a private PostgreSQL and two instances of (p) as one cluster on it (subfolders i1 and i2, each
 * with its own bench.yaml and target.log). The sender dials i1 and the receiver i2: every packet
 * enters at i1, which books it and forwards it to i2 over the internal link, i2 puts it on the
 * receiver's link unchanged. stop() stops both instances, then the server.
 */
async function startCluster(o: StartOptions): Promise<RunningTarget> {
  const db = await TestPostgres.start('agent_runtime_bench');
  const started: RunningTarget[] = [];
  const stopAll = async () => {
    try {
      await Promise.all(started.map((t) => t.stop()));
    } finally {
      await db.stop();
    }
  };
  try {
    const env = { ...o.env, AGENT_RUNTIME_CLUSTER_SECRET: CLUSTER_SECRET };
    // one after the other: the first migrates the schema, the second finds it
    for (const instanceId of ['i1', 'i2']) started.push(await startAgentRuntime({ ...o, dir: join(o.dir, instanceId), env }, 'agent-runtime-cluster', db.url, instanceId));
    const [i1, i2] = started;
    return {
      ...i1,
      id: 'agent-runtime-cluster',
      command: `${i1.command} twice (instances i1 and i2 of one cluster, ledger.backend postgres on a private PostgreSQL, fsync on, synchronous_commit on; sender at i1, receiver at i2: every packet is forwarded i1 -> i2; CPU and RSS are the two instances' sum, the database's CPU is not counted)`,
      receiver: i2.receiver,
      extraPids: [i2.proc.pid],
      adminPorts: [...(i1.adminPorts ?? []), ...(i2.adminPorts ?? [])],
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** (p): a private PostgreSQL (durable settings), then (a) with its books there; stop() stops both. */
async function startPostgres(o: StartOptions): Promise<RunningTarget> {
  const db = await TestPostgres.start('agent_runtime_bench');
  try {
    const t = await startAgentRuntime(o, 'agent-runtime-postgres', db.url);
    return {
      ...t,
      command: `${t.command} with ledger.backend postgres (a private PostgreSQL on 127.0.0.1, fsync on, synchronous_commit on; its CPU is not in the target's figure)`,
      stop: async () => {
        try {
          await t.stop();
        } finally {
          await db.stop();
        }
      },
    };
  } catch (err) {
    await db.stop();
    throw err;
  }
}

async function startHttp(o: StartOptions): Promise<RunningTarget> {
  const l = launch('agent-runtime-http');
  const t = await startAgentRuntimeHttp({ dir: o.dir, nodeArgs: o.nodeArgs, env: childEnv(o.env), startTimeoutMs: o.startTimeoutMs, shipped: shippedStartAvailable(), wrapperArgs: l.args });
  const unused: BtpEndpoint = { url: '', username: '', token: '' };
  return { id: 'agent-runtime-http', command: t.command, proc: t.proc, sender: unused, receiver: unused, http: t.http, stop: () => stopChild(t.proc, 15_000) };
}
