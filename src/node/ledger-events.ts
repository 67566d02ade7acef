/**
 * The ledger's callbacks turned into node events and log lines: balances, the fail-stop fault and
 * its recovery, and settlement thresholds (also handed to the settlement engine when there is one).
 */
import type { Logger } from 'pino';
import { Ledger, LedgerError, isSpendMemo, type LedgerBackend } from '../ledger/index.js';
import { corruptionInfo, type CorruptionInfo } from '../ledger/store-signals.js';
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
    if (fault.code === 'LEDGER_CORRUPT') logger.error({ reason: fault.reason, dataDir }, 'ledger store damaged: refusing payments (T00) until a restart; see ledger salvage');
    else logger.error({ reason: fault.reason, dataDir }, 'ledger write failed: refusing payments (T00) until the store works again');
    events.emit({ type: 'ledger:fault', code: fault.code, reason: fault.reason, dataDir });
  };
  ledger.onRecovered = (info) => {
    logger.warn(info, 'ledger store reopened: losses booked, taking payments again');
    events.emit({ type: 'ledger:recovered', ...info });
  };
  if (ledger instanceof Ledger) {
    ledger.onCorrupt = (info) => reportCorrupt(info, o);
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

/** One error line and one `ledger:corrupt` event for a damaged store. */
function reportCorrupt(info: CorruptionInfo, o: { events: EventStream; logger: Logger; dataDir: string }): void {
  const { phase, file, offset, reason, copiedTo } = info;
  const what = phase === 'open' ? 'refusing to start' : phase === 'reopen' ? 'the ledger stays stopped (T00); a restart refuses it too' : 'found reading it';
  o.logger.error({ phase, file, offset, reason, copiedTo, dataDir: o.dataDir }, `ledger store damaged (LEDGER_CORRUPT): ${what}; see ledger salvage`);
  o.events.emit({ type: 'ledger:corrupt', phase, file, ...(offset !== undefined ? { offset } : {}), reason, ...(copiedTo !== undefined ? { copiedTo } : {}), dataDir: o.dataDir });
}

/**
 * A rejection handler for the ledger's open: a damaged store (LEDGER_CORRUPT) is reported as damage
 * found later is (error line, `ledger:corrupt`), then the error goes on (the start fails with it).
 */
export function ledgerOpenFailed(o: { events: EventStream; logger: Logger; dataDir: string }): (err: unknown) => never {
  return (err) => {
    if (err instanceof LedgerError && err.code === 'LEDGER_CORRUPT') reportCorrupt(corruptionInfo(err, 'open', o.dataDir), o);
    throw err;
  };
}
