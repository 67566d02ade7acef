/**
 * `agent-runtime mcp --config <file>`: the MCP server runs its own node (the one `start --config
 * <file>` would run, logs in `<dataDir>/node.log` unless --log-file says otherwise) and its tools
 * call that node's admin API over loopback, like every other client, with a key that holds `send`
 * and `read`: a model can pay within its limits but never change them or approve itself.
 *
 * The key is `--api-key` when given, else the first of `adminApi.keys` whose scopes are send and
 * read without admin or approve; a node with no keys at all needs none. A node whose only keys are
 * the operator's is refused with what to add (the operator's key would let the model lift its own
 * limits). AGENT_RUNTIME_API_KEY is not read here: `setup` writes the operator's key under that name.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadConfig, type NodeConfig } from '../../config/index.js';
import { CLI_CONFIG_DEFAULTS } from '../../cli/cli-defaults.js';
import { appError } from '../../errors/index.js';
import { buildNode } from '../../cli/node-factory.js';
import type { ConnectorNode } from '../../node/connector-node.js';

/** The key the MCP tools use against the own node (undefined: the node has no keys). */
export function mcpKey(config: NodeConfig, given: string | undefined): { key?: string; name: string } {
  if (given !== undefined && given !== '') {
    const named = config.adminApi.keys?.find((k) => k.key === given);
    return { key: given, name: named?.name ?? (given === config.adminApi.apiKey ? 'apiKey' : 'the --api-key') };
  }
  const fit = config.adminApi.keys?.find((k) => k.scopes.includes('send') && k.scopes.includes('read') && !k.scopes.includes('admin') && !k.scopes.includes('approve'));
  if (fit !== undefined) return { key: fit.key, name: fit.name };
  if (config.adminApi.apiKey === undefined && (config.adminApi.keys ?? []).length === 0) return { name: 'none (the admin API has no keys)' };
  throw appError('INVALID_ARGUMENT', {
    field: 'adminApi.keys',
    reason: 'has no key with the scopes [send, read] (and neither admin nor approve) for the MCP server, and no --api-key was given',
    suggestion:
      'Add one to the config: adminApi.keys: [{ name: mcp, key: ${AGENT_MCP_KEY}, scopes: [send, read] }] (the operator\'s apiKey would let the model change its own limits), or pass --api-key.',
  });
}

export interface OwnNode {
  node: ConnectorNode;
  /** The node's admin API URL. */
  adminUrl: string;
  key?: string;
  /** One line for stderr: the node, its listeners and where its logs go. */
  banner: string;
}

/** Builds and starts the node of `configPath`; throws (nothing left running) when it cannot. */
export async function startOwnNode(configPath: string, opts: { apiKey?: string; logFile?: string; logLevel?: string }): Promise<OwnNode> {
  // Checked before the node and its logger exist: a refusal leaves nothing behind.
  if (!existsSync(configPath)) throw appError('CONFIG_NOT_FOUND', { path: resolve(configPath) });
  const { config } = loadConfig(configPath, { defaults: CLI_CONFIG_DEFAULTS });
  if (!config.adminApi.enabled) {
    throw appError('INVALID_ARGUMENT', {
      field: 'adminApi.enabled',
      reason: 'is false: the MCP tools call the node through its admin API',
      suggestion: 'Set adminApi.enabled: true (it listens on 127.0.0.1 by default), or run the node elsewhere and use mcp --url.',
    });
  }
  const key = mcpKey(config, opts.apiKey);
  const built = buildNode({ config: configPath, json: false, ...(opts.logFile === undefined ? {} : { logFile: opts.logFile }), ...(opts.logLevel === undefined ? {} : { logLevel: opts.logLevel }) });
  const { node } = built;
  try {
    await node.start();
  } catch (err) {
    await node.stop().catch(() => undefined);
    throw err;
  }
  const e = node.endpoints;
  const banner =
    `agent-runtime mcp: node ${node.nodeId} (${node.ilpAddress}) running in this process: admin ${e.admin}, BTP port ${e.btp}` +
    `${e.health ? `, health ${e.health}` : ''}; tools use key ${key.name}; logs: ${built.logFile ?? 'stderr'}`;
  return { node, adminUrl: e.admin!, ...(key.key === undefined ? {} : { key: key.key }), banner };
}
