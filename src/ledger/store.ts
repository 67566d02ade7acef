/**
 * The LevelDB side of the ledger: opening (with errors a person can act on), the meta record, loading
 * the state at start, and the read-only scans behind verify, export and folding.
 */
import { join } from 'node:path';
import { Level } from 'level';
import { makeDirectory } from '../make-directory.js';
import {
  FORMAT_NAME,
  FORMAT_VERSION,
  META_KEY,
  PREFIX_BALANCE,
  PREFIX_CHECKPOINT,
  PREFIX_DELTA,
  PREFIX_JOURNAL,
  PREFIX_TIME,
  WATERMARK_KEY,
  decodeDeltas,
  decodeEntry,
  decodeI128,
  checkPage,
  decodePage,
  decodePostings,
  encodeI128,
  encodeIdList,
  encodeU48,
  entrySizeBound,
  keyBody,
  parseDeltaKey,
  parseTimeKey,
  prefixedKey,
  timeKey,
  timeKeyBound,
  writeEntry,
} from './codec.js';
import { LedgerCorruptError, LedgerError, LedgerFormatNewerError, LedgerInUseError, LedgerOpenError } from './errors.js';
import { checkStoreFiles, copyAside } from './integrity/check-store.js';
import type { ImportPlan } from './snapshot.js';
import type { AccountId, JournalEntry, Posting, VerifyResult } from './types.js';

/** The LevelDB handle type the ledger uses: binary keys and values. */
export type Db = Level<Buffer, Buffer>;

const range = (prefix: number) => ({ gte: Buffer.from([prefix]), lt: Buffer.from([prefix + 1]) });

/** Folder of the store inside the node's data directory. */
export function storeLocation(dataDir: string): string {
  return join(dataDir, 'ledger');
}

