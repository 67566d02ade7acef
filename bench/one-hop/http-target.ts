/**
 * Target (h): agent-runtime peered over ILP-over-HTTP (RFC 0035) instead of BTP, the same one hop as
 * (a) beside it: the load generator's sender POSTs each Prepare to the node's `/ilp/sender`, and the
 * node POSTs it on to the load generator's receiver (an HTTP server on a port chosen here, before the
 * node starts, since it is in the node's config). Started as (a) is: `node bin/run.js start` when
 * built, else the agent-runtime-target wrapper (h').
 *
 * The config keeps every shipped default, as (a)'s does, and sets ports, the data folder, `nodeId:
 * bench`, `ilpAddress: g.bench` and the two child peers with `transport: http`; their tokens come from
 * the environment (`${BENCH_HTTP_*}` references).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CREDIT_LIMIT, benchNodeYaml } from './node-yaml.js';
import { ROOT, freePorts, spawnLogged, stopChild, waitForPort, tail, type Spawned } from './procs.js';

export const HTTP_SENDER_TOKEN = 'bench-http-sender-token';
export const HTTP_RECEIVER_TOKEN = 'bench-http-receiver-token';

/** The agent-runtime config of the HTTP target. */
export function agentRuntimeHttpYaml(p: { btpPort: number; healthPort: number; adminPort: number; httpPort: number; receiverPort: number; dataDir: string }): string {
  return [
    ...benchNodeYaml(p),
    'http:',
    '  enabled: true',
    `  port: ${p.httpPort}`,
    'peers:',
    '  - id: sender',
    '    relation: child',
    '    transport: http',
    '    http:',
    '      incomingToken: ${BENCH_HTTP_SENDER_TOKEN}',
    `    creditLimit: "${CREDIT_LIMIT}"`,
    '  - id: receiver',
    '    relation: child',
    '    transport: http',
    '    http:',
    `      url: http://127.0.0.1:${p.receiverPort}/ilp`,
    '      incomingToken: ${BENCH_HTTP_RECEIVER_TOKEN}',
    '      outgoingToken: ${BENCH_HTTP_RECEIVER_TOKEN}',
    `    creditLimit: "${CREDIT_LIMIT}"`,
    '',
  ].join('\n');
}

export interface HttpTargetStart {
  dir: string;
  nodeArgs?: readonly string[];
  env: NodeJS.ProcessEnv;
  startTimeoutMs?: number;
  /** how (a) is launched: bin/run.js start, or the wrapper's arguments (see targets.ts) */
  shipped: boolean;
  wrapperArgs: readonly string[];
}

export interface StartedHttpTarget {
  proc: Spawned;
  command: string;
  http: { senderUrl: string; senderToken: string; receiverPort: number; receiverToken: string };
}

/** Starts the node; resolves once its ILP-over-HTTP listener accepts connections. */
export async function startAgentRuntimeHttp(o: HttpTargetStart): Promise<StartedHttpTarget> {
  const [btpPort, healthPort, adminPort, httpPort, receiverPort] = await freePorts(5);
  const dataDir = join(o.dir, 'data');
  mkdirSync(dataDir, { recursive: true });
  const config = join(o.dir, 'bench-http.yaml');
  writeFileSync(config, agentRuntimeHttpYaml({ btpPort, healthPort, adminPort, httpPort, receiverPort, dataDir }));
  const args = o.shipped ? [...(o.nodeArgs ?? []), join(ROOT, 'bin', 'run.js'), 'start', '--config', config] : [...(o.nodeArgs ?? []), ...o.wrapperArgs, config];
  const proc = spawnLogged(process.execPath, args, join(o.dir, 'target.log'), {
    cwd: o.dir,
    env: { ...o.env, BENCH_HTTP_SENDER_TOKEN: HTTP_SENDER_TOKEN, BENCH_HTTP_RECEIVER_TOKEN: HTTP_RECEIVER_TOKEN },
  });
  try {
    await waitForPort(httpPort, o.startTimeoutMs ?? 30_000, proc.exited);
  } catch (err) {
    await stopChild(proc, 1000);
    throw new Error(`agent-runtime-http did not start: ${err instanceof Error ? err.message : String(err)}\n--- ${proc.logFile}\n${tail(proc.logFile)}`);
  }
  return {
    proc,
    command: o.shipped ? 'node bin/run.js start --config bench-http.yaml' : `node bench/one-hop/agent-runtime-target.ts bench-http.yaml (h': bin/run.js start not built)`,
    http: { senderUrl: `http://127.0.0.1:${httpPort}/ilp/sender`, senderToken: HTTP_SENDER_TOKEN, receiverPort, receiverToken: HTTP_RECEIVER_TOKEN },
  };
}
