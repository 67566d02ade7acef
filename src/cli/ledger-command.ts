/**
 * The base of `ledger verify` and `ledger export`: --data-dir / --config name the data directory,
 * --url / --api-key the node to ask when a running node holds it (see ledger-access.ts).
 */
import { Flags } from '@oclif/core';
import { AdminCommand } from './admin-command.js';
import { closeLedger, connectLedger, locateLedger, type LedgerDirFlags, type LedgerSource } from './ledger-access.js';

/** Reading a whole ledger through the admin API can take a while on a large journal (ms). */
const LEDGER_REQUEST_TIMEOUT_MS = 120_000;

/** --data-dir and --config, shared with `ledger import`. */
export const ledgerDirFlags = {
  'data-dir': Flags.string({
    description: "The node's data directory (its ledger is <dir>/ledger) [default: dataDir of --config, else of the config `start` would use]",
    helpValue: '<dir>',
    exclusive: ['config'],
  }),
  config: Flags.string({ char: 'c', description: 'Take the data directory from this config file (dataDir)', helpValue: '<path>' }),
};

export abstract class LedgerCommand extends AdminCommand {
  static override baseFlags = { ...AdminCommand.baseFlags, ...ledgerDirFlags };

  /**
   * Runs `fn` on the ledger: opened directly when no process holds it, else through the node's admin
   * API. A directly opened ledger is closed afterwards.
   */
  protected async withLedger<T>(flags: LedgerDirFlags & { 'api-key'?: string }, fn: (source: LedgerSource) => Promise<T>): Promise<T> {
    const location = locateLedger(flags);
    this.errorContext = { dataDir: location.dataDir };
    const source = await connectLedger(location, () => this.client(flags, LEDGER_REQUEST_TIMEOUT_MS));
    try {
      return await fn(source);
    } finally {
      await closeLedger(source);
    }
  }
}

/** Names where a ledger was read: the data directory, and the node asked when one was. */
export function describeSource(source: { via: LedgerSource['via']; dataDir?: string; database?: string; url?: string }): string {
  if (source.via === 'data-dir') return source.database !== undefined ? `the PostgreSQL ledger at ${source.database}` : (source.dataDir ?? '');
  return source.dataDir === undefined ? `the node at ${source.url}` : `${source.dataDir} (through the node at ${source.url})`;
}
