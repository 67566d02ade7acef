/**
 * The ledger's callbacks turned into node events and log lines: balances, the fail-stop fault and
 * its recovery, and settlement thresholds (also handed to the settlement engine when there is one).
 */
import type { Logger } from 'pino';
import { Ledger, isSpendMemo, type LedgerBackend } from '../ledger/index.js';
import type { EventStream } from './events.js';
import type { SettlementModule } from './ports.js';

/** Connects `ledger`'s callbacks; `settlement` is read at each call (it starts after the ledger). */
export function wireLedgerEvents(ledger: LedgerBackend, o: { events: EventStream; logger: Logger; dataDir: string; settlement(): SettlementModule | undefined }): void {
  const { events, logger, dataDir } = o;
  ledger.onBalanceChanged = (changes) => {
    if (!events.active) return;
    for (const [account, balance] of changes) if (!isSpendMemo(account)) events.emit({ type: 'balance:changed', account, balance: balance.toString() });
  };
  ledger.onFault = (fault) => {
    logger.error({ reason: fault.reason, dataDir }, 'ledger write failed: refusing payments (T00) until the store works again');
    events.emit({ type: 'ledger:fault', reason: fault.reason, dataDir });
  };
  ledger.onRecovered = (info) => {
    logger.warn(info, 'ledger store reopened: losses booked, taking payments again');
    events.emit({ type: 'ledger:recovered', ...info });
  };
  if (ledger instanceof Ledger) {
    // scheduled snapshots (ledger.snapshot) are the LevelDB store's
    ledger.snapshotHooks = {
      written: (info) => logger.info(info, 'ledger snapshot written'),
      failed: (err) => logger.error({ err, dataDir }, 'ledger snapshot failed'),
    };
  }
  ledger.onSettlementRequired = (peerId, owed, threshold) => {
    events.emit({ type: 'settlement:required', peerId, owed: owed.toString(), threshold: threshold.toString() });
    o.settlement()?.onSettlementRequired(peerId, owed, threshold);
  };
}
