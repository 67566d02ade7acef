/**
 * Catalogue entries of the ledger's own failures (src/ledger throws them as LedgerErrors). The ledger
 * codes a CLI user meets first (LEDGER_IN_USE, LEDGER_OPEN_FAILED, ...) stay in catalogue.ts.
 */
import type { CatalogueEntry } from './catalogue.js';

export const ledgerEntries = {
  LEDGER_CLOSED: {
    message: 'The ledger is closed',
    exitCode: 1,
    suggestion: 'Use the ledger before close(), or open it again.',
  },
  LEDGER_INVALID_OPTIONS: {
    message: 'Invalid ledger options: {reason}',
    exitCode: 2,
    suggestion: 'Fix dataDir or the ledger section of the config (`agent-runtime validate` checks it).',
  },
  LEDGER_INVALID_ENTRY: {
    message: 'Invalid journal entry: {reason}',
    exitCode: 1,
    suggestion: 'This is a bug in the caller: fix the entry it builds.',
  },
  LEDGER_UNBALANCED_ENTRY: {
    message: 'Journal entry {id} does not balance: its postings sum to {sum}',
    exitCode: 1,
    suggestion: 'This is a bug in the caller: every entry must sum to zero.',
  },
  LEDGER_WRITE_FAILED: {
    message: 'Ledger write failed; nothing of the batch was booked: {reason}',
    exitCode: 1,
    suggestion: 'Check the disk (space, permissions), then retry.',
  },
} as const satisfies Record<string, CatalogueEntry>;
