import { Flags } from '@oclif/core';
import { resolve } from 'node:path';
import { appError } from '../../errors/index.js';
import { salvage, type SalvageReport } from '../../ledger/salvage.js';
import { BaseCommand } from '../../cli/base-command.js';
import { hasLedger, locateLedger } from '../../cli/ledger-access.js';
import { ledgerDirFlags } from '../../cli/ledger-command.js';
import { out, table } from '../../cli/output.js';

/** `agent-runtime ledger salvage`. */
export default class LedgerSalvage extends BaseCommand {
  static override summary = 'Rebuild a damaged ledger from its intact pages and the newest snapshot, and report the gap per account';

  static override description =
    'For a store that refuses to open (LEDGER_CORRUPT). The damaged store is copied aside untouched (ledger-damaged-<time>), a second copy ' +
    'is read: its checkpoints, its entries and every journal page whose own checksum holds; entries it lost that the newest verified snapshot ' +
    '(ledger.snapshot, <dataDir>/ledger-snapshots) holds are added back. The rebuilt ledger is written into the empty --out data directory. ' +
    'Per account: recorded (what the damaged store believed), rebuilt, and the gap between them: what to reconcile with that peer. ' +
    'Exit 0 when nothing is missing (every gap is 0), 1 when some account has a gap. Point dataDir at --out once reconciled.';

  static override examples = [
    '<%= config.bin %> ledger salvage --data-dir data/alice --out data/alice-salvaged',
    '<%= config.bin %> ledger salvage --config config.yaml --out data/rebuilt --json | jq .accounts',
  ];

  static override flags = {
    ...ledgerDirFlags,
    out: Flags.string({ description: 'An empty data directory to write the rebuilt ledger into', helpValue: '<dir>', required: true }),
  };

  async run(): Promise<SalvageReport> {
    const { flags } = await this.parse(LedgerSalvage);
    const { dataDir, database } = locateLedger(flags);
    if (database !== undefined) {
      throw appError('INVALID_ARGUMENT', {
        field: 'ledger.backend',
        reason: `is postgres (${database}): ledger salvage rebuilds a LevelDB store from its pages; PostgreSQL keeps its own write-ahead log, so restore the database from its backup (pg_restore or point-in-time recovery) instead`,
      });
    }
    if (dataDir === undefined) throw appError('INVALID_ARGUMENT', { field: '--data-dir', reason: 'is required' });
    this.errorContext = { dataDir };
    if (!hasLedger(dataDir)) throw appError('LEDGER_NOT_FOUND', { dataDir, suggestion: "Point --data-dir (or dataDir in --config) at the damaged node's data directory: the one holding ledger/." });
    const report = await salvage(dataDir, resolve(flags.out));
    const gaps = report.accounts.filter((a) => a.gap !== undefined && a.gap !== '0');
    if (!this.jsonEnabled()) {
      if (report.damage) out(`Damage: ${report.damage.file} at offset ${report.damage.offset}: ${report.damage.reason}`);
      out(`Copied aside to ${report.copiedTo}`);
      out(`Rebuilt into ${report.out}: ${report.entries.fromStore} entries from the store, ${report.entries.fromSnapshot} from ${report.snapshot ?? 'no snapshot'}, ${report.entries.pagesSkipped} damaged pages skipped`);
      for (const e of report.readErrors) out(`Read error: ${e}`);
      out(table(report.accounts.map((a) => ({ ...a, recorded: a.recorded ?? '?', gap: a.gap ?? '?' })), [
        { key: 'account', header: 'account' },
        { key: 'recorded', header: 'recorded' },
        { key: 'rebuilt', header: 'rebuilt' },
        { key: 'gap', header: 'gap' },
      ]));
      out(gaps.length === 0 ? 'No gap: every account rebuilt to its recorded balance.' : `GAP on ${gaps.length} account(s): reconcile them with the peers before pointing dataDir at ${report.out}.`);
    }
    return this.finish(report, gaps.length === 0 && report.readErrors.length === 0 ? 0 : 1);
  }
}
