/**
 * `ledger salvage`: rebuild a store from what is intact in a damaged one (and the newest verified
 * snapshot), into a new data directory, and report the gap per account.
 *
 * The damaged store is first copied aside untouched (evidence) and a second copy is opened by LevelDB
 * in a temp folder (its recovery may drop a damaged log tail: only the copy is changed). From it come
 * the checkpoints, every `j` entry and every journal page whose own CRC checks (a failing page is
 * skipped and counted), and the recorded balances (`b` + `d`) the store believed. Entries the store
 * lost but the newest verified snapshot holds are added back when they are newer than the store's
 * fold horizon (its oldest intact entry), so nothing is counted twice. The rebuilt ledger (checkpoints
 * + entries, balanced by construction) is imported into the empty `out` directory; per account the
 * report gives recorded, rebuilt and the gap between them: what to reconcile with that peer.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import { PREFIX_BALANCE, PREFIX_CHECKPOINT, PREFIX_DELTA, PREFIX_JOURNAL, PREFIX_TIME, decodeDeltas, decodeEntry, decodeI128, decodePage, keyBody } from './codec.js';
import { LedgerError } from './errors.js';
import { checkStoreFiles, copyAside, storeLocked } from './integrity/check-store.js';
import { Ledger } from './ledger.js';
import { newestGoodSnapshot } from './snapshot-files.js';
import { buildSnapshot, planImport } from './snapshot.js';
import { storeLocation } from './store.js';
import type { AccountId, JournalEntry } from './types.js';

/** One account's figures in a salvage report (decimal strings). */
export interface SalvageAccount {
  account: AccountId;
  /** What the damaged store's balance records said (absent when they could not be read). */
  recorded?: string;
  /** Checkpoint + intact entries. */
  rebuilt: string;
  /** recorded - rebuilt: what the lost entries moved (reconcile it with that peer). */
  gap?: string;
}

export interface SalvageReport {
  from: string;
  out: string;
  /** The damaged store's untouched copy. */
  copiedTo: string;
  /** The first damage the open-time check finds (undefined: none). */
  damage?: { file: string; offset: number; reason: string };
  /** The snapshot entries were taken from, if one was used. */
  snapshot?: string;
  entries: { fromStore: number; fromSnapshot: number; pagesSkipped: number };
  /** A read that failed part-way (the records after it in that range are missing). */
  readErrors: string[];
  accounts: SalvageAccount[];
}

type Db = Level<Buffer, Buffer>;
const range = (prefix: number) => ({ gte: Buffer.from([prefix]), lt: Buffer.from([prefix + 1]) });

/** Iterates one key range, keeping what was read before an error (named in `errors`). */
async function each(db: Db, prefix: number, errors: string[], fn: (k: Buffer, v: Buffer) => void): Promise<void> {
  try {
    for await (const [k, v] of db.iterator(range(prefix))) fn(k, v);
  } catch (err) {
    errors.push(`${String.fromCharCode(prefix)} records: ${err instanceof Error ? err.message : String(err)}`);
  }
}

interface StoreRead {
  recorded?: Map<AccountId, bigint>;
  checkpoints?: Map<AccountId, bigint>;
  entries: Map<string, JournalEntry>;
  pagesSkipped: number;
}

