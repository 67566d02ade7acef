/**
 * Cluster instances as real processes (instance-process.ts under tsx) on one private PostgreSQL, and
 * the reads the cluster tests make of them (health, balances, verify through the admin API).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { root } from '../e2e/process.js';

export interface Ready {
  pid: number;
  btpPort: number;
  admin: string;
  health: string;
}

/** One instance process. */
export class InstanceProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  stderr = '';
  readonly ready: Promise<Ready>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(config: Record<string, unknown>) {
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AGENT_RUNTIME_') && !k.startsWith('BTP_PEER_') && k !== 'NODE_OPTIONS') env[k] = v;
    env.CLUSTER_TEST_CONFIG = JSON.stringify(config);
    this.child = spawn(process.execPath, ['--import', 'tsx', join(root, 'test', 'cluster', 'instance-process.ts')], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    if (this.child.pid === undefined) throw new Error('could not spawn the instance process');
    this.pid = this.child.pid;
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
    this.child.stderr!.setEncoding('utf8').on('data', (d: string) => (this.stderr = (this.stderr + d).slice(-20_000)));
    let out = '';
    this.ready = new Promise((resolve, reject) => {
      this.child.stdout!.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        for (const line of out.split('\n')) if (line.startsWith('{"type":"ready"')) resolve(JSON.parse(line) as Ready);
      });
      void this.exited.then(({ code, signal }) => reject(new Error(`instance exited (${code ?? signal}) before it was ready\n${this.stderr}`)));
    });
    this.ready.catch(() => undefined);
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Signals by pid (SIGKILL by default) and waits for the exit; SIGTERM falls back to SIGKILL after 15 s. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (!this.alive) return;
    try {
      process.kill(this.pid, signal);
    } catch {
      return;
    }
    if (signal === 'SIGKILL') {
      await this.exited;
      return;
    }
    const t = setTimeout(() => this.alive && process.kill(this.pid, 'SIGKILL'), 15_000);
    await this.exited;
    clearTimeout(t);
  }
}

/** GET a JSON body (any status). */
export async function getJson<T = Record<string, unknown>>(url: string): Promise<{ status: number; body: T }> {
  const r = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  return { status: r.status, body: (await r.json()) as T };
}

/** POST a JSON body, answer the JSON reply (any status). */
export async function postJson<T = Record<string, unknown>>(url: string, body: unknown): Promise<{ status: number; body: T }> {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
  return { status: r.status, body: (await r.json()) as T };
}

export interface ClusterHealthBody {
  status: string;
  checks: { peers: { id: string; connected: boolean; instance?: string }[] };
  cluster?: { instanceId: string; session: boolean; members: string[]; dead: string[]; leases: string[]; forwarded?: { sent: number; relayed: number } };
}

/** An instance's /health body. */
export async function health(r: Ready): Promise<ClusterHealthBody> {
  return (await getJson<ClusterHealthBody>(`${r.health}/health`)).body;
}

/** An instance's view of one account's balance. */
export async function balanceAt(r: Ready, account: string): Promise<bigint> {
  const { body } = await getJson<{ accounts: { account: string; balance: string }[] }>(`${r.admin}/admin/balances`);
  return BigInt(body.accounts.find((a) => a.account === account)?.balance ?? '0');
}

const CHILDREN = ['alice', 'bob', 'carol', 'dave'];

/** The test clusters' secret (in-cluster forwarding). */
export const CLUSTER_SECRET = 'cluster-test-secret';

/** The hub's child peers (each logs in with `<id>-secret`). */
export const childPeers = (): Record<string, unknown>[] => CHILDREN.map((id) => ({ id, authToken: `${id}-secret`, relation: 'child', creditLimit: '100000000' }));

/** The hub's config for one instance: children alice, bob, carol and dave (no url), fast heartbeats. */
export function hubConfig(url: string, instanceId: string, dataDir: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    nodeId: 'hub',
    ilpAddress: 'g.hub',
    feeBps: 10,
    dataDir,
    btpServerPort: 0,
    healthCheckPort: 0,
    adminApi: { enabled: true, port: 0 },
    routing: { enabled: false },
    ledger: { backend: 'postgres', postgres: { url } },
    cluster: { enabled: true, instanceId, heartbeatMs: 200, deadAfterMs: 3000, leaseCheckMs: 200, balanceRefreshMs: 200, secret: CLUSTER_SECRET },
    peers: childPeers(),
    ...extra,
  };
}

