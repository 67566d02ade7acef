/**
 * Admin API access control, in this order for every request:
 * 1. IP allowlist (when configured): 403 Forbidden, for every path, `/health` included;
 * 2. `GET /health` is public from here on;
 * 3. an API key in the query string is refused (401) whether or not a key is configured: keys in URLs
 *    end up in proxy logs and shell history;
 * 4. with an apiKey configured, the `X-Api-Key` header must match: 401 Unauthorized. Unknown paths
 *    need the key too, so the 404s of an unauthenticated caller reveal nothing.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { appError } from '../../errors/index.js';
import { createIpAllowlist } from './ip-allowlist.js';

export interface AdminAuthOptions {
  apiKey?: string;
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
  const keyMatches = opts.apiKey !== undefined && opts.apiKey !== '' ? createKeyMatcher(opts.apiKey) : undefined;
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
    if (keyMatches === undefined) return undefined;
    const header = request.headers['x-api-key'];
    if (!keyMatches(typeof header === 'string' ? header : undefined)) {
      log.debug({ ip: request.socket.remoteAddress, keyPresent: header !== undefined }, 'admin request with a missing or wrong API key');
      return appError('UNAUTHORIZED');
    }
    return undefined;
  }
}
