/**
 * The environment's part of a config: `AGENT_RUNTIME_<PATH>` overrides for non-secret keys, the
 * fixed secret variables, `BTP_PEER_<ID>_SECRET` per peer, and `.env` files.
 *
 * Precedence, lowest first: schema defaults < config file (or object) < environment < explicit
 * overrides (CLI flags). A `.env` next to the config file is read first, then one in the cwd; a
 * variable already in the environment wins over both, and the first `.env` wins over the second.
 * Strings from the environment are coerced to the key's type: numbers, booleans (true/false,
 * 1/0, yes/no, on/off) and comma-separated lists (`AGENT_RUNTIME_ADMIN_API_ALLOWED_IPS`). An empty
 * variable counts as unset. Secret sections: the chain key variables apply only when that chain's
 * section (`settlement.evm`, `settlement.xrpl`, `settlement.aptos`) is configured.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { envKeys } from './describe.js';
import { type ConfigIssue, type Provenance, closest } from './explain.js';
import { type KeyKind, isPlainObject, schemaAt, unwrap } from './introspect.js';
import { ENV_PREFIX, NON_KEY_ENV, formatPath, peerSecretEnvName } from './names.js';
import { configSchema } from './schema.js';

/** Environment variables by name; `undefined` = unset. */
export type Env = Record<string, string | undefined>;

/** Turns a string from the environment into a key's type; other values pass unchanged. */
export function coerce(value: unknown, kind: KeyKind | undefined): unknown {
  if (typeof value !== 'string') return value;
  const v = value.trim();
  switch (kind) {
    case 'integer':
    case 'number':
      return /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(v) ? Number(v) : value;
    case 'boolean':
      if (/^(true|1|yes|on)$/i.test(v)) return true;
      if (/^(false|0|no|off)$/i.test(v)) return false;
      return value;
    case 'list':
      return v.split(',').map((s) => s.trim()).filter((s) => s !== '');
    default:
      return value;
  }
}

/** A copy of `root` with `value` at `path`; objects on the way are copied or created, never mutated. */
export function withValue(root: unknown, path: readonly (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path;
  if (Array.isArray(root) && typeof head === 'number') {
    const copy: unknown[] = [...(root as unknown[])];
    copy[head] = withValue(copy[head], rest, value);
    return copy;
  }
  const base = isPlainObject(root) ? root : {};
  return { ...base, [head]: withValue(base[head], rest, value) };
}

/** Deep-merges plain objects; anything else in `over` (lists included) replaces what is in `under`. */
export function deepMerge(under: unknown, over: unknown): unknown {
  if (over === undefined) return under;
  if (!isPlainObject(under) || !isPlainObject(over)) return over;
  const out: Record<string, unknown> = { ...under };
  for (const [k, v] of Object.entries(over)) out[k] = deepMerge(under[k], v);
  return out;
}

/** The non-secret `AGENT_RUNTIME_*` variables as a config tree, with where each value came from. */
export function envLayer(env: Env): { value: Record<string, unknown>; provenance: Provenance; warnings: string[] } {
  let value: unknown = {};
  const provenance: Provenance = new Map();
  const keys = envKeys();
  for (const k of keys) {
    const raw = env[k.env];
    if (k.secret || raw === undefined || raw === '') continue;
    value = withValue(value, k.segments, coerce(raw, k.kind));
    provenance.set(formatPath(k.segments), k.env);
  }
  const known = new Set([...keys.map((k) => k.env), ...NON_KEY_ENV]);
  const warnings: string[] = [];
  for (const name of Object.keys(env).sort()) {
    if (!name.startsWith(ENV_PREFIX) || known.has(name) || env[name] === undefined) continue;
    const near = closestVariable(name, [...known]);
    warnings.push(`${name} is not a config variable and is ignored${near === undefined ? '' : ` (did you mean ${near}?)`}`);
  }
  return { value: value as Record<string, unknown>, provenance, warnings };
}

/**
 * The variable a mistyped one most likely meant: one containing all its words (two or more: BTP_PORT
 * means BTP_SERVER_PORT, not the nearer spelling HTTP_PORT), else a near spelling.
 */
function closestVariable(name: string, known: readonly string[]): string | undefined {
  const strip = (n: string) => (n.startsWith(ENV_PREFIX) ? n.slice(ENV_PREFIX.length) : n);
  const words = strip(name).split('_');
  const containing = known.filter((k) => {
    let from = 0;
    const kw = strip(k).split('_');
    return words.every((w) => {
      const at = kw.indexOf(w, from);
      from = at + 1;
      return at >= 0;
    });
  });
  const shortest = containing.sort((a, b) => a.length - b.length)[0];
  if (words.length >= 2 && shortest !== undefined) return shortest;
  const near = closest(strip(name), known.map(strip));
  if (near !== undefined) return known.find((k) => strip(k) === near);
  return shortest;
}

/**
 * Fills secrets from their variables: `AGENT_RUNTIME_API_KEY` and friends, and each peer's
 * `BTP_PEER_<ID>_SECRET`. A variable wins over a value in the file, like every env override.
 */
export function applySecrets(config: unknown, env: Env, provenance: Provenance): unknown {
  let out = config;
  for (const k of envKeys()) {
    const raw = env[k.env];
    if (!k.secret || raw === undefined || raw === '') continue;
    if (k.onlyWithSection && !isPlainObject(valueAtPath(out, k.segments.slice(0, -1)))) continue;
    out = withValue(out, k.segments, raw);
    provenance.set(formatPath(k.segments), k.env);
  }
  const peers = isPlainObject(out) ? out.peers : undefined;
  if (Array.isArray(peers)) {
    peers.forEach((peer: unknown, i) => {
      if (!isPlainObject(peer) || typeof peer.id !== 'string') return;
      const name = peerSecretEnvName(peer.id);
      const raw = env[name];
      if (raw === undefined || raw === '') return;
      out = withValue(out, ['peers', i, 'authToken'], raw);
      provenance.set(formatPath(['peers', i, 'authToken']), name);
    });
  }
  return out;
}

function valueAtPath(root: unknown, path: readonly string[]): unknown {
  let v = root;
  for (const seg of path) v = isPlainObject(v) ? v[seg] : undefined;
  return v;
}

/**
 * Explicit overrides (CLI flags) as a config tree: keys are dotted paths (`adminApi.port`) or
 * sections with nested objects; strings are coerced like env values; `undefined` is skipped.
 */
export function overridesLayer(overrides: Record<string, unknown>): { value: unknown; provenance: Provenance } {
  let value: unknown = {};
  const provenance: Provenance = new Map();
  for (const [name, raw] of Object.entries(overrides)) {
    if (raw === undefined) continue;
    const segments = name.split('.');
    const schema = schemaAt(configSchema, segments);
    const v = schema === undefined ? raw : coerce(raw, unwrap(schema).kind);
    value = withValue(value, segments, deepMerge(valueAtPath(value, segments), v));
    provenance.set(formatPath(segments), `the ${name} override`);
  }
  return { value, provenance };
}

/** Reads `<dir>/.env` with Node's parser; a missing file is an empty one. */
export function readDotEnv(dir: string): { values: Env; issues: ConfigIssue[] } {
  const file = join(dir, '.env');
  try {
    return { values: parseEnv(readFileSync(file, 'utf8')), issues: [] };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { values: {}, issues: [] };
    return { values: {}, issues: [{ path: file, message: `cannot read: ${(err as Error).message}` }] };
  }
}
