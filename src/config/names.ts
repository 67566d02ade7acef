/**
 * How config keys are named outside the schema: environment variable names and printed paths.
 *
 * Env mapping: a non-secret key at path `a.bC.dE` is set by `AGENT_RUNTIME_A_B_C_D_E`: the
 * segments are joined by `_`, camelCase is split into words, and all is upper-cased
 * (`btpServerPort` → `AGENT_RUNTIME_BTP_SERVER_PORT`, `adminApi.port` → `AGENT_RUNTIME_ADMIN_API_PORT`,
 * `performance.maxHoldTimeMs` → `AGENT_RUNTIME_PERFORMANCE_MAX_HOLD_TIME_MS`). Keys inside lists
 * (peers, routes) have no variable. Secrets have fixed names: `AGENT_RUNTIME_API_KEY`,
 * `AGENT_RUNTIME_EVM_PRIVATE_KEY`, `AGENT_RUNTIME_XRPL_SEED`, `AGENT_RUNTIME_APTOS_PRIVATE_KEY`,
 * `AGENT_RUNTIME_LOCAL_DELIVERY_AUTH_TOKEN` and `BTP_PEER_<ID>_SECRET` per peer.
 */

/** Prefix of every generic config variable. */
export const ENV_PREFIX = 'AGENT_RUNTIME_';
/** Names the config file when no path is given. */
export const CONFIG_PATH_ENV = 'AGENT_RUNTIME_CONFIG';
/** Variables with the prefix that are not config keys (read by other parts of the program). */
export const NON_KEY_ENV: readonly string[] = [CONFIG_PATH_ENV, 'AGENT_RUNTIME_URL'];

/** `maxHoldTimeMs` → `MAX_HOLD_TIME_MS`; `allowedIPs` → `ALLOWED_IPS`. */
export function screamingSnake(segment: string): string {
  return segment
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z]{2,})/g, '$1_$2')
    .toUpperCase();
}

/** The generic variable of a key path: `['adminApi', 'port']` → `AGENT_RUNTIME_ADMIN_API_PORT`. */
export function envNameForPath(segments: readonly string[]): string {
  return ENV_PREFIX + segments.map(screamingSnake).join('_');
}

/**
 * The variable that holds a peer's BTP secret: `BTP_PEER_<ID>_SECRET` with the id upper-cased and
 * `-` and `~` turned into `_` (`peer-b` → `BTP_PEER_PEER_B_SECRET`). Ids that differ only in case
 * or in `-`/`~`/`_` share a variable, which the schema rejects.
 */
export function peerSecretEnvName(id: string): string {
  return `BTP_PEER_${id.toUpperCase().replace(/[-~]/g, '_')}_SECRET`;
}

/** Prints a key path: `['peers', 0, 'id']` → `peers[0].id`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? String(seg) : `.${String(seg)}`;
  }
  return out;
}
