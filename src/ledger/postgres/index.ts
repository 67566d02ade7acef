/** The PostgreSQL ledger backend (`ledger.backend: postgres`); loaded by dynamic import only when configured. */
export { PostgresLedger, migrateDatabase, pgSideJournalPath, withClient, type PostgresLedgerOptions } from './pg-ledger.js';
export { redactPostgresUrl, type PostgresTarget, type PostgresTls } from './connect.js';
export { MIGRATIONS, SCHEMA_VERSION, type MigrateResult } from './schema.js';
