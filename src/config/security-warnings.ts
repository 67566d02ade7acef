/**
 * Warnings about a valid config that weakens a security default: a listener reachable from other
 * machines with no `security.allowedHosts` (a proxy's public name would be refused), a secret
 * inside a peer URL (it belongs in `authToken`), an in-flight cap switched off.
 */
import { httpListenerOn, isLoopbackHost } from './rules.js';
import { urlHasCredentials } from './url-secrets.js';
import type { NodeConfig } from './schema.js';

export function securityWarnings(config: NodeConfig): string[] {
  const out: string[] = [];
  const listeners: [string, string][] = [
    ['btpServerHost', config.btpServerHost],
    ['healthCheckHost', config.healthCheckHost],
  ];
  if (config.adminApi.enabled) listeners.push(['adminApi.host', config.adminApi.host]);
  if (config.explorer.enabled) listeners.push(['explorer.host', config.explorer.host]);
  if (httpListenerOn(config)) listeners.push(['http.host', config.http.host]);
  const wide = listeners.filter(([, host]) => !isLoopbackHost(host));
  if (wide.length > 0 && config.security.allowedHosts.length === 0) {
    out.push(
      `${wide.map(([k, h]) => `${k} (${h})`).join(', ')} listen beyond loopback and security.allowedHosts is empty: ` +
        "only this machine's own addresses are accepted as Host; behind a reverse proxy or a DNS name, list that name in security.allowedHosts",
    );
  }
  config.peers.forEach((p, i) => {
    if (p.url !== undefined && urlHasCredentials(p.url)) {
      out.push(`peers[${i}].url (${p.id}) carries credentials (user:password@ or a token parameter): put the secret in peers[${i}].authToken (BTP_PEER_<ID>_SECRET) instead; it is redacted wherever the URL is shown`);
    }
  });
  if (config.performance.maxInFlightPerPeer === 0) {
    out.push('performance.maxInFlightPerPeer is 0 (no limit): one peer can hold unbounded memory with Prepares it never lets expire; the default is 1024');
  }
  if (config.performance.maxInFlightBytesPerPeer === 0) {
    out.push('performance.maxInFlightBytesPerPeer is 0 (no limit): one peer can pin memory with large Prepares; the default is 8 MiB');
  }
  const keyed = config.adminApi.apiKey !== undefined || (config.adminApi.keys ?? []).length > 0;
  if (config.explorer.allowSend && config.security.environment === 'production') {
    out.push('explorer.allowSend is ignored: security.environment is production, where the explorer never sends (use the admin API or the CLI)');
  } else if (config.explorer.enabled && config.explorer.allowSend && !keyed) {
    out.push('explorer.allowSend is on and the admin API has no key: any local process or page that reaches the explorer can send money');
  }
  if (config.explorer.allowApprove && config.security.environment === 'production') {
    out.push('explorer.allowApprove is ignored: security.environment is production, where the explorer never approves (use the admin API or the CLI)');
  } else if (config.explorer.enabled && config.explorer.allowApprove && !keyed) {
    out.push('explorer.allowApprove is on and the admin API has no key: any local process or page that reaches the explorer can approve waiting payments');
  }
  return out;
}
