/**
 * Scoped admin keys: who is calling, and whether the route they call is within their scopes.
 *
 * A route declares its scope in its fastify route config (`{ config: { scope: 'send' } }`); a route
 * that declares none needs `read` for GET/HEAD and `admin` for everything else, so a route added
 * without thought is closed to every key but the operator's. `admin` includes every other scope;
 * `send` does not include `read` (give the MCP server both).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { SCOPES, type Scope } from '../config/schema-agents.js';

export { SCOPES, type Scope };

/** A configured key, resolved. */
export interface AdminKey {
  readonly name: string;
  readonly key: string;
  readonly scopes: readonly Scope[];
}

/** The caller a key identifies. */
export interface Caller {
  readonly name: string;
  readonly scopes: ReadonlySet<Scope>;
}

/** The fastify route config field that declares a route's scope. */
export interface ScopeRouteConfig {
  scope?: Scope;
}

const sha256 = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** The single `apiKey` is the operator's: it has every scope. */
export const OPERATOR = 'apiKey';

/**
 * Builds the key ring of an admin server; undefined when no key is configured (then every request
 * is the operator's, as on a loopback node without keys).
 */
export function createKeyRing(
  apiKey: string | undefined,
  keys: readonly AdminKey[] | undefined,
  /** the comparison; a parameter so a test can check it only ever sees two 32-byte digests */
  equal: (a: Buffer, b: Buffer) => boolean = timingSafeEqual,
): ((given: string | undefined) => Caller | undefined) | undefined {
  const all: AdminKey[] = [...(keys ?? [])];
  if (apiKey !== undefined && apiKey !== '') all.push({ name: OPERATOR, key: apiKey, scopes: ['admin'] });
  if (all.length === 0) return undefined;
  const ring = all.map((k) => ({ digest: sha256(k.key), caller: { name: k.name, scopes: new Set(k.scopes) } }));
  return (given) => {
    // Every key is compared, hashed first, so neither which key matched nor any key's length leaks through timing.
    const actual = sha256(given ?? '');
    let found: Caller | undefined;
    for (const k of ring) if (equal(actual, k.digest) && found === undefined) found = k.caller;
    return given === undefined ? undefined : found;
  };
}

/** The scope a request needs: the route's declared scope, else read for GET/HEAD and admin otherwise. */
export function requiredScope(request: FastifyRequest): Scope {
  const declared = (request.routeOptions.config as ScopeRouteConfig | undefined)?.scope;
  if (declared !== undefined) return declared;
  return request.method === 'GET' || request.method === 'HEAD' ? 'read' : 'admin';
}

/** True when the caller holds `scope` (admin holds all). */
export function allows(caller: Caller, scope: Scope): boolean {
  return caller.scopes.has('admin') || caller.scopes.has(scope);
}

const callers = new WeakMap<FastifyRequest, Caller>();

/** Remembers who made a request (set by the auth hook). */
export function setCaller(request: FastifyRequest, caller: Caller): void {
  callers.set(request, caller);
}

/** Who made a request: the key's name, or the operator when the server has no keys. */
export function callerOf(request: FastifyRequest): Caller {
  return callers.get(request) ?? { name: OPERATOR, scopes: new Set(SCOPES) };
}
