/**
 * What `agent-runtime setup` writes: config.yaml (no secrets, `${VAR}` references) and .env (the
 * secrets, mode 600). The variable names are exactly those the config loader reads:
 * BTP_PEER_<ID>_SECRET per peer and AGENT_RUNTIME_API_KEY for the admin API.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, renameSync, writeFileSync } from 'node:fs';
import { makeDirectory } from '../make-directory.js';
import { join, resolve } from 'node:path';
import { peerSecretEnvName } from '../config/index.js';
import { appError } from '../errors/index.js';
import { ID_PATTERN } from '../config/fields.js';

/** The name of the admin API key variable. */
export const API_KEY_ENV = 'AGENT_RUNTIME_API_KEY';

/** One peer to configure. */
export interface SetupPeer {
  id: string;
  relation: 'parent' | 'peer' | 'child';
  /** ws(s) URL we dial; absent for a child, which dials us. */
  url?: string;
}

/** Everything setup asks for. */
export interface SetupAnswers {
  nodeId: string;
  btpPort: number;
  healthPort: number;
  adminPort: number;
  peers: SetupPeer[];
  /** Credit limit for every peer, in asset units; undefined = unlimited (with a warning at start). */
  creditLimit?: string;
}

/** What was written (never the secret values). */
export interface SetupResult {
  configPath: string;
  envPath: string;
  nodeId: string;
  peers: { id: string; relation: string; url?: string; secretEnv: string }[];
  secrets: string[];
}

const ID = ID_PATTERN;
const q = (s: string): string => JSON.stringify(s);

/** A fresh 32-byte secret as hex. */
export function newSecret(): string {
  return randomBytes(32).toString('hex');
}

/** Checks the answers that the schema would reject with a less helpful message. */
export function checkAnswers(a: SetupAnswers): void {
  const bad = (field: string, reason: string) => appError('INVALID_ARGUMENT', { field, reason });
  if (!ID.test(a.nodeId)) throw bad('node id', `${q(a.nodeId)} must match [a-zA-Z0-9_~-]+`);
  const seen = new Map<string, string>();
  for (const p of a.peers) {
    if (!ID.test(p.id)) throw bad('peer id', `${q(p.id)} must match [a-zA-Z0-9_~-]+`);
    if (p.id === a.nodeId) throw bad('peer id', `${q(p.id)} is this node's own id`);
    const env = peerSecretEnvName(p.id);
    if (seen.has(env)) throw bad('peer id', `${q(p.id)} and ${q(seen.get(env) ?? '')} would share the variable ${env}`);
    seen.set(env, p.id);
    if (p.relation !== 'child' && !/^wss?:\/\/[^/\s]+/.test(p.url ?? '')) throw bad(`url of ${p.id}`, `must be a ws:// or wss:// URL, got ${q(p.url ?? '')}`);
  }
  if (a.peers.filter((p) => p.relation === 'parent').length > 1) throw bad('parent', 'give at most one parent');
  if (a.creditLimit !== undefined && !/^[0-9]+$/.test(a.creditLimit)) throw bad('credit limit', 'must be an unsigned integer (asset units)');
}

/** The config.yaml text. */
export function renderConfig(a: SetupAnswers): string {
  const lines = [
    `# agent-runtime config for ${a.nodeId}, written by \`agent-runtime setup\`.`,
    '# Secrets are not in this file: ${VAR} references are filled from .env next to it (mode 600)',
    '# or from the environment. Check it with `agent-runtime validate`; run it with `agent-runtime start`.',
    `nodeId: ${q(a.nodeId)}`,
    `btpServerPort: ${a.btpPort}`,
    `healthCheckPort: ${a.healthPort}`,
    'adminApi:',
    '  enabled: true',
    `  port: ${a.adminPort}`,
    `  apiKey: \${${API_KEY_ENV}}`,
  ];
  if (a.peers.length === 0) lines.push('peers: []');
  else lines.push('peers:');
  for (const p of a.peers) {
    lines.push(`  - id: ${q(p.id)}`, `    relation: ${p.relation}`);
    if (p.url !== undefined && p.relation !== 'child') lines.push(`    url: ${q(p.url)}`);
    lines.push(`    authToken: \${${peerSecretEnvName(p.id)}}`);
    if (a.creditLimit !== undefined) lines.push(`    creditLimit: ${q(a.creditLimit)}`);
  }
  const routed = a.peers.filter((p) => p.relation === 'peer');
  if (routed.length > 0) {
    lines.push('# Children get <our address>.<id> and a parent is the default route without any route here.', 'routes:');
    for (const p of routed) lines.push(`  - prefix: ${q(`g.${p.id}`)}`, `    nextHop: ${q(p.id)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The .env text and the variable names it sets. */
export function renderEnv(a: SetupAnswers): { text: string; names: string[] } {
  const vars: [string, string][] = [[API_KEY_ENV, newSecret()], ...a.peers.map((p): [string, string] => [peerSecretEnvName(p.id), newSecret()])];
  const text = [
    `# Secrets for ${a.nodeId}'s config.yaml, written by \`agent-runtime setup\`. Keep this file private.`,
    '# Each BTP_PEER_<ID>_SECRET is shared with that peer: its operator configures the same value for us.',
    ...vars.map(([k, v]) => `${k}=${v}`),
    '# Where the CLI (agent-runtime balances, send, peers ...) finds this node when run in this folder.',
    `AGENT_RUNTIME_URL=http://127.0.0.1:${a.adminPort}`,
  ].join('\n');
  return { text: `${text}\n`, names: vars.map(([k]) => k) };
}

function writeAtomic(path: string, text: string, mode: number): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode });
  chmodSync(tmp, mode);
  renameSync(tmp, path);
}

/** Writes both files into `dir`; refuses to overwrite either unless `force`. */
export function writeSetup(dir: string, a: SetupAnswers, force: boolean): SetupResult {
  checkAnswers(a);
  const configPath = resolve(dir, 'config.yaml');
  const envPath = resolve(dir, '.env');
  if (!force) for (const p of [configPath, envPath]) if (existsSync(p)) throw appError('FILE_EXISTS', { path: p });
  const env = renderEnv(a);
  try {
    makeDirectory(dir);
    writeAtomic(envPath, env.text, 0o600);
    writeAtomic(configPath, renderConfig(a), 0o644);
  } catch (e) {
    throw appError('INVALID_ARGUMENT', {
      field: 'output dir',
      reason: `cannot write the setup files into ${resolve(dir)}: ${e instanceof Error ? e.message : String(e)}`,
      suggestion: 'Choose a writable --output-dir (a folder on a normal filesystem this user may write).',
    });
  }
  return {
    configPath,
    envPath: join(resolve(dir), '.env'),
    nodeId: a.nodeId,
    peers: a.peers.map((p) => ({ id: p.id, relation: p.relation, ...(p.url && p.relation !== 'child' ? { url: p.url } : {}), secretEnv: peerSecretEnvName(p.id) })),
    secrets: env.names,
  };
}
