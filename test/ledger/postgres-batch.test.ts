/**
 * The PostgreSQL ledger's batch statement (src/ledger/postgres/batch.ts: entries as array literals,
 * postings sliced by offset, one answer row) against a real private server: ids and peers with the
 * characters an array literal must escape come back exactly; a group mixing new ids and replays books
 * the new ones only, once; entries of 2, 3 and 4 postings in one group keep their own postings.
 */
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { accounts, entries, type JournalEntry } from '../../src/ledger/index.js';
import { PostgresLedger } from '../../src/ledger/postgres/index.js';
import { havePostgres, TestPostgres } from '../helpers/postgres.js';
import { tempDir } from './helpers.js';

const commit = (l: PostgresLedger, e: JournalEntry) => new Promise<Error | undefined>((resolve) => l.commit(e, undefined, (err) => resolve(err)));

describe.skipIf(!havePostgres())('PostgreSQL ledger batch statement', () => {
  let server: TestPostgres;
  let dbCount = 0;
  const open: PostgresLedger[] = [];

  beforeAll(async () => {
    server = await TestPostgres.start();
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((l) => l.close().catch(() => undefined)));
  });

  async function openFresh(): Promise<{ l: PostgresLedger; url: string }> {
    const name = `b${++dbCount}_${process.pid}`;
    const c = new pg.Client(server.connection('postgres'));
    await c.connect();
    await c.query(`CREATE DATABASE ${name}`);
    await c.end();
    const url = `postgres://agent@127.0.0.1:${server.port}/${name}`;
    const l = await PostgresLedger.open({ url, dataDir: tempDir() });
    open.push(l);
    return { l, url };
  }

  it('writes ids and peers that need escaping exactly as given, in one group', async () => {
    const { l } = await openFresh();
    const odd = ['a"b', 'c\\d', 'e,f{g}', ' sp ace ', 'NULL', '', 'ünï\tcode', '\\"x\\"'];
    const cond = Buffer.from('00ff'.repeat(16), 'hex');
    const list = odd.map((s, i) =>
      i % 2 === 0
        ? { ...entries.forward(`id${s}${i}`, 'alice', 'bob', 10n, 9n, { condition: cond, requestId: 4_000_000_000 + i }), sourcePeer: s === '' ? undefined : s }
        : entries.localDelivery(`id${s}${i}`, 'alice', 5n),
    );
    const results = await Promise.all(list.map((e) => commit(l, e)));
    expect(results.every((r) => r === undefined)).toBe(true);
    for (const e of list) {
      const back = await l.getEntry(e.id);
      expect(back?.id).toBe(e.id);
      expect(back?.kind).toBe(e.kind);
      expect(back?.postings).toEqual(e.postings);
      expect(back?.condition?.toString('hex')).toBe(e.condition?.toString('hex'));
      expect(back?.sourcePeer).toBe(e.sourcePeer);
      expect(back?.requestId).toBe(e.requestId);
    }
    expect(l.balance(accounts.peer('alice'))).toBe(4n * 10n + 4n * 5n);
    expect(l.balance(accounts.fees)).toBe(-4n);
    expect((await l.verify()).ok).toBe(true);
  });

  it('books a group mixing new ids and replays once: the new entries only, durable and in memory', async () => {
    const { l, url } = await openFresh();
    const first = [0, 1, 2].map((i) => entries.localDelivery(`p${i}`, 'alice', 100n));
    expect(await Promise.all(first.map((e) => commit(l, e)))).toEqual([undefined, undefined, undefined]);
    // one turn: two replays of durable ids, two new ids, one new id committed twice
    const mixed = [first[0], entries.localDelivery('p3', 'alice', 7n), first[2], entries.localDelivery('p4', 'alice', 11n), entries.localDelivery('p4', 'alice', 11n)];
    expect(await Promise.all(mixed.map((e) => commit(l, e)))).toEqual([undefined, undefined, undefined, undefined, undefined]);
    expect(l.balance(accounts.peer('alice'))).toBe(300n + 7n + 11n);
    expect(l.balance(accounts.agent)).toBe(-(300n + 7n + 11n));
    await l.close();
    const again = await PostgresLedger.open({ url, dataDir: tempDir() });
    open.push(again);
    expect(again.balance(accounts.peer('alice'))).toBe(318n);
    expect((await again.verify()).ok).toBe(true);
  });

  it('keeps each entry its own postings when entries of 2, 3 and 4 postings share a group', async () => {
    const { l } = await openFresh();
    const four: JournalEntry = {
      id: 'four',
      kind: 'packet',
      postings: [
        { account: accounts.peer('a'), amount: 50n },
        { account: accounts.peer('b'), amount: -30n },
        { account: accounts.peer('c'), amount: -15n },
        { account: accounts.fees, amount: -5n },
      ],
    };
    const list = [entries.localDelivery('two', 'a', 3n), entries.forward('three', 'b', 'c', 20n, 18n), four, entries.localSend('two-b', 'c', 4n)];
    expect(await Promise.all(list.map((e) => commit(l, e)))).toEqual([undefined, undefined, undefined, undefined]);
    for (const e of list) expect((await l.getEntry(e.id))?.postings).toEqual(e.postings);
    expect(l.balance(accounts.peer('a'))).toBe(53n);
    expect(l.balance(accounts.peer('b'))).toBe(20n - 30n);
    expect(l.balance(accounts.peer('c'))).toBe(-18n - 15n - 4n);
    expect(l.balance(accounts.fees)).toBe(-2n - 5n);
    expect(l.balance(accounts.agent)).toBe(-3n + 4n);
    expect((await l.verify()).ok).toBe(true);
  });
});
