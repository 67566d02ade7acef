/**
 * Config errors for people: every zod issue becomes a `ConfigIssue` with the key's path, a plain
 * message and, where there is a fix to name, a hint (a near key, a moved key, a refused feature).
 * Values are never printed: a mistyped key may hold a secret.
 */
import type { z } from 'zod';
import { configKeys, keyPath } from './describe.js';
import { objectKeysAt, schemaAt, unwrap } from './introspect.js';
import { formatPath, peerSecretEnvName } from './names.js';
import { configSchema } from './schema.js';

/** One problem in a config. */
export interface ConfigIssue {
  /** The key's path (`peers[0].url`), or the file for problems with the file itself. */
  path: string;
  message: string;
  /** What to do about it, when there is something specific to say. */
  hint?: string;
  /** 1-based position in the YAML file, when the problem has one. */
  line?: number;
  column?: number;
}

/** The one line of an issue: `path: message (hint)`, then its position in the file if known. */
export function formatIssue(issue: ConfigIssue): string {
  const hint = issue.hint === undefined ? '' : ` (${issue.hint})`;
  const where = issue.line === undefined ? '' : ` [line ${issue.line}, column ${issue.column ?? 1}]`;
  return `${issue.path}: ${issue.message}${hint}${where}`;
}

/** A config that cannot be used; `issues` lists every problem found. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID' as const;
  readonly issues: ConfigIssue[];
  /** The file path, `'object'` or `'defaults'`. */
  readonly source: string | undefined;

  constructor(issues: ConfigIssue[], source?: string) {
    const head = `Invalid config${source === undefined ? '' : ` (${source})`}: ${issues.length} problem${issues.length === 1 ? '' : 's'}`;
    super([head, ...issues.map((i) => `  ${formatIssue(i)}`)].join('\n'));
    this.name = 'ConfigError';
    this.issues = issues;
    this.source = source;
  }
}

/** Edit distance between two strings: insert, delete, substitute or swap two neighbours cost 1 each. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

const squash = (s: string) => s.toLowerCase().replace(/[-_\s]/g, '');

/** The candidate closest to `word` when it is close enough to be a typo. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const [w, k] = [squash(word), squash(c)];
    const prefix = Math.min(w.length, k.length) >= 3 && (w.startsWith(k) || k.startsWith(w));
    const d = w === k ? 0 : prefix ? 1 : editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return bestDistance <= Math.max(1, Math.floor(word.length / 3)) ? best : undefined;
}

interface Refusal {
  match: (key: string, parent: string) => boolean;
  message: string;
  hint: string;
}

const EVM_MIGRATION = 'use settlement.evm {rpcUrl, chainId, contract, token} with AGENT_RUNTIME_EVM_PRIVATE_KEY';

/** Seed keys this product refuses or moved, with what to do instead. `parent` is `peers[]` for list items. */
const REFUSALS: Refusal[] = [
  {
    match: (k) => k === 'perHopNotification',
    message: 'per-hop notifications are not offered',
    hint: 'identity is bound to a secret; per-hop notifications are not offered: remove this key',
  },
  {
    match: (k) => /^(btp)?no-?auth$|^allowNoAuth$/i.test(k),
    message: 'BTP without authentication is not offered',
    hint: 'identity is bound to a secret: give every peer an authToken or set BTP_PEER_<ID>_SECRET',
  },
  {
    match: (k) => /^tiger-?beetle/i.test(k),
    message: 'TigerBeetle is not offered yet',
    hint: 'the ledger is LevelDB under dataDir, and no TigerBeetle server can run here: remove this key',
  },
  { match: (k, p) => k === 'connectorFeePercentage' && p === 'settlement', message: 'unknown key', hint: 'use the top-level feeBps (basis points: 0.1% = 10)' },
  { match: (k, p) => k === 'enableSettlement' && p === 'settlement', message: 'unknown key', hint: 'did you mean settlement.enabled?' },
  { match: (k, p) => (k === 'creditLimits' || k === 'thresholds') && p === 'settlement', message: 'unknown key', hint: 'set creditLimit and settleThreshold on each peer in peers[]' },
  { match: (k, p) => (k === 'settlementInfra' || k === 'blockchain') && p === '', message: 'unknown key', hint: EVM_MIGRATION },
  { match: (k, p) => k === 'evmAddress' && p === 'peers[]', message: 'unknown key', hint: 'use settlement: {chain: evm, address: 0x…} on the peer' },
];

/** A path with list indexes generalised: `['peers', 0]` → `peers[]`. */
function genericPath(path: readonly (string | number)[]): string {
  return keyPath({ segments: path.map((s) => (typeof s === 'number' ? '[]' : s)) });
}

let allPaths: string[] | undefined;

/** Every key and section path of the schema (`settlement`, `settlement.redeem`, `settlement.redeem.minAmount`…). */
function knownPaths(): string[] {
  if (allPaths === undefined) {
    const set = new Set<string>();
    for (const k of configKeys()) {
      for (let n = 1; n <= k.segments.length; n++) set.add(keyPath({ segments: k.segments.slice(0, n) }));
    }
    allPaths = [...set].filter((p) => !p.endsWith('[]'));
  }
  return allPaths;
}

