/**
 * Admin API access control, in this order for every request:
 * 1. IP allowlist (when configured): 403 Forbidden, for every path, `/health` included;
 * 2. `GET /health` is public from here on;
 * 3. an API key in the query string is refused (401) whether or not a key is configured: keys in URLs
 *    end up in proxy logs and shell history;
 * 4. with an apiKey or scoped keys configured, the `X-Api-Key` header must match one: 401 Unauthorized.
 *    Unknown paths need a key too, so the 404s of an unauthenticated caller reveal nothing;
 * 5. the key must hold the route's scope (src/agents/scopes.ts): 403 SCOPE_DENIED naming the scope.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { appError } from '../../errors/index.js';
import { createIpAllowlist } from './ip-allowlist.js';
import { allows, createKeyRing, requiredScope, setCaller, type AdminKey } from '../../agents/scopes.js';

export interface AdminAuthOptions {
  apiKey?: string;
  /** Scoped keys (adminApi.keys); apiKey has every scope. */
  keys?: readonly AdminKey[];
  allowedIps?: readonly string[];
  logger: Logger;
}

/** Query parameter names that carry an API key by mistake (compared case-insensitively). */
const KEY_PARAMS = new Set(['apikey', 'api_key', 'api-key', 'x-api-key']);

const sha256 = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/**
 * Constant-time key check: both sides are hashed first, so neither the content nor the length of the
 * configured key leaks through timing.
 */
export function createKeyMatcher(apiKey: string): (given: string | undefined) => boolean {
  const expected = sha256(apiKey);
  return (given) => {
    const actual = sha256(given ?? '');
    // Compare even when the header is missing, so a missing key takes as long as a wrong one.
    return timingSafeEqual(actual, expected) && given !== undefined;
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

  app.addHook('onRequest', (request, _reply, done) => {
    done(check(request));
  });

  /** undefined when the request may go on, else the error to answer with. */
  function check(request: FastifyRequest): Error | undefined {
    if (!allowlist.allows(request.socket.remoteAddress)) {
      log.debug({ ip: request.socket.remoteAddress }, 'admin request from an address not in allowedIps');
      return appError('FORBIDDEN');
    }
    if (isPublic(request)) return undefined;
    if (hasKeyInQuery(request.url)) {
      return appError('API_KEY_IN_QUERY', { message: 'API keys are not accepted in the query string: send the X-Api-Key header instead' });
    }
    if (identify === undefined) return undefined;
    const header = request.headers['x-api-key'];
    const caller = identify(typeof header === 'string' ? header : undefined);
    if (caller === undefined) {
      log.debug({ ip: request.socket.remoteAddress, keyPresent: header !== undefined }, 'admin request with a missing or wrong API key');
      return appError('UNAUTHORIZED');
    }
    const scope = requiredScope(request);
    if (!allows(caller, scope)) {
      log.debug({ key: caller.name, scope, path: request.routeOptions.url }, 'admin request outside its key scopes');
      return appError('SCOPE_DENIED', { key: caller.name, scope, route: `${request.method} ${request.routeOptions.url ?? '(unknown path)'}` });
    }
    setCaller(request, caller);
    return undefined;
  }
}
