/**
 * Field builders shared by the config schema, and the registry that carries each key's
 * documentation (description, env variable, secret flag) next to its validation.
 *
 * Every builder returns a fresh schema instance: metadata is registered per instance, so two
 * keys never share (and overwrite) one registry entry.
 */
import { isIP } from 'node:net';
import { z } from 'zod';

/** What a config key documents about itself; read by `describeConfigKeys` and the env layer. */
export interface KeyMeta {
  /** One sentence for people: what the key does, with units. */
  description: string;
  /** Shown instead of the type derived from the schema (e.g. 'ws(s) URL'). */
  type?: string;
  /** Shown instead of the schema's own default, for defaults computed from other keys. */
  default?: string;
  /** A secret: never mapped to `AGENT_RUNTIME_<PATH>`; `env` names its own variable. */
  secret?: boolean;
  /** The environment variable that sets this key, when it is not the generic `AGENT_RUNTIME_<PATH>`. */
  env?: string;
  /** For a secret inside an optional section: its variable applies only when the section is configured. */
  envOnlyWithSection?: boolean;
  /** How a string from the environment is turned into this key's value. */
  kind?: 'amount';
  /** An accepted alias of another key (not listed as its own env variable). */
  aliasOf?: string;
}

/** The documentation registry of the config schema. */
export const keyMeta = z.registry<KeyMeta, z.ZodType>();

/** Attaches documentation to a key's schema and returns the same schema. */
export function key<T extends z.ZodType>(schema: T, meta: KeyMeta): T {
  keyMeta.add(schema, meta);
  return schema;
}

/** Node and peer ids: one ILP address segment. */
export const ID_PATTERN = /^[a-zA-Z0-9_~-]+$/;
/** A full ILP address (RFC 0015): a scheme and at least one segment. */
export const ILP_ADDRESS_PATTERN = /^(g|private|example|peer|self|test[1-3]?|local)(\.[a-zA-Z0-9_~-]+)+$/;
/** An ILP address prefix for routing: a scheme alone (`g`) or a full address. */
export const ILP_PREFIX_PATTERN = /^(g|private|example|peer|self|test[1-3]?|local)(\.[a-zA-Z0-9_~-]+)*$/;
/** Maximum length of an ILP address in bytes (RFC 0027). */
export const MAX_ADDRESS_LENGTH = 1023;
/** Largest ILP packet amount (unsigned 64-bit). */
export const MAX_UINT64 = 2n ** 64n - 1n;

const HOSTNAME_PATTERN = /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

/** An id: `[a-zA-Z0-9_~-]+`. */
export function idField() {
  return z.string().regex(ID_PATTERN, 'must match [a-zA-Z0-9_~-]+ (letters, digits, _ ~ -)');
}

/** A TCP port; 0 asks the OS for a free one. */
export function portField(fallback: number) {
  return z.int().min(0).max(65535).default(fallback);
}

/** A host name or IP address to listen on or connect to. */
export function hostField(fallback: string) {
  return z
    .string()
    .refine((h) => isIP(h) !== 0 || HOSTNAME_PATTERN.test(h), 'must be an IP address or a host name')
    .default(fallback);
}

/** A positive integer count or duration. */
export function positiveInt(fallback: number) {
  return z.int().min(1).default(fallback);
}

/** A whole number of milliseconds, 0 or more. */
export function nonNegativeInt(fallback: number) {
  return z.int().min(0).default(fallback);
}

/**
 * An amount in the node's asset units: a bigint, a safe integer number or a decimal string,
 * always a `bigint` once parsed. YAML integers are read as bigints, so large ones stay exact.
 */
export function amountField(opts: { min: bigint; max?: bigint; minMessage: string }) {
  let out = z.bigint().min(opts.min, opts.minMessage);
  if (opts.max !== undefined) out = out.max(opts.max, `must be at most ${opts.max} (unsigned 64-bit)`);
  const message = 'must be a whole number of asset units (an integer, or a decimal string for large values)';
  return z
    .union([z.bigint(), z.int({ error: message }), z.string().regex(/^\d+$/, message)], { error: message })
    .transform((v) => BigInt(v))
    .pipe(out);
}

/** True when the string parses as a URL whose scheme is one of `protocols` (e.g. 'ws:'). */
export function hasProtocol(value: string, protocols: readonly string[]): boolean {
  try {
    return protocols.includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

/** A URL with one of the given schemes, e.g. `urlField(['ws:', 'wss:'])`. */
export function urlField(protocols: readonly string[]) {
  const names = protocols.map((p) => `${p}//`).join(' or ');
  return z.string().superRefine((v, ctx) => {
    const port = portOutOfRange(v);
    if (port !== undefined) ctx.addIssue({ code: 'custom', message: `port ${port} is out of range: a port is 1-65535` });
    else if (!hasProtocol(v, protocols)) ctx.addIssue({ code: 'custom', message: `must be a ${names} URL` });
  });
}

/** The port of `scheme://host:port…` when it is past 65535 (the URL parser only says "Invalid URL"). */
export function portOutOfRange(value: string): string | undefined {
  const m = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?(?:\[[^\]]*\]|[^:/?#]*):(\d+)(?:[/?#]|$)/i.exec(value);
  return m !== null && Number(m[1]) > 65535 ? m[1] : undefined;
}

/** An IPv4/IPv6 address or a CIDR block (`10.0.0.0/8`, `fd00::/8`). */
export function isIpOrCidr(value: string): boolean {
  const parts = value.split('/');
  if (parts.length > 2) return false;
  const version = isIP(parts[0]);
  if (version === 0) return false;
  if (parts.length === 1) return true;
  if (!/^\d{1,3}$/.test(parts[1])) return false;
  return Number(parts[1]) <= (version === 4 ? 32 : 128);
}

/** A list of IPs and CIDR blocks. */
export function ipListField() {
  return z.array(z.string().refine(isIpOrCidr, 'must be an IP address or a CIDR block such as 10.0.0.0/8'));
}

/** A non-empty secret string. */
export function secretField() {
  return z.string().min(1, 'must not be empty');
}

/** An EVM address: 0x and 40 hex digits. */
export const EVM_ADDRESS_PATTERN = /^0x[0-9a-fA-F]{40}$/;
/** An XRP Ledger classic address. */
export const XRPL_ADDRESS_PATTERN = /^r[1-9A-HJ-NP-Za-km-z]{24,34}$/;
/** An Aptos account address: 0x and up to 64 hex digits. */
export const APTOS_ADDRESS_PATTERN = /^0x[0-9a-fA-F]{1,64}$/;
