/**
 * Fail-stop of the PostgreSQL ledger with a real server stopped under it: a failed commit faults the
 * ledger (no new money, the paid packet in the side journal); when the server is back the probe
 * reconnects, books the loss, and the ledger takes money again with books that verify.
 */
import { existsSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { accounts, entries, type JournalEntry } from '../../src/ledger/index.js';
import { PostgresLedger, pgSideJournalPath } from '../../src/ledger/postgres/index.js';
import { havePostgres, TestPostgres } from '../helpers/postgres.js';
import { tempDir, waitFor } from './helpers.js';

const commit = (l: PostgresLedger, e: JournalEntry) => new Promise<Error | undefined>((resolve) => l.commit(e, undefined, (err) => resolve(err)));

describe.skipIf(!havePostgres())('PostgreSQL ledger fail-stop', () => {
  let server: TestPostgres | undefined;
  let l: PostgresLedger | undefined;
  afterEach(async () => {
    await l?.close().catch(() => undefined);
    await server?.stop();
  });

  it('stops taking money when the server stops, records the paid packets, books them once it is back', async () => {
    server = await TestPostgres.start();
    const dataDir = tempDir();
    const ledger = (l = await PostgresLedger.open({ url: server.url, dataDir, probeIntervalMs: 100 }));
    const faults: string[] = [];
    let recovered: { lossesBooked: number } | undefined;
    ledger.onFault = (f) => faults.push(f.reason);
    ledger.onRecovered = (info) => (recovered = info);
    expect(await commit(ledger, entries.forward('ok1', 'alice', 'bob', 100n, 99n))).toBeUndefined();

    await server.stopServer();
    const err = await commit(ledger, entries.forward('lost1', 'alice', 'bob', 100n, 99n));
    expect(err).toMatchObject({ code: 'LEDGER_WRITE_FAILED' });
    expect(ledger.fault).toMatchObject({ code: 'LEDGER_WRITE_FAILED', recorded: 1 });
    expect(faults).toHaveLength(1);
    expect(ledger.reserve('alice', 1n)).toBe(false);
    expect(existsSync(pgSideJournalPath(dataDir))).toBe(true);
    expect(readFileSync(pgSideJournalPath(dataDir), 'utf8')).toContain('lost1');

    await server.startServer();
    await waitFor(() => recovered !== undefined, 30_000);
    expect(recovered).toMatchObject({ lossesBooked: 1 });
    expect(ledger.fault).toBeUndefined();
    expect(ledger.reserve('alice', 1n)).toBe(true);
    // the next hop was paid 99 by us and nobody paid us: bob's leg is booked against fees
    expect(ledger.balance(accounts.peer('alice'))).toBe(100n);
    expect(ledger.balance(accounts.peer('bob'))).toBe(-198n);
    expect(ledger.balance(accounts.fees)).toBe(98n);
    expect(await ledger.verify()).toEqual({ ok: true, mismatches: [], sum: '0' });
    expect(readFileSync(pgSideJournalPath(dataDir), 'utf8')).toBe('');
  });
});
