/** Catalogue entries of the PostgreSQL ledger backend (`ledger.backend: postgres`). */
import type { CatalogueEntry } from './catalogue.js';

export const ledgerPostgresEntries = {
  LEDGER_DB_UNAVAILABLE: {
    message: 'Cannot use the PostgreSQL ledger at {url}: {reason}',
    exitCode: 1,
    suggestion: 'Check ledger.postgres.url (host, port, database, user, password) and ledger.postgres.tls, and that the server is running and reachable from this machine.',
  },
  LEDGER_SCHEMA_MISMATCH: {
    message: 'The PostgreSQL ledger schema is version {found}, this build needs {wanted}',
    exitCode: 1,
    suggestion: 'Run `agent-runtime ledger migrate` (an older schema), or upgrade agent-runtime (a newer one).',
  },
} as const satisfies Record<string, CatalogueEntry>;
