/**
 * Which node an admin command talks to, as a user expects:
 *
 * 1. `--url` (with `--api-key`);
 * 2. `AGENT_RUNTIME_URL` (with `AGENT_RUNTIME_API_KEY`), from the environment, else the `.env` of the
 *    current directory (`setup` writes both there);
 * 3. the admin address of the node's config: `--config`, else `AGENT_RUNTIME_CONFIG`, else
 *    `./config.yaml` (host and port of `adminApi`, its `apiKey`);
 * 4. http://127.0.0.1:8081.
 *
 * Whenever a config file is in play (and `--url` does not override it) the CLI also knows which node
 * it means, and checks the answering node's id against the config's `nodeId` before the first request:
 * with two nodes on one machine it never silently talks to the wrong one.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { appError } from '../errors/index.js';
import { CLI_CONFIG_DEFAULTS } from './cli-defaults.js';
import { readLocalEnv } from './dotenv.js';
import { AdminClient, DEFAULT_ADMIN_URL, type RawResponse } from './admin-client.js';

/** The flags of an admin command that choose the node. */
export interface NodeFlags {
  url?: string;
  'api-key'?: string;
  config?: string;
}

/** Where the CLI will send its requests, and which node must answer there. */
export interface NodeTarget {
  url: string;
  apiKey?: string;
  /** The nodeId the answering node must have (from the config in play); undefined: no check. */
  expectNodeId?: string;
  /** The config file that named the node, for messages. */
  configPath?: string;
  /** What gave the URL: `--url`, `AGENT_RUNTIME_URL`, the config path, or `default`. */
  from: string;
}

const nonEmpty = (...values: (string | undefined)[]): string | undefined => values.find((v) => v !== undefined && v !== '');

/** `host:port` of a bound address as a client reaches it (a wildcard bind is reached on loopback). */
export function adminUrlOf(host: string, port: number): string {
  const reach = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${reach.includes(':') ? `[${reach}]` : reach}:${port}`;
}

/** Resolves the target of an admin command (see the precedence above). */
export async function findNode(flags: NodeFlags, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Promise<NodeTarget> {
  const dotenv = readLocalEnv(cwd);
  const explicitKey = nonEmpty(flags['api-key'], env.AGENT_RUNTIME_API_KEY, dotenv.AGENT_RUNTIME_API_KEY);
  const envUrl = nonEmpty(env.AGENT_RUNTIME_URL, dotenv.AGENT_RUNTIME_URL);
  const withKey = (t: NodeTarget): NodeTarget => (explicitKey === undefined ? t : { ...t, apiKey: explicitKey });
  if (flags.url !== undefined && flags.config === undefined) return withKey({ url: flags.url, from: '--url' });

  const named = nonEmpty(flags.config, env.AGENT_RUNTIME_CONFIG, dotenv.AGENT_RUNTIME_CONFIG);
  const configPath = named ?? (existsSync(resolve(cwd, 'config.yaml')) ? 'config.yaml' : undefined);
  if (configPath === undefined) {
    return withKey(envUrl === undefined ? { url: DEFAULT_ADMIN_URL, from: 'default' } : { url: envUrl, from: 'AGENT_RUNTIME_URL' });
  }

  // Loaded only here: commands given --url never pay for the config schema.
  const { loadConfig } = await import('../config/index.js');
  const { config } = loadConfig(configPath, { cwd, env, defaults: CLI_CONFIG_DEFAULTS });
  const admin = config.adminApi;
  const base = { expectNodeId: config.nodeId, configPath, ...(admin.apiKey === undefined ? {} : { apiKey: admin.apiKey }) };
  const url = nonEmpty(flags.url, envUrl);
  if (url !== undefined) return withKey({ ...base, url, from: flags.url !== undefined ? '--url' : 'AGENT_RUNTIME_URL' });
  if (!admin.enabled) {
    throw appError('NO_ADMIN_API', { config: configPath, nodeId: config.nodeId, reason: 'adminApi.enabled is false' });
  }
  if (admin.port === 0) {
    throw appError('NO_ADMIN_API', { config: configPath, nodeId: config.nodeId, reason: 'adminApi.port is 0 (any free port; the node prints the one it got as adminUrl)' });
  }
  return withKey({ ...base, url: adminUrlOf(admin.host, admin.port), from: configPath });
}

/** The id in an admin answer that names its node (`/health` and the list endpoints carry `nodeId`). */
export function answeringNodeId(body: unknown): string | undefined {
  const id = (body as { nodeId?: unknown } | null | undefined)?.nodeId;
  return typeof id === 'string' ? id : undefined;
}

/** WRONG_NODE when the node at `target.url` is not the config's node. */
export function checkNodeId(target: NodeTarget, actual: string | undefined): void {
  if (target.expectNodeId === undefined || actual === undefined || actual === target.expectNodeId) return;
  throw appError('WRONG_NODE', { url: target.url, actual, expected: target.expectNodeId, config: target.configPath ?? 'the config' });
}

/**
 * An admin client that, when its target names a node, asks `/health` who answers before its first
 * request (or reads it from that request when it is `/health`) and fails with WRONG_NODE on a mismatch.
 */
export class TargetClient extends AdminClient {
  private checked: Promise<void> | undefined;

  constructor(
    readonly target: NodeTarget,
    timeoutMs?: number,
  ) {
    super(target.url, target.apiKey, timeoutMs);
  }

  override async raw(method: string, path: string, body?: unknown, timeoutMs?: number): Promise<RawResponse> {
    if (this.target.expectNodeId !== undefined && this.checked === undefined) {
      if (method === 'GET' && path === '/health') {
        const r = await super.raw(method, path, body, timeoutMs);
        checkNodeId(this.target, answeringNodeId(r.body));
        this.checked = Promise.resolve();
        return r;
      }
      this.checked = super.raw('GET', '/health').then((r) => checkNodeId(this.target, answeringNodeId(r.body)));
    }
    await this.checked;
    return super.raw(method, path, body, timeoutMs);
  }
}
