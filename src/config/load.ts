/**
 * Loads the node config: finds the file, reads `.env`, layers defaults < file < env < overrides,
 * validates against the one schema and returns a deeply frozen result with warnings.
 *
 * The file is the given path, else `AGENT_RUNTIME_CONFIG`, else `./config.yaml` when it exists,
 * else the embedded defaults. Loading is synchronous: it runs once, before anything listens.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve as resolvePath } from 'node:path';
import type { z } from 'zod';
import { type Env, applySecrets, deepMerge, envLayer, overridesLayer, readDotEnv, withValue } from './env.js';
import { type ConfigIssue, ConfigError, type ExplainContext, type Provenance, explainZodError } from './explain.js';
import { isPlainObject } from './introspect.js';
import { CONFIG_PATH_ENV, formatPath } from './names.js';
import { type NodeConfig, type NodeConfigInput, configSchema } from './schema.js';
import { securityWarnings } from './security-warnings.js';
import { literalSecretWarnings, prepareFileValues } from './substitute.js';
import { parseYamlConfig } from './yaml.js';

/** Where to look and what to layer on top of the file. */
export interface LoadOptions {
  /** The environment to read (default: a copy of `process.env`; never modified). */
  env?: Env;
  /** Directory for `./config.yaml`, `.env`, relative paths and `dataDir` (default: `process.cwd()`). */
  cwd?: string;
  /** Explicit values (CLI flags) that win over everything: dotted paths or sections. */
  overrides?: Record<string, unknown>;
  /**
   * Defaults of the surface that loads the config, above the schema's and below the file: dotted
   * paths. The CLI passes `{ 'adminApi.enabled': true }` (a library node opens no admin API unless
   * configured; `agent-runtime start` does).
   */
  defaults?: Record<string, unknown>;
}

/** A loaded config. */
export interface LoadedConfig {
  config: NodeConfig;
  /** Things that work but deserve attention (unlimited credit, literal secrets, unknown variables). */
  warnings: string[];
  /** The absolute file path, `'object'` or `'defaults'`. */
  source: string;
}

/** The outcome of validating a config file: every problem, not just the first. */
export interface ValidationResult {
  ok: boolean;
  issues: ConfigIssue[];
  warnings: string[];
}

interface Resolution {
  config?: NodeConfig;
  issues: ConfigIssue[];
  warnings: string[];
  source: string;
}

interface Raw {
  value: unknown;
  source: string;
  env: Env;
  locate?: ExplainContext['locate'];
}

function readFile(file: string): { text?: string; issue?: ConfigIssue } {
  try {
    return { text: readFileSync(file, 'utf8') };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      return { issue: { path: file, message: 'config file not found', hint: 'check the path, or run `agent-runtime setup` to write one' } };
    }
    if (code === 'EISDIR') return { issue: { path: file, message: 'is a directory, not a config file', hint: 'name the YAML file itself' } };
    return { issue: { path: file, message: `cannot read the config file: ${(err as Error).message}` } };
  }
}

/** Finds and reads the input; issues stop the load before validation only when nothing usable was read. */
function readInput(input: string | NodeConfigInput | undefined, cwd: string, baseEnv: Env, issues: ConfigIssue[], warnings: string[]): Raw | undefined {
  const cwdDotEnv = readDotEnv(cwd);
  issues.push(...cwdDotEnv.issues);
  let file: string | undefined;
  if (typeof input === 'string') file = resolvePath(cwd, input);
  else if (input === undefined) {
    const fromEnv = baseEnv[CONFIG_PATH_ENV] ?? cwdDotEnv.values[CONFIG_PATH_ENV];
    if (fromEnv !== undefined && fromEnv !== '') file = resolvePath(cwd, fromEnv);
    else if (existsSync(join(cwd, 'config.yaml'))) file = join(cwd, 'config.yaml');
  }
  if (file === undefined) {
    const env = { ...cwdDotEnv.values, ...baseEnv };
    if (input === undefined) return { value: {}, source: 'defaults', env };
    if (!isPlainObject(input)) {
      issues.push({ path: '(root)', message: 'the config must be a plain object or a YAML file path' });
      return undefined;
    }
    return { value: input, source: 'object', env };
  }
  const read = readFile(file);
  if (read.issue) issues.push(read.issue);
  if (read.text === undefined) return undefined;
  const yaml = parseYamlConfig(read.text, file);
  issues.push(...yaml.issues);
  if (yaml.issues.length > 0) return undefined;
  const fileDotEnv = dirname(file) === cwd ? { values: {}, issues: [] } : readDotEnv(dirname(file));
  issues.push(...fileDotEnv.issues);
  // The first .env read wins over the second; the real environment wins over both.
  const env = { ...cwdDotEnv.values, ...fileDotEnv.values, ...baseEnv };
  warnings.push(...yaml.warnings, ...literalSecretWarnings(yaml.value, file));
  const prepared = prepareFileValues(yaml.value, env);
  issues.push(...prepared.issues);
  return { value: prepared.value, source: file, env, locate: yaml.locate };
}

/** Keys named by the rule issues of a zod error (`params.keys`); empty when no rule ran. */
function ruleKeys(iss: z.core.$ZodIssue): string[] | undefined {
  return iss.code === 'custom' ? (iss.params as { keys?: string[] } | undefined)?.keys : undefined;
}

/**
 * Cross-field rules run only once every field parsed. To list them too, drop every value that
 * failed (so its default stands in) and parse again; keep only rule issues that involve no
 * dropped key, since those were judged on real values.
 */
