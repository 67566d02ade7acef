/**
 * Checks a LevelDB write-ahead log before LevelDB reads it. LevelDB's own recovery drops a damaged
 * log tail without a word, so a flipped byte in acknowledged data would reopen as a smaller truth.
 *
 * Log format (LevelDB doc/log_format.md): 32 KB blocks of records, each `crc32c masked (4, LE) |
 * length (2, LE) | type (1) | data`; a block's last < 7 bytes are zero padding; types FULL 1, FIRST 2,
 * MIDDLE 3, LAST 4. The CRC covers the type byte and the data.
 *
 * Verdicts: `ok`; `torn` when only the final record is bad and it is what an interrupted write leaves
 * (it runs past the end of the file, or everything from some point to the end is zero bytes: pages a
 * power cut never wrote), so it was never acknowledged; `corrupt` for a bad record followed by a valid
 * one, or a complete final record with bad bytes (a flipped byte in data that was written in full).
 */
import { noteBatchSeqs, type FoundSeqs } from './batch-seqs.js';
import { crc32c, maskCrc } from './crc32c.js';

const BLOCK = 32 * 1024;
const HEADER = 7;

export type LogVerdict = { kind: 'ok' } | { kind: 'torn'; offset: number } | { kind: 'corrupt'; offset: number; reason: string };

interface Rec {
  offset: number;
  ok: boolean;
  /** The record's declared bytes run past the end of the file. */
  short: boolean;
  reason: string;
}

function readRecord(buf: Buffer, off: number): { rec: Rec; next: number } {
  const len = buf.readUInt16LE(off + 4);
  const type = buf[off + 6];
  const inBlock = BLOCK - (off % BLOCK) - HEADER;
  const end = off + HEADER + len;
  if (end > buf.length) return { rec: { offset: off, ok: false, short: true, reason: 'record runs past the end of the file' }, next: buf.length };
  if (len > inBlock) return { rec: { offset: off, ok: false, short: false, reason: 'record length crosses its block' }, next: nextBlock(off) };
  if (type < 1 || type > 4) return { rec: { offset: off, ok: false, short: false, reason: `unknown record type ${type}` }, next: nextBlock(off) };
  const want = buf.readUInt32LE(off);
  const got = maskCrc(crc32c(buf, off + 6, end));
  if (want !== got) return { rec: { offset: off, ok: false, short: false, reason: 'checksum mismatch' }, next: nextBlock(off) };
  return { rec: { offset: off, ok: true, short: false, reason: '' }, next: end };
}

const nextBlock = (off: number) => (Math.floor(off / BLOCK) + 1) * BLOCK;

function allZero(buf: Buffer, from: number): boolean {
  for (let i = from; i < buf.length; i++) if (buf[i] !== 0) return false;
  return true;
}

/** Scans a whole log file's bytes; the ledger batches of its intact write batches go into `found`. */
export function scanLog(buf: Buffer, found?: FoundSeqs): LogVerdict {
  let off = 0;
  let firstBad: Rec | undefined;
  // fragments of a write batch split over blocks (FIRST, MIDDLE..., LAST)
  let parts: Buffer[] = [];
  const deliver = (data: Buffer) => {
    if (found !== undefined) noteBatchSeqs(data, found);
  };
  while (off < buf.length) {
    const left = BLOCK - (off % BLOCK);
    if (left < HEADER) {
      off += left; // trailer padding
      continue;
    }
    if (off + HEADER > buf.length) {
      // a header cut by the end of the file
      firstBad ??= { offset: off, ok: false, short: true, reason: 'record header cut by the end of the file' };
      break;
    }
    if (buf.readUInt32LE(off) === 0 && buf.readUInt16LE(off + 4) === 0 && buf[off + 6] === 0) {
      // zero bytes where a record should start: unwritten (LevelDB never writes a zero header)
      if (allZero(buf, off)) {
        firstBad ??= { offset: off, ok: false, short: true, reason: 'zero-filled tail' };
        break;
      }
      firstBad ??= { offset: off, ok: false, short: false, reason: 'zero bytes inside the log' };
      off = nextBlock(off);
      continue;
    }
    const { rec, next } = readRecord(buf, off);
    if (rec.ok && firstBad !== undefined) return { kind: 'corrupt', offset: firstBad.offset, reason: `${firstBad.reason}, followed by valid records` };
    if (rec.ok) {
      const type = buf[off + 6];
      const data = buf.subarray(off + HEADER, next);
      if (type === 1) deliver(data);
      else if (type === 2) parts = [data];
      else if (type === 3) parts.push(data);
      else if (parts.length > 0) {
        parts.push(data);
        deliver(Buffer.concat(parts));
        parts = [];
      }
    }
    if (!rec.ok) {
      if (firstBad === undefined) {
        firstBad = rec;
        // a complete record with bad bytes whose tail is not all zero: written in full, then damaged
        if (!rec.short && !allZero(buf, rec.offset + HEADER)) firstBad = { ...rec, short: false };
        else if (!rec.short) firstBad = { ...rec, short: true, reason: `${rec.reason} (zero-filled to the end)` };
      }
    }
    off = next;
  }
  if (firstBad === undefined) return { kind: 'ok' };
  return firstBad.short ? { kind: 'torn', offset: firstBad.offset } : { kind: 'corrupt', offset: firstBad.offset, reason: firstBad.reason };
}