function codeOf(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Maps a failed `open()` to LedgerInUseError or LedgerOpenError. */
export function mapOpenError(dataDir: string, err: unknown): Error {
  const chain: unknown[] = [];
  for (let e: unknown = err; e !== undefined && e !== null && chain.length < 5; e = (e as { cause?: unknown }).cause) chain.push(e);
  const codes = chain.map(codeOf);
  const innermost = chain[chain.length - 1];
  const reason = innermost instanceof Error ? innermost.message : String(innermost);
  if (codes.includes('LEVEL_LOCKED') || /lock .*already held/i.test(reason)) return new LedgerInUseError(dataDir, err);
  if (codes.includes('LEVEL_CORRUPTION') || /corrupt/i.test(reason)) return new LedgerCorruptError(dataDir, storeLocation(dataDir), undefined, reason, undefined, err);
  if (codes.some((c) => c === 'ENOTDIR' || c === 'EEXIST')) {
    return new LedgerOpenError(dataDir, reason, 'A file is in the way of the data directory: move it, or set dataDir to a directory.', err);
  }
  if (codes.includes('ENOENT')) {
    return new LedgerOpenError(dataDir, reason, 'No directory can be made there (a path under /proc or /sys?): set dataDir to a folder on a writable filesystem.', err);
  }
  return new LedgerOpenError(dataDir, reason, undefined, err);
}

/** Called with a warning a person should see (a torn log tail dropped at open). */
export type WarningSink = (message: string, details: Record<string, unknown>) => void;

/**
 * Opens (creating if needed) the store under `<dataDir>/ledger` and checks or writes its meta record.
 * Every log record and table block is checked first (see integrity/check-store.ts): a damaged store
 * is copied aside and refused with LedgerCorruptError.
 */
export async function openStore(dataDir: string, warn?: WarningSink): Promise<{ db: Db; acked: number; torn: number }> {
  const dir = storeLocation(dataDir);
  let check: ReturnType<typeof checkStoreFiles>;
  try {
    check = checkStoreFiles(dir);
  } catch (err) {
    throw mapOpenError(dataDir, err);
  }
  if (check.damage !== undefined) {
    let copiedTo: string | undefined;
    try {
      copiedTo = copyAside(dataDir, dir);
    } catch {
      // no room for a copy: the originals are untouched all the same (nothing opens them)
    }
    throw new LedgerCorruptError(dataDir, check.damage.file, check.damage.offset, check.damage.reason, copiedTo);
  }
  for (const t of check.torn) warn?.('ledger log ends in a torn record (a write that never completed, never acknowledged): LevelDB drops it', t);
  try {
    makeDirectory(dir);
  } catch (err) {
    throw mapOpenError(dataDir, err);
  }
  // A 16 MB memtable instead of LevelDB's 4 MB: a quarter of the level-0 files and compactions under
  // the journal's stream of writes. Interleaved one-hop runs (3 each): at 100 packets in flight p99
  // 3.5-4.1 -> 2.1-2.4 ms, ~10% more packets/s, ~1 us less CPU per packet; peak RSS at 1000 in
  // flight 137-140 -> 153-155 MB (two memtables during a flush), inside the 200 MB bar.
  const db: Db = new Level<Buffer, Buffer>(storeLocation(dataDir), { keyEncoding: 'buffer', valueEncoding: 'buffer', writeBufferSize: 16 << 20 });
  try {
    await db.open();
  } catch (err) {
    throw mapOpenError(dataDir, err);
  }
  try {
    const raw = await db.get(META_KEY);
    if (raw === undefined) {
      const meta = { format: FORMAT_NAME, version: FORMAT_VERSION, createdAt: new Date().toISOString() };
      await db.put(META_KEY, Buffer.from(JSON.stringify(meta)), { sync: true });
    } else {
      const meta = JSON.parse(raw.toString('utf8')) as { format?: unknown; version?: unknown };
      if (meta.format !== FORMAT_NAME) throw new LedgerOpenError(dataDir, 'the store was not written by agent-runtime', 'Point dataDir at an agent-runtime data directory.');
      if (typeof meta.version !== 'number' || !Number.isInteger(meta.version) || meta.version < 1) {
        throw new LedgerOpenError(dataDir, `the store's format version ${JSON.stringify(meta.version)} is not one agent-runtime ever wrote`, 'Point dataDir at an agent-runtime data directory.');
      }
      if (meta.version > FORMAT_VERSION) throw new LedgerFormatNewerError(dataDir, meta.version, FORMAT_VERSION);
      if (meta.version < FORMAT_VERSION) {
        // Every older version is this layout minus something (v1: delta records; v2: inline pages;
        // v3: loss entries; v4: page checksums and sequence numbers; v6: asset records): old and new records are read
        // side by side, so only the meta changes. Bumping it stops an older build from misreading the store.
        await db.put(META_KEY, Buffer.from(JSON.stringify({ ...meta, version: FORMAT_VERSION, migratedAt: new Date().toISOString() })), { sync: true });
      }
    }
  } catch (err) {
    await db.close().catch(() => undefined);
    throw err instanceof LedgerError ? err : mapOpenError(dataDir, err);
  }
  return { db, acked: check.acked, torn: check.torn.length };
}

/** What `Ledger.open` restores from the store. */
export interface LoadedState {
  /** Stored balances (base + deltas); delta records found at open were consolidated into the base. */
  balances: Map<AccountId, bigint>;
  /** Highest batch sequence number on record (delta records, the watermark, ACKED): new batches number above it. */
  maxDeltaSeq: number;
  checkpoints: Map<AccountId, bigint>;
  /** The newest journal ids (at most `capacity`) with their booking time, oldest first. */
  recent: { id: string; ts: number }[];
  /** Latest booking time of a journal id left out of `recent` (0: none). */
  diskOnlyUntil: number;
}

async function readAmounts(db: Db, prefix: number): Promise<Map<AccountId, bigint>> {
  const out = new Map<AccountId, bigint>();
  for await (const [k, v] of db.iterator(range(prefix))) out.set(keyBody(k), decodeI128(v));
  return out;
}

/**
 * Startup recovery: adds every delta record (batches that were durable when the process stopped, in
 * whatever order they reached the disk) into the base balances and deletes them, in one synced batch.
 * Returns the balances and the highest batch sequence number seen.
 */
export async function recoverDeltas(db: Db): Promise<{ balances: Map<AccountId, bigint>; maxDeltaSeq: number }> {
  const balances = await readAmounts(db, PREFIX_BALANCE);
  const keys: Buffer[] = [];
  const touched = new Set<AccountId>();
  let maxDeltaSeq = 0;
  for await (const [k, v] of db.iterator(range(PREFIX_DELTA))) {
    keys.push(k);
    maxDeltaSeq = Math.max(maxDeltaSeq, parseDeltaKey(k));
    for (const [account, d] of decodeDeltas(v)) {
      balances.set(account, (balances.get(account) ?? 0n) + d);
      touched.add(account);
    }
  }
  const mark = await db.get(WATERMARK_KEY);
  if (mark !== undefined && mark.length === 6) maxDeltaSeq = Math.max(maxDeltaSeq, mark.readUIntBE(0, 6));
  if (keys.length > 0) {
    const batch = db.batch();
    for (const account of touched) batch.put(prefixedKey(PREFIX_BALANCE, account), encodeI128(balances.get(account)!));
    for (const k of keys) batch.del(k);
    batch.put(WATERMARK_KEY, encodeU48(maxDeltaSeq));
    await batch.write({ sync: true });
  }
  return { balances, maxDeltaSeq };
}

/** Loads balances (consolidating delta records), checkpoints and the newest `capacity` entry ids (reading no further back than needed). */
export async function loadState(db: Db, capacity: number, acked = 0): Promise<LoadedState> {
  const recovered = await recoverDeltas(db);
  const balances = recovered.balances;
  const maxDeltaSeq = Math.max(recovered.maxDeltaSeq, acked);
  const checkpoints = await readAmounts(db, PREFIX_CHECKPOINT);
  const records: { id: string; ts: number }[][] = [];
  let kept = 0;
  let diskOnlyUntil = 0;
  for await (const [k, v] of db.iterator({ ...range(PREFIX_TIME), reverse: true })) {
    const ts = parseTimeKey(k).ts;
    if (kept >= capacity) {
      diskOnlyUntil = ts;
      break;
    }
    const ids = decodePage(v).map((item) => item.id);
    const keep = ids.slice(Math.max(0, ids.length - (capacity - kept)));
    if (keep.length < ids.length) diskOnlyUntil = ts;
    kept += keep.length;
    records.push(keep.map((id) => ({ id, ts })));
    if (diskOnlyUntil > 0) break;
  }
  return { balances, maxDeltaSeq, checkpoints, recent: records.reverse().flat(), diskOnlyUntil };
}

/** One consistent read (a single LevelDB iterator, hence one snapshot) of balances, checkpoints and journal. */
export interface StoreScan {
  /** Stored balances: base (`b`) plus every pending delta record. */
  balances: Map<AccountId, bigint>;
  checkpoints: Map<AccountId, bigint>;
  /** Per account: checkpoint + sum of its journal postings. */
  recomputed: Map<AccountId, bigint>;
  /** Full entries when asked for (export), else empty. */
  entries: JournalEntry[];
  entryCount: number;
}

/** Reads balances (base + deltas), checkpoints and journal (`j` records and inline page entries) through one iterator so they are mutually consistent. */
export async function scanStore(db: Db, withEntries: boolean): Promise<StoreScan> {
  const scan: StoreScan = { balances: new Map(), checkpoints: new Map(), recomputed: new Map(), entries: [], entryCount: 0 };
  const add = (account: AccountId, amount: bigint) => scan.recomputed.set(account, (scan.recomputed.get(account) ?? 0n) + amount);
  for await (const [k, v] of db.iterator({ gte: Buffer.from([PREFIX_BALANCE]), lt: Buffer.from([PREFIX_TIME + 1]) })) {
    const prefix = k[0];
    if (prefix === PREFIX_BALANCE) scan.balances.set(keyBody(k), decodeI128(v));
    else if (prefix === PREFIX_CHECKPOINT) {
      const c = decodeI128(v);
      scan.checkpoints.set(keyBody(k), c);
      add(keyBody(k), c);
    } else if (prefix === PREFIX_DELTA) {
      // Base records sort before delta records: the base is already in the map.
      for (const [account, d] of decodeDeltas(v)) scan.balances.set(account, (scan.balances.get(account) ?? 0n) + d);
    } else if (prefix === PREFIX_JOURNAL) {
      scan.entryCount++;
      const e = withEntries ? decodeEntry(keyBody(k), v) : decodePostings(v);
      for (const p of e.postings) add(p.account, p.amount);
      if (withEntries) scan.entries.push(e as JournalEntry);
    } else if (prefix === PREFIX_TIME) {
      for (const item of decodePage(v)) {
        if (item.value === undefined) continue; // its j record is counted above
        scan.entryCount++;
        const e = withEntries ? decodeEntry(item.id, item.value) : decodePostings(item.value);
        for (const p of e.postings) add(p.account, p.amount);
        if (withEntries) scan.entries.push(e as JournalEntry);
      }
    }
  }
  return scan;
}

/** Recomputes every balance from checkpoints + journal and compares it with the stored balance (base + deltas). */
export async function verifyStore(db: Db): Promise<VerifyResult> {
  const scan = await scanStore(db, false);
  const mismatches: VerifyResult['mismatches'] = [];
  let sum = 0n;
  for (const b of scan.balances.values()) sum += b;
  for (const account of [...new Set([...scan.balances.keys(), ...scan.recomputed.keys()])].sort()) {
    const stored = scan.balances.get(account) ?? 0n;
    const recomputed = scan.recomputed.get(account) ?? 0n;
    if (stored !== recomputed) mismatches.push({ account, stored: stored.toString(), recomputed: recomputed.toString() });
  }
  return { ok: mismatches.length === 0 && sum === 0n, mismatches, sum: sum.toString() };
}

/** Writes a checked snapshot in one batch: entries, one time record per booking time, checkpoints, balances. */
export async function writeImport(db: Db, plan: ImportPlan): Promise<void> {
  const batch = db.batch();
  const byTs = new Map<number, string[]>();
  for (const e of plan.entries) {
    const ts = e.ts ?? Date.now();
    const buf = Buffer.allocUnsafe(entrySizeBound(e));
    batch.put(prefixedKey(PREFIX_JOURNAL, e.id), buf.subarray(0, writeEntry(buf, 0, e, ts)));
    const ids = byTs.get(ts);
    if (ids) ids.push(e.id);
    else byTs.set(ts, [e.id]);
  }
  for (const [ts, ids] of byTs) batch.put(timeKey(ts, ids[0]), encodeIdList(ids));
  for (const [account, c] of plan.checkpoints) batch.put(prefixedKey(PREFIX_CHECKPOINT, account), encodeI128(c));
  for (const [account, b] of plan.balances) batch.put(prefixedKey(PREFIX_BALANCE, account), encodeI128(b));
  await batch.write({ sync: true });
}

/** Journal entries booked before a cutoff, oldest first, as folding consumes them. */
export interface FoldChunk {
  timeKeys: Buffer[];
  journalKeys: Buffer[];
  ids: string[];
  /** Sum of the chunk's postings per account. */
  deltas: Map<AccountId, bigint>;
}

/** Reads the oldest journal pages booked before `cutoff` (ms), whole pages, until about `limit` ids. */
export async function readFoldChunk(db: Db, cutoff: number, limit: number): Promise<FoldChunk> {
  const chunk: FoldChunk = { timeKeys: [], journalKeys: [], ids: [], deltas: new Map() };
  const addPostings = (postings: readonly Posting[]) => {
    for (const p of postings) chunk.deltas.set(p.account, (chunk.deltas.get(p.account) ?? 0n) + p.amount);
  };
  for await (const [k, v] of db.iterator({ gte: Buffer.from([PREFIX_TIME]), lt: timeKeyBound(cutoff) })) {
    chunk.timeKeys.push(k);
    for (const item of decodePage(v)) {
      chunk.ids.push(item.id);
      if (item.value !== undefined) addPostings(decodePostings(item.value).postings);
      else chunk.journalKeys.push(prefixedKey(PREFIX_JOURNAL, item.id));
    }
    if (chunk.ids.length >= limit) break;
  }
  if (chunk.journalKeys.length === 0) return chunk;
  const values = await db.getMany(chunk.journalKeys);
  for (const v of values) {
    // Entries and their page are written in one batch; a missing entry cannot happen. Skip it.
    if (v !== undefined) addPostings(decodePostings(v).postings);
  }
  return chunk;
}

/**
 * A journal entry by id: its `j` record, or else (a packet, stored inline) the page holding it,
 * searched newest first. The search reads the whole journal in the worst case: it serves tools and
 * tests, never the packet path.
 */
export async function findEntry(db: Db, id: string): Promise<JournalEntry | undefined> {
  const v = await db.get(prefixedKey(PREFIX_JOURNAL, id));
  if (v !== undefined) return decodeEntry(id, v);
  for await (const page of db.values({ ...range(PREFIX_TIME), reverse: true })) {
    // Pages are searched without their CRC (a tool's linear search); the page that holds the id is checked.
    for (const item of decodePage(page, false)) {
      if (item.id === id && item.value !== undefined) {
        checkPage(page);
        return decodeEntry(id, item.value);
      }
    }
  }
  return undefined;
}
