/**
 * The one-line notice `start` and `validate` show about defaults that changed in this release, so
 * an operator upgrading in place learns of them before a peer or a script trips over one. Each
 * item names the key that brings the old behaviour back; CHANGELOG.md "Upgrading" has the details.
 */
export const CHANGED_DEFAULTS: readonly string[] = [
  'Host headers are checked on every listener (security.allowedHosts)',
  'the explorer send form is off (explorer.allowSend)',
  'at most 1024 Prepares and 8 MiB of data in flight per peer (performance.maxInFlightPerPeer, maxInFlightBytesPerPeer)',
  'a library ConnectorNode opens no admin API unless configured; agent-runtime start still does (adminApi.enabled)',
];

/** The notice as one line. */
export function upgradeNotice(): string {
  return `Changed defaults in this release: ${CHANGED_DEFAULTS.join('; ')}. See CHANGELOG.md "Upgrading".`;
}
