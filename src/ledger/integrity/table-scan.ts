/**
 * Checks every block of a LevelDB table file against its CRC before LevelDB opens the store (LevelDB
 * reads with `verify_checksums` off and classic-level cannot turn it on, so a flipped byte in a data
 * block would otherwise be read back as a wrong balance or a missing entry).
 *
 * Table format (LevelDB doc/table_format.md): blocks, each followed by a 5-byte trailer (compression
 * type, masked crc32c of the block and the type byte); a 48-byte footer (metaindex and index block
 * handles as varints, magic 0xdb4775248b80fb57). The index block maps keys to the data blocks'
 * handles; it may be snappy-compressed, so it is decompressed to read them (data blocks are checked
 * as stored, never decompressed).
 */
import type { FoundSeqs } from './batch-seqs.js';
import { crc32c, maskCrc } from './crc32c.js';

const FOOTER = 48;
const TRAILER = 5;
const MAGIC_LO = 0x8b80fb57;
const MAGIC_HI = 0xdb477524;

export type TableVerdict = { kind: 'ok' } | { kind: 'incomplete' } | { kind: 'corrupt'; offset: number; reason: string };

class Bad extends Error {
  constructor(
    readonly offset: number,
    reason: string,
  ) {
    super(reason);
  }
}

function varint(buf: Buffer, pos: { at: number }): number {
  let result = 0;
  let mul = 1;
  for (let i = 0; i < 10; i++) {
    if (pos.at >= buf.length) throw new Bad(pos.at, 'varint runs past its block');
    const b = buf[pos.at++];
    result += (b & 0x7f) * mul;
    if ((b & 0x80) === 0) return result;
    mul *= 128;
  }
  throw new Bad(pos.at, 'varint too long');
}

interface Handle {
  offset: number;
  size: number;
}

/** Checks one block's trailer CRC; returns its contents, decompressed unless `raw`. */
function block(file: Buffer, h: Handle, what: string, asStored = false): Buffer {
  const end = h.offset + h.size;
  if (end + TRAILER > file.length) throw new Bad(h.offset, `${what} block runs past the end of the file`);
  const want = file.readUInt32LE(end + 1);
  if (maskCrc(crc32c(file, h.offset, end + 1)) !== want) throw new Bad(h.offset, `${what} block checksum mismatch`);
  const type = file[end];
  const raw = file.subarray(h.offset, end);
  if (type !== 0 && type !== 1) throw new Bad(end, `${what} block has unknown compression ${type}`);
  return type === 0 || asStored ? raw : snappy(raw, h.offset);
}

/** Snappy decompression (format_description.txt): the index block, and data blocks when their records are read. */
function snappy(src: Buffer, at: number): Buffer {
  const pos = { at: 0 };
  const out = Buffer.alloc(varint(src, pos));
  let o = 0;
  while (pos.at < src.length) {
    const tag = src[pos.at++];
    let len: number;
    let offset = 0;
    if ((tag & 3) === 0) {
      len = (tag >> 2) + 1;
      if (len > 60) {
        const n = len - 60;
        len = src.readUIntLE(pos.at, n) + 1;
        pos.at += n;
      }
      if (pos.at + len > src.length || o + len > out.length) throw new Bad(at, 'bad snappy literal');
      src.copy(out, o, pos.at, pos.at + len);
      pos.at += len;
      o += len;
      continue;
    }
    if ((tag & 3) === 1) {
      len = ((tag >> 2) & 7) + 4;
      offset = ((tag >> 5) << 8) | src[pos.at++];
    } else if ((tag & 3) === 2) {
      len = (tag >> 2) + 1;
      offset = src.readUInt16LE(pos.at);
      pos.at += 2;
    } else {
      len = (tag >> 2) + 1;
      offset = src.readUInt32LE(pos.at);
      pos.at += 4;
    }
    if (offset === 0 || offset > o || o + len > out.length) throw new Bad(at, 'bad snappy copy');
    for (let i = 0; i < len; i++, o++) out[o] = out[o - offset];
  }
  if (o !== out.length) throw new Bad(at, 'snappy length mismatch');
  return out;
}

/** The handles an index block lists (its values), in order. */
function indexHandles(index: Buffer, at: number): Handle[] {
  if (index.length < 4) throw new Bad(at, 'index block too short');
  const restarts = index.readUInt32LE(index.length - 4);
  const limit = index.length - 4 - restarts * 4;
  if (limit < 0) throw new Bad(at, 'index block restart array too long');
  const out: Handle[] = [];
  const pos = { at: 0 };
  while (pos.at < limit) {
    varint(index, pos); // shared key bytes
    const unshared = varint(index, pos);
    const valueLength = varint(index, pos);
    pos.at += unshared;
    const end = pos.at + valueLength;
    if (end > limit) throw new Bad(at, 'index entry runs past its block');
    out.push({ offset: varint(index, pos), size: varint(index, pos) });
    pos.at = end;
  }
  return out;
}

/** Notes the ledger batches named by a (decompressed) data block's records. */
function noteBlockSeqs(data: Buffer, at: number, found: FoundSeqs): void {
  if (data.length < 4) throw new Bad(at, 'data block too short');
  const restarts = data.readUInt32LE(data.length - 4);
  const limit = data.length - 4 - restarts * 4;
  if (limit < 0) throw new Bad(at, 'data block restart array too long');
  const pos = { at: 0 };
  let key = Buffer.alloc(0);
  while (pos.at < limit) {
    const shared = varint(data, pos);
    const unshared = varint(data, pos);
    const valueLength = varint(data, pos);
    if (shared > key.length || pos.at + unshared + valueLength > limit) throw new Bad(at, 'data block entry runs past its block');
    key = Buffer.concat([key.subarray(0, shared), data.subarray(pos.at, pos.at + unshared)]);
    pos.at += unshared;
    // an internal key: the user key, then 8 bytes of LevelDB sequence << 8 | type (1 value, 0 deletion)
    if (key.length >= 8) {
      const isValue = key[key.length - 8] === 1;
      found.note(key.subarray(0, key.length - 8), isValue ? data.subarray(pos.at, pos.at + valueLength) : undefined);
    }
    pos.at += valueLength;
  }
}

/**
 * Checks a table file's bytes. `incomplete`: no valid footer (a table still being written by a
 * running node, or left half-written by a crash: LevelDB does not use such a file). With `found`, the
 * data blocks are also decompressed and read for the ledger batches they name.
 */
export function scanTable(file: Buffer, found?: FoundSeqs): TableVerdict {
  if (file.length < FOOTER) return { kind: 'incomplete' };
  const f = file.length - FOOTER;
  if (file.readUInt32LE(file.length - 8) !== MAGIC_LO || file.readUInt32LE(file.length - 4) !== MAGIC_HI) return { kind: 'incomplete' };
  try {
    const pos = { at: f };
    const meta = { offset: varint(file, pos), size: varint(file, pos) };
    const index = { offset: varint(file, pos), size: varint(file, pos) };
    block(file, meta, 'metaindex');
    const handles = indexHandles(block(file, index, 'index'), index.offset);
    for (const h of handles) {
      const data = block(file, h, 'data', found === undefined);
      if (found !== undefined) noteBlockSeqs(data, h.offset, found);
    }
    return { kind: 'ok' };
  } catch (err) {
    if (err instanceof Bad) return { kind: 'corrupt', offset: err.offset, reason: err.message };
    return { kind: 'corrupt', offset: 0, reason: err instanceof Error ? err.message : String(err) };
  }
}