function unknownKeyHint(key: string, objectPath: (string | number)[]): { message: string; hint?: string } {
  const parent = genericPath(objectPath);
  const refusal = REFUSALS.find((r) => r.match(key, parent));
  if (refusal) return { message: refusal.message, hint: refusal.hint };
  const siblings = objectKeysAt(configSchema, objectPath) ?? [];
  const near = closest(key, siblings);
  if (near !== undefined) return { message: 'unknown key', hint: `did you mean ${near}?` };
  const elsewhere = knownPaths().find((p) => squash(p.split(/[.[\]]+/).filter(Boolean).at(-1) ?? '') === squash(key));
  if (elsewhere !== undefined) return { message: 'unknown key', hint: `did you mean ${elsewhere}?` };
  return { message: 'unknown key', hint: siblings.length > 0 ? `allowed here: ${siblings.join(', ')}` : undefined };
}

/** The value at a path of a plain object tree, or undefined. */
export function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[seg];
  }
  return v;
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'number' && !Number.isInteger(v)) return 'a fractional number';
  if (typeof v === 'object') return 'a mapping';
  return typeof v === 'bigint' ? 'an integer' : `a ${typeof v}`;
}

type Issue = z.core.$ZodIssue;

function kindAt(path: readonly PropertyKey[]): string | undefined {
  const schema = schemaAt(configSchema, path.filter((s): s is string | number => typeof s !== 'symbol'));
  return schema === undefined ? undefined : unwrap(schema).kind;
}

/** For a missing secret: which variable would also set it. */
function requiredHint(path: readonly PropertyKey[], input: unknown): string | undefined {
  if (path.length !== 3 || path[0] !== 'peers' || path[2] !== 'authToken') return undefined;
  const id = valueAt(input, ['peers', path[1], 'id']);
  const env = typeof id === 'string' ? peerSecretEnvName(id) : 'BTP_PEER_<ID>_SECRET';
  return `set ${env} in the environment or .env, or ${formatPath(path)}`;
}

function describeIssue(iss: Issue, input: unknown): { message: string; hint?: string } {
  const value = valueAt(input, iss.path);
  switch (iss.code) {
    case 'invalid_type': {
      if (value === undefined || iss.message === 'is required') return { message: 'is required', hint: requiredHint(iss.path, input) };
      const kind = iss.expected === 'number' ? kindAt(iss.path) : undefined;
      const expected = iss.expected === 'int' || kind === 'integer' ? 'an integer' : iss.expected === 'object' ? 'a mapping' : iss.expected === 'array' ? 'a list' : `a ${iss.expected}`;
      return { message: `must be ${expected}, got ${typeName(value)}` };
    }
    case 'too_small':
      if (iss.origin === 'string' && Number(iss.minimum) === 1) return { message: 'must not be empty' };
      if (iss.origin === 'number' || iss.origin === 'int' || iss.origin === 'bigint') {
        if (!iss.message.startsWith('Too small')) return { message: iss.message };
        return { message: `must be ${iss.inclusive ? 'at least' : 'greater than'} ${String(iss.minimum)}` };
      }
      return { message: iss.message };
    case 'too_big':
      if (iss.origin === 'number' || iss.origin === 'int' || iss.origin === 'bigint') {
        if (!iss.message.startsWith('Too big')) return { message: iss.message };
        return { message: `must be ${iss.inclusive ? 'at most' : 'less than'} ${String(iss.maximum)}` };
      }
      return { message: iss.message };
    case 'invalid_value': {
      const options = iss.values.map(String);
      const near = typeof value === 'string' ? closest(value, options) : undefined;
      return { message: `must be one of ${options.join(', ')}`, hint: near === undefined ? undefined : `did you mean ${near}?` };
    }
    case 'custom': {
      const hint = (iss.params as { hint?: string } | undefined)?.hint;
      return { message: iss.message, hint };
    }
    default:
      return { message: iss.message };
  }
}

/** Where the values of a config came from: a path (`adminApi.port`) → `AGENT_RUNTIME_ADMIN_API_PORT`. */
export type Provenance = Map<string, string>;

/** What the explainer needs besides the issues. */
export interface ExplainContext {
  /** The object that was parsed. */
  input: unknown;
  /** Sources other than the file, by path. */
  provenance?: Provenance;
  /** Position of a path in the YAML file. */
  locate?: (path: readonly (string | number)[]) => { line: number; column: number } | undefined;
}

function sourceOf(path: readonly (string | number)[], provenance: Provenance | undefined): string | undefined {
  if (provenance === undefined) return undefined;
  for (let n = path.length; n > 0; n--) {
    const src = provenance.get(formatPath(path.slice(0, n)));
    if (src !== undefined) return src;
  }
  return undefined;
}

function finish(path: (string | number)[], text: { message: string; hint?: string }, ctx: ExplainContext): ConfigIssue {
  const issue: ConfigIssue = { path: formatPath(path) || '(root)', message: text.message };
  if (text.hint !== undefined) issue.hint = text.hint;
  const source = sourceOf(path, ctx.provenance);
  if (source !== undefined) issue.message += ` (value from ${source})`;
  else {
    const at = ctx.locate?.(path);
    if (at !== undefined) [issue.line, issue.column] = [at.line, at.column];
  }
  return issue;
}

/** Turns a zod error into config issues, one per unknown key and one per other problem. */
export function explainZodError(error: z.ZodError, ctx: ExplainContext): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const iss of error.issues) {
    const path = iss.path.filter((s): s is string | number => typeof s !== 'symbol');
    if (iss.code === 'unrecognized_keys') {
      for (const key of iss.keys) out.push(finish([...path, key], unknownKeyHint(key, path), ctx));
    } else {
      out.push(finish(path, describeIssue(iss, ctx.input), ctx));
    }
  }
  return out;
}
