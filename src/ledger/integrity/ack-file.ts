/**
 * The durable record of the batches acknowledged last: `<store>/ACKED`, rewritten in place after every
 * batch write completes and before its callers hear (so before any Fulfill goes upstream).
 *
 * It names the last ACK_SLOTS batches acknowledged, in the order they were acknowledged (newest first),
 * not only the newest or the highest: with several batches in flight LevelDB may append them to its log
 * in any order, so the final record of the log may hold an older batch acknowledged after newer ones.
 * Which acknowledged batches can sit in the final record? One acknowledged as the last, and those
 * acknowledged after it were in flight with it (appended before it, completed after it): at most
 * `maxBatchesInFlight - 1` of them. So with ACK_SLOTS >= maxBatchesInFlight, every acknowledged batch
 * that damage could make look like a torn tail is named here (`Ledger` caps maxBatchesInFlight).
 *
 * Layout (format 6, ACK_SIZE bytes): "AK", 0x02, u8 count n, ACK_SLOTS u48 slots (the first n used,
 * newest first), u32 CRC-32C (LE) of everything before it. Format 5 wrote 16 bytes: "AK", u48 seq,
 * CRC-32C of those 8 bytes, 4 zero bytes; it is read as that one batch.
 *
 * At open the store's intact files must hold every batch named (see check-store.ts): if one is missing,
 * data that was acknowledged is missing or damaged and the open refuses with LEDGER_CORRUPT, however the
 * damaged record looks. The record is written with pwrite (no fsync of its own): it survives the
 * process (kill -9); after a power cut it may be older than the log, which only makes the check more
 * lenient, never wrong. The file sits inside the store folder so a copy aside keeps it; LevelDB
 * ignores names it does not use.
 */
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { crc32c } from './crc32c.js';

export const ACK_FILE = 'ACKED';
/** Batches named (>= the most batches a Ledger writes at once). */
export const ACK_SLOTS = 16;
const ACK_SIZE = 4 + ACK_SLOTS * 6 + 4;
const V5_SIZE = 16;

/** The batches ACKED names, newest acknowledgement first: a list, 'none' (no file yet) or 'damaged'. */
export function readAckedSeqs(storeDir: string): number[] | 'none' | 'damaged' {
  let buf: Buffer;
  try {
    buf = readFileSync(join(storeDir, ACK_FILE));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'none';
    throw err;
  }
  if (buf.length === 0) return 'none'; // created, nothing acknowledged yet
  if (buf.length < 2 || buf[0] !== 0x41 || buf[1] !== 0x4b) return 'damaged';
  if (buf.length === V5_SIZE) return buf.readUInt32LE(8) === crc32c(buf, 0, 8) ? [buf.readUIntBE(2, 6)] : 'damaged';
  if (buf.length !== ACK_SIZE || buf[2] !== 2 || buf[3] > ACK_SLOTS || buf.readUInt32LE(ACK_SIZE - 4) !== crc32c(buf, 0, ACK_SIZE - 4)) return 'damaged';
  const out: number[] = [];
  for (let i = 0; i < buf[3]; i++) out.push(buf.readUIntBE(4 + i * 6, 6));
  return out.length === 0 ? 'none' : out;
}

/** The newest acknowledged batch ACKED names: a number, 'none' or 'damaged'. */
export function readAck(storeDir: string): number | 'none' | 'damaged' {
  const seqs = readAckedSeqs(storeDir);
  return typeof seqs === 'string' ? seqs : seqs[0];
}

/** The open ACKED file of a store. Writes are synchronous and tiny (one pwrite per written batch). */
export class AckFile {
  private fd: number | undefined;
  private readonly buf = Buffer.alloc(ACK_SIZE);
  /** The batches named, newest acknowledgement first. */
  private readonly seqs: number[] = [];
  /** Highest sequence number acknowledged (or found at open). */
  acked: number;
  /** Writes that failed (the check is then more lenient: the disk is failing and the ledger fail-stops anyway). */
  failures = 0;

  constructor(
    private readonly storeDir: string,
    start: number,
  ) {
    this.acked = start;
  }

  /** Opens (creating) the file; positional writes need it without O_APPEND, hence r+ after creating. */
  open(): void {
    const file = join(this.storeDir, ACK_FILE);
    try {
      this.fd = openSync(file, 'r+');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      this.fd = openSync(file, 'w+');
    }
  }

  /** Records batch `seq` as acknowledged (the newest acknowledgement; the oldest named drops out). */
  write(seq: number): void {
    if (this.fd === undefined) return;
    if (seq > this.acked) this.acked = seq;
    const s = this.seqs;
    s.unshift(seq);
    if (s.length > ACK_SLOTS) s.length = ACK_SLOTS;
    const b = this.buf;
    b[0] = 0x41; // 'A'
    b[1] = 0x4b; // 'K'
    b[2] = 2;
    b[3] = s.length;
    for (let i = 0; i < s.length; i++) b.writeUIntBE(s[i], 4 + i * 6, 6);
    b.writeUInt32LE(crc32c(b, 0, ACK_SIZE - 4), ACK_SIZE - 4);
    try {
      writeSync(this.fd, b, 0, ACK_SIZE, 0);
    } catch {
      this.failures++;
    }
  }

  close(): void {
    if (this.fd === undefined) return;
    try {
      closeSync(this.fd);
    } catch {
      // nothing to do: it was written synchronously
    }
    this.fd = undefined;
  }
}
