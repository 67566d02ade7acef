/**
 * Admin API access control, in this order for every request:
 * 1. IP allowlist (when configured): 403 Forbidden, for every path, `/health` included;
 * 2. `GET /health` is public from here on;
 * 3. an API key in the query string is refused (401) whether or not a key is configured: keys in URLs
 *    end up in proxy logs and shell history;
 * 4. with an apiKey or scoped keys configured, the `X-Api-Key` header must match one: 401 Unauthorized.
 *    Unknown paths need a key too, so the 404s of an unauthenticated caller reveal nothing;
 * 5. an address with repeated key failures is slowed: after FREE_FAILURES failures each further one
 *    locks it out (429, Retry-After) for twice as long as the last, up to MAX_LOCK_MS; while locked
 *    even the right key is refused, so guessing costs time whatever the guess. The address is the
 *    socket's, or X-Forwarded-For's only with `security.trustProxy`;
 * 6. the key must hold the route's scope (src/agents/scopes.ts): 403 SCOPE_DENIED naming the scope.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { appError, type AppError } from '../../errors/index.js';
import type { SecurityStats } from './security-stats.js';
import { createIpAllowlist } from './ip-allowlist.js';
import { allows, createKeyRing, requiredScope, setCaller, type AdminKey } from '../../agents/scopes.js';

export interface AdminAuthOptions {
  apiKey?: string;
  /** Scoped keys (adminApi.keys); apiKey has every scope. */
  keys?: readonly AdminKey[];
  allowedIps?: readonly string[];
  logger: Logger;
  /** Counts key failures and lockouts for /metrics. */
  stats?: SecurityStats;
}

/** Key failures an address may make before it is slowed. */
export const FREE_FAILURES = 20;
/** The first lockout (ms); each further failure doubles it. */
const FIRST_LOCK_MS = 1000;
const MAX_LOCK_MS = 60_000;
/** An address with no failure for this long starts again from zero (ms). */
const FORGET_MS = 10 * 60_000;
/** Addresses remembered at most (oldest forgotten first), so a spray of addresses cannot grow memory. */
const MAX_ADDRESSES = 10_000;

interface Failures {
  count: number;
  lastAt: number;
  lockedUntil: number;
}

/** Per-address key failures and lockouts (the "slowed" of step 5). */
export class KeyFailureLimiter {
  private readonly byAddress = new Map<string, Failures>();

  /** ms until `address` may try again (0: now). */
  lockedFor(address: string, now = Date.now()): number {
    const f = this.byAddress.get(address);
    return f === undefined ? 0 : Math.max(0, f.lockedUntil - now);
  }

  /** Records a failure; returns the lockout it earned (ms, 0 for the first FREE_FAILURES). */
  fail(address: string, now = Date.now()): number {
    let f = this.byAddress.get(address);
    if (f === undefined || now - f.lastAt > FORGET_MS) {
      f = { count: 0, lastAt: now, lockedUntil: 0 };
      if (this.byAddress.size >= MAX_ADDRESSES) this.byAddress.delete(this.byAddress.keys().next().value!);
    }
    this.byAddress.delete(address);
    this.byAddress.set(address, f);
    f.count++;
    f.lastAt = now;
    if (f.count <= FREE_FAILURES) return 0;
    const lock = Math.min(MAX_LOCK_MS, FIRST_LOCK_MS * 2 ** Math.min(16, f.count - FREE_FAILURES - 1));
    f.lockedUntil = now + lock;
    return lock;
  }

  succeed(address: string): void {
    this.byAddress.delete(address);
  }
}

/** Query parameter names that carry an API key by mistake (compared case-insensitively). */
const KEY_PARAMS = new Set(['apikey', 'api_key', 'api-key', 'x-api-key']);

const sha256 = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/**
 * Constant-time key check by construction: both sides are SHA-256 digests (32 bytes whatever the
 * key's length or content) before `equal` (timingSafeEqual) compares them, and it is called once per
 * check, a missing key included. `equal` is a parameter so a test can see what it is given.
 */
export function createKeyMatcher(
  apiKey: string,
  equal: (a: Buffer, b: Buffer) => boolean = timingSafeEqual,
): (given: string | undefined) => boolean {
  const expected = sha256(apiKey);
  return (given) => {
    const actual = sha256(given ?? '');
    // Compare even when the header is missing, so a missing key takes as long as a wrong one.
    return equal(actual, expected) && given !== undefined;
  };
}

/** True for the one route that needs no key. */
function isPublic(request: FastifyRequest): boolean {
  return request.routeOptions.url === '/health' && (request.method === 'GET' || request.method === 'HEAD');
}

function hasKeyInQuery(url: string): boolean {
  const q = url.indexOf('?');
  if (q < 0) return false;
  for (const name of new URLSearchParams(url.slice(q + 1)).keys()) if (KEY_PARAMS.has(name.toLowerCase())) return true;
  return false;
}

/** Installs the onRequest hook on the root instance, so routes added later by plugins are covered too. */
export function installAdminAuth(app: FastifyInstance, opts: AdminAuthOptions): void {
  const allowlist = createIpAllowlist(opts.allowedIps);
  const identify = createKeyRing(opts.apiKey, opts.keys);
  const log = opts.logger;
  const limiter = new KeyFailureLimiter();

  app.addHook('onRequest', (request, reply, done) => {
    const err = check(request);
    if (err !== undefined && err.code === 'TOO_MANY_AUTH_FAILURES') void reply.header('retry-after', String(err.details.retryAfter));
    done(err);
  });

  /** undefined when the request may go on, else the error to answer with. */
  function check(request: FastifyRequest): AppError | undefined {
    if (!allowlist.allows(request.socket.remoteAddress)) {
      log.debug({ ip: request.socket.remoteAddress }, 'admin request from an address not in allowedIps');
      return appError('FORBIDDEN');
    }
    if (isPublic(request)) return undefined;
    if (hasKeyInQuery(request.url)) {
      return appError('API_KEY_IN_QUERY', { message: 'API keys are not accepted in the query string: send the X-Api-Key header instead' });
    }
    if (identify === undefined) return undefined;
    const ip = request.ip;
    const locked = limiter.lockedFor(ip);
    if (locked > 0) {
      if (opts.stats) opts.stats.apiKeyThrottled++;
      return appError('TOO_MANY_AUTH_FAILURES', { retryAfter: Math.ceil(locked / 1000) });
    }
    const header = request.headers['x-api-key'];
    const caller = identify(typeof header === 'string' ? header : undefined);
    if (caller === undefined) {
      if (opts.stats) opts.stats.apiKeyFailures++;
      const lock = limiter.fail(ip);
      if (lock > 0) log.warn({ ip, lockMs: lock }, 'repeated wrong admin API keys from one address: slowed');
      else log.debug({ ip, keyPresent: header !== undefined }, 'admin request with a missing or wrong API key');
      return appError('UNAUTHORIZED');
    }
    limiter.succeed(ip);
    const scope = requiredScope(request);
    if (!allows(caller, scope)) {
      log.debug({ key: caller.name, scope, path: request.routeOptions.url }, 'admin request outside its key scopes');
      return appError('SCOPE_DENIED', { key: caller.name, scope, route: `${request.method} ${request.routeOptions.url ?? '(unknown path)'}` });
    }
    setCaller(request, caller);
    return undefined;
  }
}
