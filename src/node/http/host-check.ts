/**
 * Which Host headers a listener answers (DNS rebinding defence). A page on evil.example whose name
 * is made to resolve to 127.0.0.1 reaches a loopback listener with `Host: evil.example`: refusing
 * every name that is not ours keeps any web page from driving the node through the victim's browser.
 *
 * - bound to loopback: loopback names (`localhost`, 127.x.x.x, ::1), the bound address, `allowedHosts`;
 * - bound elsewhere: the machine's interface addresses (loopback included), `localhost`, the bound
 *   address, `allowedHosts` (a reverse proxy's public name).
 *
 * `allowedHosts` entries are exact names or addresses, or `*.domain` for any subdomain of domain.
 */
import { networkInterfaces } from 'node:os';
import { isIP } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { isLoopbackHost } from '../../config/index.js';
import { appError } from '../../errors/index.js';
import type { SecurityStats } from './security-stats.js';

export interface HostPolicy {
  /** True when a request with this Host header may be answered (undefined: refused). */
  allows(hostHeader: string | undefined): boolean;
}

/** The name of a Host header: lower case, without port, IPv6 brackets or a trailing dot. */
export function hostnameOf(header: string): string {
  let h = header.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    h = end < 0 ? h.slice(1) : h.slice(1, end);
  } else if (isIP(h) !== 6) {
    const colon = h.lastIndexOf(':');
    if (colon >= 0) h = h.slice(0, colon);
  }
  return h.endsWith('.') ? h.slice(0, -1) : h;
}

const WILDCARD_BINDS = new Set(['0.0.0.0', '::', '[::]', '']);
/** Interface addresses are read again on a miss at most this often (ms): addresses change (DHCP). */
const INTERFACE_REFRESH_MS = 5000;

function interfaceAddresses(): Set<string> {
  const out = new Set<string>();
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) out.add(a.address.toLowerCase().split('%')[0]);
  }
  return out;
}

/** Builds the Host check of a listener bound to `bound` (as configured: an address or a name). */
export function createHostPolicy(bound: string, allowedHosts: readonly string[] = []): HostPolicy {
  const exact = new Set<string>();
  const suffixes: string[] = [];
  for (const a of allowedHosts) {
    const h = hostnameOf(a);
    if (h.startsWith('*.')) suffixes.push(h.slice(1));
    else exact.add(h);
  }
  const b = hostnameOf(bound);
  if (!WILDCARD_BINDS.has(b)) exact.add(b);
  exact.add('localhost');
  const loopbackOnly = isLoopbackHost(b);
  let ifaces = loopbackOnly ? new Set<string>() : interfaceAddresses();
  let readAt = Date.now();

  const named = (h: string): boolean => {
    if (exact.has(h) || (loopbackOnly && isLoopbackHost(h))) return true;
    for (const s of suffixes) if (h.endsWith(s) && h.length > s.length) return true;
    return false;
  };

  return {
    allows(header) {
      if (header === undefined || header === '') return false;
      const h = hostnameOf(header);
      if (named(h)) return true;
      if (loopbackOnly || isIP(h) === 0) return false;
      if (ifaces.has(h)) return true;
      if (Date.now() - readAt < INTERFACE_REFRESH_MS) return false;
      ifaces = interfaceAddresses();
      readAt = Date.now();
      return ifaces.has(h);
    },
  };
}

/** The message of a refused Host, the same on every listener. */
export function hostRefusedMessage(listener: string, header: string | undefined): string {
  const shown = header === undefined ? '(none)' : JSON.stringify(header.slice(0, 100));
  return `Host header ${shown} is not a name of this ${listener}: add it to security.allowedHosts if a proxy or DNS name serves this node`;
}

/**
 * Refuses (403 FORBIDDEN) any request whose Host header `policy` does not allow. Install it first,
 * before auth: a request for another name is not for us, whatever key it carries.
 */
export function installHostCheck(app: FastifyInstance, policy: HostPolicy, listener: string, stats?: SecurityStats): void {
  app.addHook('onRequest', (request, _reply, done) => {
    const host = request.headers.host;
    if (policy.allows(host)) {
      done();
      return;
    }
    if (stats) stats.hostRefused++;
    done(
      appError('FORBIDDEN', {
        message: hostRefusedMessage(listener, host),
        suggestion: 'Call the node by 127.0.0.1 / localhost / its own address, or list the name in security.allowedHosts.',
      }),
    );
  });
}
