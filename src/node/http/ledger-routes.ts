/**
 * The admin API's ledger endpoints, for `agent-runtime ledger verify|export` while a node holds the
 * data directory (LevelDB allows one process per store, so the CLI cannot open it then):
 *
 * - `GET /admin/ledger` → `{dataDir}`: the absolute data directory the node's ledger lives in (the CLI
 *   checks it is the one it was asked about before trusting the answer)
 * - `GET /admin/ledger/verify` → `VerifyResult & {dataDir}`, always 200 (`ok: false` when a stored
 *   balance differs from checkpoints + journal, or the balances do not sum to zero)
 * - `GET /admin/ledger/export` → the snapshot JSON (`LedgerSnapshot`)
 * - `POST /admin/ledger/import` → 409 LEDGER_IMPORT_REFUSED, always: a running node holds
 *   reservations and settlement state that an imported ledger would silently contradict
 *
 * 503 NOT_READY while the ledger is not open (before start, after stop).
 */
import { resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { appError } from '../../errors/index.js';
import type { LedgerBackend, LedgerSnapshot, VerifyResult } from '../../ledger/index.js';
import type { AdminRoutePlugin } from './admin-server.js';

/** The body of GET /admin/ledger. */
export interface LedgerInfo {
  /** Absolute path of the node's data directory (the store is `<dataDir>/ledger`). */
  dataDir: string;
}

/** The body of GET /admin/ledger/verify. */
export type LedgerVerifyBody = VerifyResult & LedgerInfo;

/**
 * The ledger route plugins.
 * @param ledger returns the node's open ledger, or undefined while it is not open
 */
export function ledgerRoutes(ledger: () => LedgerBackend | undefined): AdminRoutePlugin[] {
  const open = (): LedgerBackend => {
    const l = ledger();
    if (l === undefined) throw appError('NOT_READY', { message: 'The ledger is not open (the node is not started)' });
    return l;
  };
  const info = (l: LedgerBackend): LedgerInfo => ({ dataDir: resolve(l.dataDir) });

  return [
    (app: FastifyInstance) => {
      app.get('/admin/ledger', (): LedgerInfo => info(open()));

      app.get('/admin/ledger/verify', async (): Promise<LedgerVerifyBody> => {
        const l = open();
        return { ...(await l.verify()), ...info(l) };
      });

      app.get('/admin/ledger/export', (): Promise<LedgerSnapshot> => open().exportSnapshot());

      // Refused in onRequest, before the body is read: the hint arrives whatever the body's size.
      app.post('/admin/ledger/import', { onRequest: (_request, _reply, done) => done(appError('LEDGER_IMPORT_REFUSED')) }, () => undefined);
    },
  ];
}
