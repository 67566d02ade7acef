/**
 * `ledger migrate` and a LevelDB node's books moved into PostgreSQL with `ledger export` / `ledger
 * import`, against a private server (test/helpers/postgres.ts): the books written by a real node over
 * real sockets, exported from its data directory, imported through a config naming the database,
 * verified and exported back identical; a second import refused; the URL's password never printed.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { computeConditionFromData, IlpPacketType } from '../../src/index.js';
import type { LedgerSnapshot } from '../../src/ledger/index.js';
import { json, run } from '../cli/run-command.js';
import { startPair } from '../commands/fixture.js';
import { Harness } from '../helpers/node.js';
import { havePostgres, TestPostgres } from '../helpers/postgres.js';

const h = new Harness();
let server: TestPostgres | undefined;
const PASSWORD = 'pw-9f3c1e77';

describe.skipIf(!havePostgres())('ledger migrate / export / import with PostgreSQL', () => {
  beforeAll(async () => {
    server = await TestPostgres.start();
  });
  afterEach(() => h.cleanup());
  afterAll(async () => {
    await server?.stop();
  });

  /** A config file naming database `db` (created now) as the ledger; trust auth ignores the password. */
  async function postgresConfig(db: string): Promise<string> {
    const c = new pg.Client(server!.connection('postgres'));
    await c.connect();
    await c.query(`CREATE DATABASE ${db}`);
    await c.end();
    const file = join(h.dir(), 'config.yaml');
    const url = `postgres://agent:${PASSWORD}@127.0.0.1:${server!.port}/${db}`;
    writeFileSync(file, `nodeId: alice\ndataDir: ${h.dir()}\nledger:\n  backend: postgres\n  postgres:\n    url: ${url}\n`);
    return file;
  }

  it('migrates once, moves a LevelDB node\'s books into PostgreSQL, verifies, refuses a second import', async () => {
    const { alice } = await startPair(h);
    for (const [i, amount] of [1000n, 2000n, 3000n].entries()) {
      const data = Buffer.from(`move ${i}`);
      const r = await alice.sendPacket({ destination: 'g.bob', amount, executionCondition: computeConditionFromData(data).condition, expiresAt: new Date(Date.now() + 20_000), data });
      expect(r.type).toBe(IlpPacketType.Fulfill);
    }
    const aliceDir = alice.config.dataDir;
    await alice.stop();
    const file = join(h.dir(), 'books.json');
    expect((await run(['ledger', 'export', '--data-dir', aliceDir, '--output', file, '--json'])).exitCode).toBe(0);
    const books = JSON.parse(readFileSync(file, 'utf8')) as LedgerSnapshot;

    const config = await postgresConfig('moved');
    const database = `postgres://agent:***@127.0.0.1:${server!.port}/moved`;
    const first = await run(['ledger', 'migrate', '--config', config, '--json']);
    expect(first.exitCode).toBe(0);
    expect(json(first)).toEqual({ database, from: 0, to: 6, applied: ['initial ledger tables', 'cluster instance registry', 'cluster runtime state', 'cluster shared state', 'cluster settlement lanes', 'cluster spend budgets'] });
    const again = await run(['ledger', 'migrate', '--config', config, '--json']);
    expect(json(again)).toEqual({ database, from: 6, to: 6, applied: [] });

    const imported = await run(['ledger', 'import', file, '--config', config, '--json']);
    expect(imported.exitCode).toBe(0);
    expect(json(imported)).toMatchObject({ database, balances: Object.keys(books.balances).length, journalEntries: 3 });

    const verify = await run(['ledger', 'verify', '--config', config, '--json']);
    expect(verify.exitCode).toBe(0);
    expect(json(verify)).toMatchObject({ ok: true, mismatches: [], sum: '0', via: 'data-dir', database });
    const human = await run(['ledger', 'verify', '--config', config]);
    expect(human.stdout).toContain(`Ledger in the PostgreSQL ledger at ${database}`);

    const back = await run(['ledger', 'export', '--config', config]);
    expect(back.exitCode).toBe(0);
    expect({ ...(JSON.parse(back.stdout) as LedgerSnapshot), exportedAt: '' }).toEqual({ ...books, exportedAt: '' });

    const twice = await run(['ledger', 'import', file, '--config', config, '--json']);
    expect(twice.exitCode).toBe(2);
    expect(twice.stdout).toContain('LEDGER_NOT_EMPTY');

    for (const r of [first, again, imported, verify, human, back, twice]) expect(r.stdout + r.stderr).not.toContain(PASSWORD);
  });

  it('migrate refuses a LevelDB config and names the fix', async () => {
    const file = join(h.dir(), 'config.yaml');
    writeFileSync(file, 'nodeId: alice\n');
    const r = await run(['ledger', 'migrate', '--config', file, '--json']);
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toContain('INVALID_ARGUMENT');
    expect(r.stdout).toContain('ledger.backend: postgres');
  });
});
