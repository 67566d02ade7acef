/**
 * Before LevelDB opens the store: every log record and every table block is checked against its
 * CRC. A damaged store refuses to open (LEDGER_CORRUPT naming the file and offset) after its files
 * are copied aside, so neither LevelDB's recovery (which drops a damaged log tail and deletes the old
 * log) nor anything else can destroy the evidence. Only a torn log tail (the final record of a write
 * that never completed, hence never acknowledged) is let through, with a warning: LevelDB's recovery
 * drops it. "Never acknowledged" is decided by our own sequence numbers: every batch ACKED names (the
 * last ones acknowledged, ack-file.ts) must be found intact in the logs or tables, else acknowledged
 * data is missing.
 */
import { cpSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ACK_FILE, readAckedSeqs } from './ack-file.js';
import { FoundSeqs } from './batch-seqs.js';
import { scanLog } from './log-scan.js';
import { scanTable } from './table-scan.js';

/** The first damage found. */
export interface StoreDamage {
  /** Path of the damaged file. */
  file: string;
  /** Byte offset of the damaged record or block. */
  offset: number;
  reason: string;
}

export interface StoreCheck {
  damage?: StoreDamage;
  /** Logs ending in a torn record (LevelDB drops it when it opens). */
  torn: { file: string; offset: number }[];
  /** Highest batch ACKED names, 0 when none was recorded. */
  acked: number;
}

const fileNumber = (name: string) => Number.parseInt(name, 10);

/**
 * True when some process (this one included) holds LevelDB's lock on the store: its LOCK file's inode
 * has a POSIX lock in /proc/locks. A held store is being written: its newest log may end mid-append
 * and a table may be half-written, so it is not scanned (the open then fails with LEDGER_IN_USE).
 * Where /proc/locks does not exist (not Linux) this answers false.
 */
export function storeLocked(dir: string): boolean {
  let ino: number;
  let locks: string;
  try {
    ino = statSync(join(dir, 'LOCK')).ino;
    locks = readFileSync('/proc/locks', 'utf8');
  } catch {
    return false;
  }
  for (const line of locks.split('\n')) {
    // "1: POSIX  ADVISORY  WRITE 4242 fd:01:1234567 0 EOF" (blocked waiters are marked "->")
    const f = line.trim().split(/\s+/);
    if (f[1] !== 'POSIX') continue;
    const id = f.find((x) => /^[0-9a-f]+:[0-9a-f]+:\d+$/.test(x));
    if (id !== undefined && Number(id.split(':')[2]) === ino) return true;
  }
  return false;
}

/** Checks the logs (newest first) and tables of the LevelDB store folder `dir` (nothing there: ok). */
export function checkStoreFiles(dir: string): StoreCheck {
  const out: StoreCheck = { torn: [], acked: 0 };
  if (!existsSync(dir) || storeLocked(dir)) return out;
  const names = readdirSync(dir);
  const ack = readAckedSeqs(dir);
  if (ack === 'damaged') {
    out.damage = { file: join(dir, ACK_FILE), offset: 0, reason: 'the record of the last acknowledged batches fails its checksum' };
    return out;
  }
  const wanted = ack === 'none' ? [] : ack;
  out.acked = Math.max(0, ...wanted);
  const found = new FoundSeqs();
  const missing = () => wanted.filter((seq) => !found.has(seq));
  const logs = names.filter((n) => n.endsWith('.log') && /^\d+\.log$/.test(n)).sort((a, b) => fileNumber(b) - fileNumber(a));
  for (const name of logs) {
    const file = join(dir, name);
    const v = scanLog(readFileSync(file), found);
    if (v.kind === 'corrupt') {
      out.damage = { file, offset: v.offset, reason: `log record: ${v.reason}` };
      return out;
    }
    if (v.kind === 'torn') out.torn.push({ file, offset: v.offset });
  }
  const tables = names.filter((n) => /^\d+\.(ldb|sst)$/.test(n));
  // The tables are read for sequence numbers only when the logs do not hold every acknowledged batch
  // (flushed into a table, or missing): the common open reads them for CRCs alone.
  const needSeqs = missing().length > 0;
  for (const name of tables) {
    const file = join(dir, name);
    const v = scanTable(readFileSync(file), needSeqs ? found : undefined);
    if (v.kind === 'corrupt') {
      out.damage = { file, offset: v.offset, reason: `table: ${v.reason}` };
      return out;
    }
  }
  const lost = missing();
  if (lost.length > 0) {
    // Acknowledged data is gone: in a record that looked torn, or cut off the end of the log.
    const newestLog = logs.length > 0 ? join(dir, logs[0]) : undefined;
    const torn = out.torn[0];
    const file = torn?.file ?? newestLog ?? dir;
    const offset = torn?.offset ?? (newestLog === undefined ? 0 : statSync(newestLog).size);
    const where = torn === undefined ? 'missing from the store' : 'in a damaged final log record';
    const what = lost.length === 1 ? `batch ${lost[0]} was acknowledged but is` : `batches ${lost.join(', ')} were acknowledged but are`;
    out.damage = { file, offset, reason: `${what} ${where} (the highest batch found intact is ${found.max})` };
  }
  return out;
}

/** Copies the store folder to `<dataDir>/<name>-damaged-<time>` (name: ledger unless given) and returns that path. */
export function copyAside(dataDir: string, storeDir: string, name = 'ledger'): string {
  const to = join(dataDir, `${name}-damaged-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  cpSync(storeDir, to, { recursive: true });
  return to;
}
