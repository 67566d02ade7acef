/**
 * Secrets inside URLs (`ws://user:pass@host`, `?token=…`): found, and blanked wherever a URL is shown
 * (admin API, CLI, explorer, logs). The secret of a BTP peer belongs in its `authToken`.
 */

/** Query parameter names that carry a secret. */
export const SECRET_PARAM = /token|secret|password|passwd|pwd|key|auth|sig|credential/i;

const MASK = '***';

/** True when a URL carries a user name, a password or a secret-looking query parameter. */
export function urlHasCredentials(url: string): boolean {
  return redactUrl(url) !== url;
}

/** The URL with its user info and secret query values replaced by `***` (unparseable: its scheme and `***`). */
export function redactUrl(url: string): string;
export function redactUrl(url: string | undefined): string | undefined;
export function redactUrl(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    // not a URL we can read: show nothing of what could be a secret
    return /@|[?&]/.test(url) ? `${url.split(':')[0]}:${MASK}` : url;
  }
  let changed = false;
  if (u.username !== '' || u.password !== '') {
    u.username = MASK;
    u.password = '';
    changed = true;
  }
  for (const name of [...u.searchParams.keys()]) {
    if (SECRET_PARAM.test(name)) {
      u.searchParams.set(name, MASK);
      changed = true;
    }
  }
  return changed ? u.toString().replace(/%2A%2A%2A/g, MASK) : url;
}

/** `text` with every secret part of `url` (user info, password, secret query values) replaced by `***`. */
export function redactSecretsOf(text: string, url: string | undefined): string {
  if (url === undefined) return text;
  let out = text.split(url).join(redactUrl(url));
  try {
    const u = new URL(url);
    const secrets = [u.password, u.username, ...[...u.searchParams.entries()].filter(([k]) => SECRET_PARAM.test(k)).map(([, v]) => v)];
    for (const s of secrets) {
      if (s.length < 3) continue;
      out = out.split(s).join(MASK);
      const decoded = safeDecode(s);
      if (decoded !== s && decoded.length >= 3) out = out.split(decoded).join(MASK);
    }
  } catch {
    // unparseable: only the whole URL was replaced
  }
  return out;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