function salvageRuleIssues(merged: unknown, error: z.ZodError, ctx: ExplainContext): ConfigIssue[] {
  if (error.issues.some((iss) => ruleKeys(iss) !== undefined)) return [];
  let pruned = merged;
  const dropped: string[] = [];
  for (const iss of error.issues) {
    const path = iss.path.filter((s): s is string | number => typeof s !== 'symbol');
    const paths = iss.code === 'unrecognized_keys' ? iss.keys.map((k) => [...path, k]) : [path];
    for (const p of paths) {
      pruned = withValue(pruned, p, undefined);
      dropped.push(formatPath(p));
    }
  }
  const again = configSchema.safeParse(pruned);
  if (again.success) return [];
  const touches = (key: string) => dropped.some((d) => d === key || key.startsWith(`${d}.`) || key.startsWith(`${d}[`) || d.startsWith(`${key}.`));
  const kept = again.error.issues.filter((iss) => {
    const keys = ruleKeys(iss);
    return keys !== undefined && !keys.some(touches);
  });
  return kept.length === 0 ? [] : explainZodError({ issues: kept } as z.ZodError, { ...ctx, input: pruned });
}

/** Deep-freezes a value in place and returns it. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** Warnings about a valid config: choices that work but that people usually want to know about. */
export function configWarnings(config: NodeConfig): string[] {
  const warnings: string[] = [];
  config.peers.forEach((p, i) => {
    if (p.creditLimit === undefined) {
      warnings.push(`peers[${i}] (${p.id}): creditLimit is unset, so ${p.id} may owe us without limit; set peers[${i}].creditLimit`);
    }
  });
  const ids = new Set(config.peers.map((p) => p.id));
  config.routes.forEach((r, i) => {
    if (r.nextHop === 'local' || r.nextHop === config.nodeId || ids.has(r.nextHop)) return;
    warnings.push(`routes[${i}]: nextHop '${r.nextHop}' is not a configured peer; packets to ${r.prefix} fail until a peer with that id is added`);
  });
  warnings.push(...securityWarnings(config));
  return warnings;
}

/**
 * A library node opens no admin API unless `adminApi.enabled` is true: settings given for it without
 * `enabled` would otherwise be ignored in silence.
 */
function adminOffWarning(merged: unknown, config: NodeConfig): string[] {
  const given = isPlainObject(merged) ? merged.adminApi : undefined;
  if (config.adminApi.enabled || !isPlainObject(given) || 'enabled' in given) return [];
  const set = ['port', 'host'].filter((k) => given[k] !== undefined);
  if (set.length === 0) return [];
  return [`adminApi.${set[0]} is set but the admin API is off: a library node serves it only with adminApi.enabled: true (agent-runtime start turns it on)`];
}

function resolveConfig(input: string | NodeConfigInput | undefined, opts: LoadOptions): Resolution {
  const cwd = resolvePath(opts.cwd ?? process.cwd());
  const baseEnv: Env = { ...(opts.env ?? process.env) };
  const issues: ConfigIssue[] = [];
  const warnings: string[] = [];
  const raw = readInput(input, cwd, baseEnv, issues, warnings);
  const fallbackSource = typeof input === 'string' ? resolvePath(cwd, input) : input === undefined ? 'defaults' : 'object';
  if (raw === undefined) return { issues, warnings, source: fallbackSource };

  const fromEnv = envLayer(raw.env);
  warnings.push(...fromEnv.warnings);
  const provenance: Provenance = new Map(fromEnv.provenance);
  const surface = overridesLayer(opts.defaults ?? {}).value;
  let merged = applySecrets(deepMerge(deepMerge(surface, raw.value), fromEnv.value), raw.env, provenance);
  const fromOverrides = overridesLayer(opts.overrides ?? {});
  merged = deepMerge(merged, fromOverrides.value);
  for (const [path, src] of fromOverrides.provenance) provenance.set(path, src);

  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    const ctx: ExplainContext = { input: merged, provenance, locate: raw.locate };
    const reported = new Set(issues.map((i) => i.path));
    const schemaIssues = explainZodError(parsed.error, ctx).filter((i) => !reported.has(i.path));
    issues.push(...schemaIssues);
    issues.push(...salvageRuleIssues(merged, parsed.error, ctx));
  }
  if (!parsed.success || issues.length > 0) return { issues, warnings, source: raw.source };
  const config = deepFreeze({ ...parsed.data, dataDir: resolvePath(cwd, parsed.data.dataDir) }) as NodeConfig;
  warnings.push(...configWarnings(config), ...adminOffWarning(merged, config));
  return { config, issues, warnings, source: raw.source };
}

/**
 * Loads and validates the node config.
 *
 * @param input a YAML file path (relative to `opts.cwd`), a config object, or undefined for
 *   `AGENT_RUNTIME_CONFIG`, then `./config.yaml`, then the embedded defaults.
 * @throws ConfigError listing every problem found.
 */
export function loadConfig(input?: string | NodeConfigInput, opts: LoadOptions = {}): LoadedConfig {
  const r = resolveConfig(input, opts);
  if (r.config === undefined) throw new ConfigError(r.issues, r.source);
  return { config: r.config, warnings: r.warnings, source: r.source };
}

/** Validates a config file the way `start` would load it, listing every problem (for `agent-runtime validate`). */
export function validateConfigFile(path: string, opts: LoadOptions = {}): ValidationResult {
  const r = resolveConfig(path, opts);
  return { ok: r.config !== undefined && r.issues.length === 0, issues: r.issues, warnings: r.warnings };
}