async function readCopy(dir: string, errors: string[]): Promise<StoreRead> {
  const read: StoreRead = { entries: new Map(), pagesSkipped: 0 };
  const db: Db = new Level<Buffer, Buffer>(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
  try {
    await db.open();
  } catch (err) {
    errors.push(`LevelDB cannot open the copy: ${err instanceof Error ? err.message : String(err)}`);
    return read;
  }
  try {
    const recorded = new Map<AccountId, bigint>();
    const before = errors.length;
    await each(db, PREFIX_BALANCE, errors, (k, v) => recorded.set(keyBody(k), decodeI128(v)));
    await each(db, PREFIX_DELTA, errors, (_k, v) => {
      for (const [a, d] of decodeDeltas(v)) recorded.set(a, (recorded.get(a) ?? 0n) + d);
    });
    if (errors.length === before) read.recorded = recorded;
    const checkpoints = new Map<AccountId, bigint>();
    const beforeC = errors.length;
    await each(db, PREFIX_CHECKPOINT, errors, (k, v) => checkpoints.set(keyBody(k), decodeI128(v)));
    if (errors.length === beforeC) read.checkpoints = checkpoints;
    await each(db, PREFIX_JOURNAL, errors, (k, v) => {
      try {
        read.entries.set(keyBody(k), decodeEntry(keyBody(k), v));
      } catch {
        read.pagesSkipped++;
      }
    });
    await each(db, PREFIX_TIME, errors, (_k, v) => {
      try {
        for (const item of decodePage(v)) if (item.value !== undefined) read.entries.set(item.id, decodeEntry(item.id, item.value));
      } catch {
        read.pagesSkipped++; // its CRC failed, or it does not decode: its entries are in the gap
      }
    });
  } finally {
    await db.close().catch(() => undefined);
  }
  return read;
}

/** Rebuilds `<dataDir>/ledger` into the empty data directory `out`. Throws LEDGER_IN_USE while a process holds the store. */
export async function salvage(dataDir: string, out: string): Promise<SalvageReport> {
  const src = storeLocation(dataDir);
  if (storeLocked(src)) throw new LedgerError('LEDGER_IN_USE', `The ledger in ${dataDir} is held by another process`, 'Stop the node that uses this data directory, then salvage.');
  const check = checkStoreFiles(src);
  const copiedTo = copyAside(dataDir, src);
  const work = mkdtempSync(join(tmpdir(), 'agent-runtime-salvage-'));
  const errors: string[] = [];
  let read: StoreRead;
  try {
    cpSync(src, join(work, 'ledger'), { recursive: true });
    read = await readCopy(join(work, 'ledger'), errors);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const snap = newestGoodSnapshot(dataDir);
  const plan = snap === undefined ? undefined : planImport(snap.snapshot);
  const checkpoints = read.checkpoints ?? plan?.checkpoints ?? new Map<AccountId, bigint>();
  const entries = new Map(read.entries);
  let fromSnapshot = 0;
  if (plan !== undefined) {
    // Add what the store lost, never what it folded into its checkpoints since the snapshot.
    const storeTs = [...read.entries.values()].map((e) => e.ts ?? 0);
    const horizon = read.checkpoints === undefined ? -Infinity : storeTs.length > 0 ? Math.min(...storeTs) : sameAmounts(read.checkpoints, plan.checkpoints) ? -Infinity : Infinity;
    for (const e of plan.entries) {
      if (!entries.has(e.id) && (e.ts ?? 0) >= horizon) {
        entries.set(e.id, e);
        fromSnapshot++;
      }
    }
  }
  const rebuilt = new Map(checkpoints);
  for (const e of entries.values()) for (const p of e.postings) rebuilt.set(p.account, (rebuilt.get(p.account) ?? 0n) + p.amount);
  const target = await Ledger.open({ dataDir: out, compactIntervalMs: 2 ** 31 - 1, journalRetentionMs: 2 ** 31 - 1 });
  try {
    await target.importSnapshot(buildSnapshot(rebuilt, checkpoints, [...entries.values()]));
  } finally {
    await target.close();
  }
  const names = [...new Set([...rebuilt.keys(), ...(read.recorded?.keys() ?? [])])].sort();
  const accounts = names.map((account): SalvageAccount => {
    const r = rebuilt.get(account) ?? 0n;
    const rec = read.recorded?.get(account);
    return { account, ...(read.recorded === undefined ? {} : { recorded: (rec ?? 0n).toString(), gap: ((rec ?? 0n) - r).toString() }), rebuilt: r.toString() };
  });
  return {
    from: dataDir,
    out,
    copiedTo,
    ...(check.damage === undefined ? {} : { damage: check.damage }),
    ...(snap === undefined || fromSnapshot === 0 ? {} : { snapshot: snap.file }),
    entries: { fromStore: read.entries.size, fromSnapshot, pagesSkipped: read.pagesSkipped },
    readErrors: errors,
    accounts,
  };
}

function sameAmounts(a: Map<AccountId, bigint>, b: Map<AccountId, bigint>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}
