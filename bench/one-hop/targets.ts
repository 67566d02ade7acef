/**
 * The connectors under test, each started in its own process with its config in a temp folder:
 *
 *   agent-runtime  (a)  `node bin/run.js start --config bench.yaml` when dist/commands/start.js exists,
 *                  (a') else `node --import tsx bench/one-hop/agent-runtime-target.ts bench.yaml`
 *   ilp-connector  (b)  `node --import tsx bench/one-hop/ilp-connector-target.ts config.json`
 *   relay          (c)  `node --import tsx bench/one-hop/relay.ts <senderPort> <receiverPort>`
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, TSX_IMPORT, freePorts, spawnLogged, stopChild, tail, waitForPort, type Spawned } from './procs.js';
import type { BtpEndpoint } from './types.js';

export type TargetId = 'agent-runtime' | 'ilp-connector' | 'relay';

/** Every target, in the order the report lists them. */
export const TARGET_IDS: readonly TargetId[] = ['agent-runtime', 'ilp-connector', 'relay'];

/** Short letters of the issue: a, b, c. */
export const TARGET_LETTER: Record<TargetId, string> = { 'agent-runtime': 'a', 'ilp-connector': 'b', relay: 'c' };

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
  stop(): Promise<void>;
}

export interface StartOptions {
  /** A fresh folder for this run's config, data and logs. */
  dir: string;
  /** Extra node flags for the target process (e.g. --cpu-prof). */
  nodeArgs?: readonly string[];
  /** ms to wait for the target to listen. */
  startTimeoutMs?: number;
}

/** Credit limit of both peers: far above anything a run books. */
const CREDIT_LIMIT = '1000000000000000000';

/** True when `bin/run.js start` can run (the oclif command is built). */
export function shippedStartAvailable(): boolean {
  return existsSync(join(ROOT, 'dist', 'commands', 'start.js'));
}

/** The agent-runtime config: shipped defaults except ports, data folder and the two child peers. */
export function agentRuntimeYaml(p: { btpPort: number; healthPort: number; adminPort: number; dataDir: string }): string {
  return [
    'nodeId: bench',
    'ilpAddress: g.bench',
    `dataDir: ${JSON.stringify(p.dataDir)}`,
    `btpServerPort: ${p.btpPort}`,
    `healthCheckPort: ${p.healthPort}`,
    'adminApi:',
    '  enabled: true',
    `  port: ${p.adminPort}`,
    'metrics:',
    '  enabled: true',
    '# auth tokens come from BTP_PEER_SENDER_SECRET and BTP_PEER_RECEIVER_SECRET',
    'peers:',
    '  - id: sender',
    '    relation: child',
    `    creditLimit: "${CREDIT_LIMIT}"`,
    '  - id: receiver',
    '    relation: child',
    `    creditLimit: "${CREDIT_LIMIT}"`,
    '',
  ].join('\n');
}

function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  // Nothing verbose: the targets log at their shipped defaults.
  delete env.DEBUG;
  delete env.NODE_OPTIONS;
  delete env.BENCH_LOADGEN_CONFIG;
  for (const k of Object.keys(env)) if (k.startsWith('AGENT_RUNTIME_')) delete env[k];
  return env;
}

async function ready(proc: Spawned, ports: number[], timeoutMs: number, what: string): Promise<void> {
  try {
    for (const p of ports) await waitForPort(p, timeoutMs, proc.exited);
  } catch (err) {
    await stopChild(proc, 1000);
    throw new Error(`${what} did not start: ${err instanceof Error ? err.message : String(err)}\n--- ${proc.logFile}\n${tail(proc.logFile)}`);
  }
}

async function startAgentRuntime(o: StartOptions): Promise<RunningTarget> {
  const [btpPort, healthPort, adminPort] = await freePorts(3);
  const dataDir = join(o.dir, 'data');
  mkdirSync(dataDir, { recursive: true });
  const config = join(o.dir, 'bench.yaml');
  writeFileSync(config, agentRuntimeYaml({ btpPort, healthPort, adminPort, dataDir }));
  const shipped = shippedStartAvailable();
  const args = shipped
    ? [...(o.nodeArgs ?? []), join(ROOT, 'bin', 'run.js'), 'start', '--config', config]
    : [...(o.nodeArgs ?? []), '--import', TSX_IMPORT, join(ROOT, 'bench', 'one-hop', 'agent-runtime-target.ts'), config];
  const proc = spawnLogged(process.execPath, args, join(o.dir, 'target.log'), {
    cwd: o.dir,
    env: childEnv({ BTP_PEER_SENDER_SECRET: SENDER_TOKEN, BTP_PEER_RECEIVER_SECRET: RECEIVER_TOKEN }),
  });
  await ready(proc, [btpPort], o.startTimeoutMs ?? 30_000, 'agent-runtime');
  const url = `ws://127.0.0.1:${btpPort}`;
  return {
    id: 'agent-runtime',
    command: shipped ? 'node bin/run.js start --config bench.yaml' : "node --import tsx bench/one-hop/agent-runtime-target.ts bench.yaml (a': bin/run.js start not built)",
    proc,
    sender: { url, username: 'sender', token: SENDER_TOKEN },
    receiver: { url, username: 'receiver', token: RECEIVER_TOKEN },
    stop: () => stopChild(proc, 15_000),
  };
}

async function startIlpConnector(o: StartOptions): Promise<RunningTarget> {
  const [senderPort, receiverPort] = await freePorts(2);
  const config = join(o.dir, 'ilp-connector.json');
  writeFileSync(config, JSON.stringify({ senderPort, receiverPort, senderToken: SENDER_TOKEN, receiverToken: RECEIVER_TOKEN }, null, 2));
  const proc = spawnLogged(
    process.execPath,
    [...(o.nodeArgs ?? []), '--import', TSX_IMPORT, join(ROOT, 'bench', 'one-hop', 'ilp-connector-target.ts'), config],
    join(o.dir, 'target.log'),
    { cwd: ROOT, env: childEnv() },
  );
  await ready(proc, [senderPort, receiverPort], o.startTimeoutMs ?? 30_000, 'ilp-connector');
  return {
    id: 'ilp-connector',
    command: 'node --import tsx bench/one-hop/ilp-connector-target.ts config.json',
    proc,
    sender: { url: `ws://127.0.0.1:${senderPort}`, username: 'sender', token: SENDER_TOKEN },
    receiver: { url: `ws://127.0.0.1:${receiverPort}`, username: 'receiver', token: RECEIVER_TOKEN },
    stop: () => stopChild(proc, 5000),
  };
}

async function startRelay(o: StartOptions): Promise<RunningTarget> {
  const [senderPort, receiverPort] = await freePorts(2);
  const proc = spawnLogged(
    process.execPath,
    [...(o.nodeArgs ?? []), '--import', TSX_IMPORT, join(ROOT, 'bench', 'one-hop', 'relay.ts'), String(senderPort), String(receiverPort)],
    join(o.dir, 'target.log'),
    { cwd: ROOT, env: childEnv() },
  );
  await ready(proc, [senderPort, receiverPort], o.startTimeoutMs ?? 30_000, 'relay');
  return {
    id: 'relay',
    command: 'node --import tsx bench/one-hop/relay.ts <senderPort> <receiverPort>',
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
  }
}
