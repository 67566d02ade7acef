import { Flags } from '@oclif/core';
import type { LedgerSnapshot } from '../../ledger/index.js';
import { LedgerCommand, describeSource } from '../../cli/ledger-command.js';
import { writePrivateFile } from '../../cli/ledger-files.js';
import { out } from '../../cli/output.js';

/** What `ledger export --output <file> --json` prints (without --output: the snapshot itself). */
export interface LedgerExportResult {
  file: string;
  via: 'data-dir' | 'admin-api';
  dataDir?: string;
  /** With `ledger.backend: postgres`, read directly: the database, password masked. */
  database?: string;
  url?: string;
  exportedAt: string;
  balances: number;
  checkpoints: number;
  journalEntries: number;
}

/** `agent-runtime ledger export`. */
export default class LedgerExport extends LedgerCommand {
  static override summary = 'Write the ledger (balances, checkpoints, journal) as a JSON snapshot';

  static override description =
    'Write the balances, the checkpoints older entries were folded into and the journal still inside the retention window as one JSON ' +
    'snapshot, for backups and inspection; `ledger import` restores it. To stdout, or to --output (created with mode 600).\n' +
    'Opens the data directory directly when no process holds it; while a node runs with it, asks that node through its admin API (--url).';

  static override examples = [
    '<%= config.bin %> ledger export --data-dir data/alice --output alice-ledger.json',
    '<%= config.bin %> ledger export --url http://127.0.0.1:8081 | jq .balances',
  ];

  static override flags = {
    output: Flags.string({ char: 'o', description: 'Write the snapshot to this file (mode 600) instead of stdout', helpValue: '<file>' }),
  };

  async run(): Promise<LedgerSnapshot | LedgerExportResult> {
    const { flags } = await this.parse(LedgerExport);
    const { snapshot, where } = await this.withLedger(flags, async (source) => ({
      snapshot: source.via === 'data-dir' ? await source.ledger.exportSnapshot() : await source.client.get<LedgerSnapshot>('/admin/ledger/export'),
      where: { via: source.via, dataDir: source.dataDir, ...(source.via === 'admin-api' ? { url: source.url } : source.database !== undefined ? { database: source.database } : {}) },
    }));
    if (flags.output === undefined) {
      if (!this.jsonEnabled()) out(JSON.stringify(snapshot, null, 2));
      return snapshot;
    }
    const file = await writePrivateFile(flags.output, `${JSON.stringify(snapshot, null, 2)}\n`);
    const result: LedgerExportResult = {
      file,
      ...where,
      exportedAt: snapshot.exportedAt,
      balances: Object.keys(snapshot.balances).length,
      checkpoints: Object.keys(snapshot.checkpoints).length,
      journalEntries: snapshot.journal.length,
    };
    if (!this.jsonEnabled()) {
      out(`Exported the ledger in ${describeSource(where)} to ${file}`);
      out(`  ${result.balances} balances, ${result.checkpoints} checkpoints, ${result.journalEntries} journal entries`);
    }
    return result;
  }
}
