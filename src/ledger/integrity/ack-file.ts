/**
 * The durable record of the last acknowledged batch: `<store>/ACKED`, 16 bytes rewritten in place
 * after every batch write completes and before its callers hear (so before any Fulfill goes
 * upstream): "AK", the batch's u48 sequence number, a CRC-32C of those 8 bytes, 4 zero bytes.
 *
 * At open the store's intact files must hold that batch (see check-store.ts): if they do not, data
 * that was acknowledged is missing or damaged and the open refuses with LEDGER_CORRUPT, however the
 * damaged record looks. The record is written with pwrite (no fsync of its own): it survives the
 * process (kill -9); after a power cut it may be older than the log, which only makes the check more
 * lenient, never wrong. The file sits inside the store folder so a copy aside keeps it; LevelDB
 * ignores names it does not use.
 */
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { crc32c } from './crc32c.js';

export const ACK_FILE = 'ACKED';
const SIZE = 16;

/** The acknowledged sequence number stored in `<storeDir>/ACKED`: a number, 'none' (no file yet), or 'damaged'. */
export function readAck(storeDir: string): number | 'none' | 'damaged' {
  let buf: Buffer;
  try {
    buf = readFileSync(join(storeDir, ACK_FILE));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'none';
    throw err;
  }
  if (buf.length === 0) return 'none'; // created, nothing acknowledged yet
  if (buf.length !== SIZE || buf[0] !== 0x41 || buf[1] !== 0x4b || buf.readUInt32LE(8) !== crc32c(buf, 0, 8)) return 'damaged';
  return buf.readUIntBE(2, 6);
}

/** The open ACKED file of a store. Writes are synchronous and tiny (one pwrite per written batch). */
export class AckFile {
  private fd: number | undefined;
  private readonly buf = Buffer.alloc(SIZE);
  /** Highest sequence number written. */
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

  /** Records `seq` as acknowledged when it is higher than what is recorded. */
  write(seq: number): void {
    if (seq <= this.acked || this.fd === undefined) return;
    this.acked = seq;
    const b = this.buf;
    b[0] = 0x41; // 'A'
    b[1] = 0x4b; // 'K'
    b.writeUIntBE(seq, 2, 6);
    b.writeUInt32LE(crc32c(b, 0, 8), 8);
    try {
      writeSync(this.fd, b, 0, SIZE, 0);
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
