/**
 * Reads the config schema as data: which keys exist where, what kind of value each takes, and the
 * documentation registered on it. The env layer, the error explainer and `describeConfigKeys`
 * all walk the schema through these functions, so none keeps its own list of keys.
 */
import type { z } from 'zod';
import { type KeyMeta, keyMeta } from './fields.js';

type AnySchema = z.core.$ZodType;

/** How a key's value is read from a string (env, CLI) and shown in the docs. */
export type KeyKind = 'string' | 'number' | 'integer' | 'boolean' | 'enum' | 'amount' | 'list' | 'object' | 'array' | 'other';

/** One schema node with its wrappers (optional, default, pipe…) peeled off. */
export interface Unwrapped {
  /** The innermost schema (for an amount: the whole pipe). */
  core: AnySchema;
  kind: KeyKind;
  /** The documentation registered on any layer (outer layers win). */
  meta: Partial<KeyMeta>;
  /** The schema default, when one layer has `.default()` or `.prefault()`. */
  defaultValue?: unknown;
  hasDefault: boolean;
}

/** A documented key: a leaf of the config tree. Arrays of objects appear as `[]` segments. */
export interface KeyInfo extends Unwrapped {
  segments: string[];
  /** Inside a list item (peers[], routes[]): no generic env variable. */
  inList: boolean;
}

interface WrapperDef {
  type: string;
  innerType?: AnySchema;
  in?: AnySchema;
  defaultValue?: unknown;
  element?: AnySchema;
  shape?: Record<string, AnySchema>;
  format?: string;
}

function def(schema: AnySchema): WrapperDef {
  return schema._zod.def;
}

function kindOf(core: AnySchema, meta: Partial<KeyMeta>): KeyKind {
  if (meta.kind === 'amount') return 'amount';
  const d = def(core);
  switch (d.type) {
    case 'string':
    case 'boolean':
    case 'enum':
    case 'object':
      return d.type;
    case 'number':
      return d.format === 'safeint' || d.format === 'int32' ? 'integer' : 'number';
    case 'array':
      return unwrap(d.element as AnySchema).kind === 'object' ? 'array' : 'list';
    default:
      return 'other';
  }
}

/** Peels optional/default/prefault/pipe layers off a schema, collecting metadata and the default. */
export function unwrap(schema: AnySchema): Unwrapped {
  let s = schema;
  let meta: Partial<KeyMeta> = {};
  let hasDefault = false;
  let defaultValue: unknown;
  for (;;) {
    const m = keyMeta.get(s as z.ZodType);
    if (m) meta = { ...m, ...meta };
    const d = def(s);
    if (meta.kind === 'amount' && d.type !== 'default' && d.type !== 'optional') break;
    if (d.type === 'default' || d.type === 'prefault') {
      if (!hasDefault) defaultValue = d.defaultValue;
      hasDefault = true;
      s = d.innerType as AnySchema;
    } else if (d.type === 'optional' || d.type === 'nullable' || d.type === 'readonly' || d.type === 'nonoptional') {
      s = d.innerType as AnySchema;
    } else if (d.type === 'pipe') {
      s = d.in as AnySchema;
    } else break;
  }
  return { core: s, kind: kindOf(s, meta), meta, defaultValue, hasDefault };
}

/** The schema one step down: an object's key, or an array's element for a numeric segment. */
export function childAt(schema: AnySchema, segment: string | number): AnySchema | undefined {
  const { core, kind } = unwrap(schema);
  const d = def(core);
  if (kind === 'object' && typeof segment === 'string') {
    return Object.hasOwn(d.shape ?? {}, segment) ? d.shape?.[segment] : undefined;
  }
  if ((kind === 'array' || kind === 'list') && (typeof segment === 'number' || segment === '[]')) return d.element;
  return undefined;
}

