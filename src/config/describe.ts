/**
 * The config keys as documentation: every leaf of the schema with its type, default, env variable
 * and description, derived from the schema itself so the docs cannot drift from the validation.
 */
import { type KeyInfo, enumValues, numberRange, walkKeys } from './introspect.js';
import { envNameForPath } from './names.js';
import { configSchema } from './schema.js';

/** One documented config key. */
export interface ConfigKeyDescription {
  /** Dotted path; list items appear as `peers[].id`. */
  path: string;
  /** Human type, e.g. `integer 0..65535`, `trace | debug | info`, `amount`. */
  type: string;
  /** The default as text; absent when the key is optional with no default. */
  default?: string;
  /** The environment variable that sets the key, when there is one. */
  env?: string;
  /** Whether the value is a secret (kept out of YAML, read from the environment). */
  secret?: boolean;
  description: string;
}

/** A key that can be set from the environment. */
export interface EnvKey {
  env: string;
  segments: string[];
  kind: KeyInfo['kind'];
  secret: boolean;
  /** The variable applies only when the key's section exists (chain keys). */
  onlyWithSection: boolean;
}

let cachedKeys: KeyInfo[] | undefined;

/** Every leaf key of the config schema (cached: the schema never changes at runtime). */
export function configKeys(): KeyInfo[] {
  cachedKeys ??= walkKeys(configSchema);
  return cachedKeys;
}

/** The printed path of a key: `peers.[].id` → `peers[].id`. */
export function keyPath(k: Pick<KeyInfo, 'segments'>): string {
  return k.segments.join('.').replace(/\.\[\]/g, '[]');
}

/** The variable that sets a key, or undefined (keys inside lists, aliases). */
export function envNameOf(k: KeyInfo): string | undefined {
  if (k.meta.env !== undefined) return k.meta.env;
  if (k.inList || k.meta.aliasOf !== undefined || k.meta.secret) return undefined;
  return envNameForPath(k.segments);
}

let cachedEnv: EnvKey[] | undefined;

/** Every config key with an `AGENT_RUNTIME_*` variable (per-peer secrets are handled apart). */
export function envKeys(): EnvKey[] {
  cachedEnv ??= configKeys().flatMap((k) => {
    const env = envNameOf(k);
    if (env === undefined || k.inList) return [];
    return [{ env, segments: k.segments, kind: k.kind, secret: k.meta.secret === true, onlyWithSection: k.meta.envOnlyWithSection === true }];
  });
  return cachedEnv;
}

function typeText(k: KeyInfo): string {
  if (k.meta.type !== undefined) return k.meta.type;
  switch (k.kind) {
    case 'amount':
      return 'amount (integer or decimal string, asset units)';
    case 'enum':
      return enumValues(k.core).join(' | ');
    case 'integer':
    case 'number': {
      const { min, max, exclusiveMin } = numberRange(k.core);
      if (min !== undefined && max !== undefined) return `${k.kind} ${min}..${max}`;
      if (min !== undefined) return `${k.kind} ${exclusiveMin ? '>' : '>='} ${min}`;
      return k.kind;
    }
    case 'list':
      return 'string[]';
    default:
      return k.kind;
  }
}

function defaultText(k: KeyInfo): string | undefined {
  if (k.meta.default !== undefined) return k.meta.default;
  if (!k.hasDefault) return undefined;
  const v = k.defaultValue;
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return JSON.stringify(v);
  return String(v);
}

/** Every config key, for `--help`, the README and the docs. */
export function describeConfigKeys(): ConfigKeyDescription[] {
  return configKeys().map((k) => {
    const d: ConfigKeyDescription = { path: keyPath(k), type: typeText(k), description: k.meta.description ?? '' };
    const def = defaultText(k);
    if (def !== undefined) d.default = def;
    const env = envNameOf(k);
    if (env !== undefined) d.env = env;
    if (k.meta.secret) d.secret = true;
    return d;
  });
}
