import { Flags } from '@oclif/core';
import { loadConfig } from '../../config/index.js';
import { appError } from '../../errors/index.js';
import { migrateDatabase, redactPostgresUrl } from '../../ledger/postgres/index.js';
import { BaseCommand } from '../../cli/base-command.js';
import { out } from '../../cli/output.js';
import { postgresOptions } from '../../node/ledger-backend.js';

/** What `ledger migrate --json` prints. */
export interface LedgerMigrateResult {
  /** The database, password masked. */
  database: string;
  /** Schema version before (0: no ledger tables yet) and after. */
  from: number;
  to: number;
  /** The migration steps applied now (empty: the schema was current). */
  applied: string[];
}

/** `agent-runtime ledger migrate`. */
export default class LedgerMigrate extends BaseCommand {
  static override summary = 'Create or upgrade the PostgreSQL ledger schema';

  static override description =
    'With ledger.backend: postgres, create the ledger tables in ledger.postgres.url, or bring an older schema up to this build, ' +
    'each step once and in order, under a lock so two processes never migrate at once. A node does this itself at start; ' +
    'run it to prepare a database ahead of time. Safe while nodes run, and when there is nothing to do.';

  static override examples = [
    '<%= config.bin %> ledger migrate --config config.yaml',
    'AGENT_RUNTIME_LEDGER_BACKEND=postgres AGENT_RUNTIME_LEDGER_POSTGRES_URL=postgres://hub@db/ledger <%= config.bin %> ledger migrate --json',
  ];

  static override flags = {
    config: Flags.string({ char: 'c', description: 'Config file naming the database (ledger.postgres.url) [default: the config `start` would use]', helpValue: '<path>' }),
  };

  async run(): Promise<LedgerMigrateResult> {
    const { flags } = await this.parse(LedgerMigrate);
    const config = loadConfig(flags.config).config;
    if (config.ledger.backend !== 'postgres') {
      throw appError('INVALID_ARGUMENT', { field: 'ledger.backend', reason: `is ${config.ledger.backend}: ledger migrate applies to ledger.backend: postgres (set it and ledger.postgres.url)` });
    }
    const target = postgresOptions(config);
    const database = redactPostgresUrl(target.url);
    const r = await migrateDatabase(target);
    const result: LedgerMigrateResult = { database, ...r };
    if (!this.jsonEnabled()) {
      if (r.applied.length === 0) out(`The ledger schema in ${database} is current (version ${r.to})`);
      else out(`Migrated the ledger schema in ${database} from version ${r.from} to ${r.to}: ${r.applied.join(', ')}`);
    }
    return result;
  }
}