/** The schema at a path, or undefined when the path names no key. */
export function schemaAt(root: AnySchema, path: readonly (string | number)[]): AnySchema | undefined {
  let s: AnySchema | undefined = root;
  for (const seg of path) {
    if (s === undefined) return undefined;
    s = childAt(s, seg);
  }
  return s;
}

/** The keys an object at `path` accepts, or undefined when no object lives there. */
export function objectKeysAt(root: AnySchema, path: readonly (string | number)[]): string[] | undefined {
  const s = schemaAt(root, path);
  if (s === undefined) return undefined;
  const { core, kind } = unwrap(s);
  return kind === 'object' ? Object.keys(def(core).shape ?? {}) : undefined;
}

/** Every leaf key of the schema (objects are walked into; arrays of objects as `[]`). */
export function walkKeys(root: AnySchema): KeyInfo[] {
  const out: KeyInfo[] = [];
  const visit = (schema: AnySchema, segments: string[], inList: boolean): void => {
    const u = unwrap(schema);
    if (u.kind === 'object') {
      for (const [name, child] of Object.entries(def(u.core).shape ?? {})) visit(child, [...segments, name], inList);
    } else if (u.kind === 'array') {
      visit(def(u.core).element as AnySchema, [...segments, '[]'], true);
    } else {
      out.push({ ...u, segments, inList });
    }
  };
  visit(root, [], false);
  return out;
}

/** The allowed values of an enum schema. */
export function enumValues(schema: AnySchema): string[] {
  const entries = (schema._zod.def as unknown as { entries?: Record<string, string> }).entries ?? {};
  return Object.values(entries);
}

/** The range of a number schema; `exclusiveMin` when the minimum itself is refused (`.positive()`). */
export function numberRange(schema: AnySchema): { min?: number; max?: number; exclusiveMin: boolean } {
  const n = schema as unknown as { minValue?: number | null; maxValue?: number | null };
  const checks = (schema._zod.def as unknown as { checks?: { _zod: { def: { check: string } } }[] }).checks ?? [];
  const finite = (v: number | null | undefined) =>
    v !== undefined && v !== null && Number.isFinite(v) && Math.abs(v) < Number.MAX_SAFE_INTEGER ? v : undefined;
  return {
    min: finite(n.minValue),
    max: finite(n.maxValue),
    exclusiveMin: checks.some((c) => c._zod.def.check === 'greater_than' && (c._zod.def as { inclusive?: boolean }).inclusive === false),
  };
}

/** A plain object (a YAML mapping or an object literal), not an array, Date or class instance. */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * Visits every leaf value of a config tree together with the schema at its path (undefined for
 * unknown keys). Mappings and lists are walked into unless the schema says the key is a list of
 * scalars. `transform` may return a replacement; the result is a new tree (the input is untouched).
 */
export function mapLeaves(
  value: unknown,
  root: AnySchema,
  transform: (leaf: unknown, path: (string | number)[], schema: Unwrapped | undefined) => unknown,
): unknown {
  const visit = (v: unknown, schema: AnySchema | undefined, path: (string | number)[]): unknown => {
    const u = schema === undefined ? undefined : unwrap(schema);
    const scalarKey = u !== undefined && u.kind !== 'object' && u.kind !== 'array';
    if (!scalarKey && isPlainObject(v)) {
      return Object.fromEntries(
        Object.entries(v).map(([k, child]) => [k, visit(child, schema && childAt(schema, k), [...path, k])]),
      );
    }
    if (!scalarKey && Array.isArray(v)) return v.map((child, i) => visit(child, schema && childAt(schema, i), [...path, i]));
    if (u?.kind === 'list' && Array.isArray(v)) {
      return v.map((child, i) => transform(child, [...path, i], schema && unwrapOrUndefined(childAt(schema, i))));
    }
    return transform(v, path, u);
  };
  return visit(value, root, []);
}

function unwrapOrUndefined(schema: AnySchema | undefined): Unwrapped | undefined {
  return schema === undefined ? undefined : unwrap(schema);
}
