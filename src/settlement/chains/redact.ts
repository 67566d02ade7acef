/**
 * A chain endpoint (RPC, rippled WebSocket, Aptos REST URL) fit for a log line or an error: scheme and
 * host only. Hosted endpoints put their API key in the path or the query (…/v2/<key>), and that is as
 * secret as the wallet key.
 */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname.length > 1 || u.search !== '' ? '/…' : ''}`;
  } catch {
    return '(an unparsable URL)';
  }
}
