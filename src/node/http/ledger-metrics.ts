/**
 * The ledger's storage-fault metrics, read from the ledger when Prometheus scrapes (nothing is counted
 * on the packet path): whether it refuses payments (fail-stop), damage found, torn log tails dropped
 * at open, the side journal's packets waiting and booked, reopen attempts. The store counters come
 * from the LevelDB ledger (`Ledger.signals`); another backend reports the fail-stop gauge only.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { LedgerBackend } from '../../ledger/index.js';
import type { StoreSignalCounts } from '../../ledger/store-signals.js';

export function registerLedgerMetrics(registry: Registry, ledger: () => LedgerBackend | undefined): void {
  const signals = (): StoreSignalCounts | undefined => (ledger() as { signals?: StoreSignalCounts } | undefined)?.signals;
  const counter = (name: string, help: string, read: (s: StoreSignalCounts) => number) =>
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        const s = signals();
        this.reset();
        if (s !== undefined) this.inc(read(s));
      },
    });
  new Gauge({
    name: 'ilp_ledger_faulted',
    help: '1 while the ledger refuses payments (a write failed, or the store reopened damaged): T00 before forwarding.',
    registers: [registry],
    collect() {
      this.set(ledger()?.fault === undefined ? 0 : 1);
    },
  });
  new Counter({
    name: 'ilp_ledger_corruptions_total',
    help: 'Damage found in the ledger store (LEDGER_CORRUPT), by where: reopen (after a failed write), read (a journal page failing its checksum in verify, export or folding). Damage at open stops the start instead.',
    labelNames: ['phase'],
    registers: [registry],
    collect() {
      const s = signals();
      this.reset();
      if (s === undefined) return;
      for (const [phase, n] of Object.entries(s.corruptions)) this.inc({ phase }, n);
    },
  });
  new Gauge({
    name: 'ilp_ledger_corruption_info',
    help: 'The newest damage found in the ledger store: 1, with the file and byte offset (-1: not known) as labels.',
    labelNames: ['phase', 'file', 'offset'],
    registers: [registry],
    collect() {
      const c = signals()?.lastCorruption;
      this.reset();
      if (c !== undefined) this.set({ phase: c.phase, file: c.file, offset: String(c.offset ?? -1) }, 1);
    },
  });
  counter('ilp_ledger_torn_tails_total', 'Torn final log records (writes never acknowledged) dropped when the store opened or reopened.', (s) => s.tornTails);
  new Gauge({
    name: 'ilp_ledger_side_journal_pending',
    help: 'Packets in the side journal not booked yet: paid downstream, rejected upstream while the store failed.',
    registers: [registry],
    collect() {
      this.set(signals()?.sidePending ?? 0);
    },
  });
  counter('ilp_ledger_side_journal_replayed_total', 'Side journal packets booked as loss entries (at open or after a reopen).', (s) => s.sideReplayed);
  counter('ilp_ledger_reopen_attempts_total', 'Times the stopped ledger tried to reopen its store.', (s) => s.reopenAttempts);
  counter('ilp_ledger_reopen_failures_total', 'Reopen attempts that failed (the store still refuses writes, or is damaged).', (s) => s.reopenFailures);
}
