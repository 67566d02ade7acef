import { Args } from '@oclif/core';
import { appError } from '../../errors/index.js';
import { planImport } from '../../ledger/snapshot.js';
import type { LedgerSnapshot } from '../../ledger/index.js';
import { BaseCommand } from '../../cli/base-command.js';
import { hasLedger, ledgerAppError, locateLedger, openLedger } from '../../cli/ledger-access.js';
import { ledgerDirFlags } from '../../cli/ledger-command.js';
import { readSnapshotFile } from '../../cli/ledger-files.js';
import { out } from '../../cli/output.js';

/** What `ledger import --json` prints. */
export interface LedgerImportResult {
  file: string;
  dataDir: string;
  /** With `ledger.backend: postgres`: the database imported into, password masked. */
  database?: string;
  balances: number;
  checkpoints: number;
  journalEntries: number;
}

/** `agent-runtime ledger import <file>`. */
export default class LedgerImport extends BaseCommand {
  static override summary = 'Load a JSON snapshot into an empty data directory';

  static override description =
    'Load a snapshot written by `ledger export` into the ledger of an empty data directory, in one atomic write, after checking it ' +
    '(every entry balanced, unique ids, balances = checkpoints + journal, sum zero). Exit 2 when the snapshot is invalid (with the reason) ' +
    'or the data directory already holds a ledger.\n' +
    'Only into a stopped node: a running node refuses imports. Stop it, import into its empty data directory, start it again.\n' +
    'With a config whose ledger.backend is postgres (--config), the snapshot goes into that empty database (its schema created first): ' +
    'this is how a LevelDB node\'s books move to PostgreSQL (`ledger export --data-dir <dir>`, then `ledger import <file> --config <postgres config>`).';

  static override examples = [
    '<%= config.bin %> ledger import alice-ledger.json --data-dir data/alice-restored',
    'cat alice-ledger.json | <%= config.bin %> ledger import - --config config.yaml',
    '<%= config.bin %> ledger import alice-ledger.json --config alice-postgres.yaml',
  ];

  static override args = {
    file: Args.string({ description: 'Snapshot file (JSON; - reads stdin)', required: true }),
  };

  static override flags = ledgerDirFlags;

  async run(): Promise<LedgerImportResult> {
    const { args, flags } = await this.parse(LedgerImport);
    const input = await readSnapshotFile(args.file);
    // Checked before the data directory is touched: an invalid file must not leave an empty store behind.
    let plan: ReturnType<typeof planImport>;
    try {
      plan = planImport(input);
    } catch (e) {
      throw ledgerAppError(e, '', args.file);
    }
    const { dataDir, postgres, database } = locateLedger(flags);
    if (dataDir === undefined) throw appError('INVALID_ARGUMENT', { field: '--data-dir', reason: 'is required' });
    this.errorContext = { dataDir };
    const existed = postgres !== undefined || hasLedger(dataDir);
    const ledger = await openLedger(dataDir, postgres).catch((e: unknown) => {
      throw (e as { code?: string }).code === 'LEDGER_IN_USE'
        ? appError('LEDGER_IN_USE', { dataDir, suggestion: 'A node is probably running with this data directory, and a running node does not import: stop it, then import into an empty data directory.' }, e)
        : e;
    });
    try {
      await ledger.importSnapshot(input as LedgerSnapshot);
    } catch (e) {
      throw ledgerAppError(e, database ?? dataDir, args.file);
    } finally {
      await ledger.close();
    }
    const result: LedgerImportResult = {
      file: args.file,
      dataDir,
      ...(database !== undefined ? { database } : {}),
      balances: plan.balances.size,
      checkpoints: plan.checkpoints.size,
      journalEntries: plan.entries.length,
    };
    if (!this.jsonEnabled()) {
      out(`Imported ${args.file} into ${database !== undefined ? `the PostgreSQL ledger at ${database}` : `${existed ? 'the empty ledger in ' : 'a new ledger in '}${dataDir}`}`);
      out(`  ${result.balances} balances, ${result.checkpoints} checkpoints, ${result.journalEntries} journal entries`);
    }
    return result;
  }
}
