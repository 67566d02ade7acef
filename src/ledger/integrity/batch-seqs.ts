/**
 * Our own batch sequence numbers, read back from LevelDB's files before LevelDB opens them: the open
 * check looks for every batch acknowledged recently (ack-file.ts) among the batches found intact, so
 * losing acknowledged data is corruption, never a torn tail.
 *
 * Where a ledger batch's sequence number shows: the key of its delta record (`d` + u48, also when the
 * record is deleted by consolidation), the header of its journal page (format 5: `t` key, value 0xfe
 * + u48 seq + crc), and the watermark record `q` (u48: the highest batch consolidated into the base
 * balances, kept when delta records and pages are gone: every batch up to it counts as found).
 */

const PREFIX_DELTA = 0x64; // 'd'
const PREFIX_TIME = 0x74; // 't'
const PREFIX_WATERMARK = 0x71; // 'q'
const PAGE_MARK_V5 = 0xfe;

/** The batches found intact so far. */
export class FoundSeqs {
  private readonly seqs = new Set<number>();
  /** Highest consolidated batch named by a `q` record: every batch up to it is in the base balances. */
  watermark = 0;
  /** Highest batch named anywhere (for messages). */
  max = 0;

  /** Notes the batch a record names. `value` is undefined for a deletion. */
  note(key: Buffer, value: Buffer | undefined): void {
    let seq = 0;
    if (key.length === 7 && key[0] === PREFIX_DELTA) seq = key.readUIntBE(1, 6);
    else if (value === undefined) return;
    else if (key[0] === PREFIX_TIME && value.length >= 11 && value[0] === PAGE_MARK_V5) seq = value.readUIntBE(1, 6);
    else if (key.length === 1 && key[0] === PREFIX_WATERMARK && value.length === 6) {
      this.watermark = Math.max(this.watermark, value.readUIntBE(0, 6));
      this.max = Math.max(this.max, this.watermark);
      return;
    } else return;
    this.seqs.add(seq);
    if (seq > this.max) this.max = seq;
  }

  /** Whether batch `seq` was found (or consolidated). */
  has(seq: number): boolean {
    return seq <= this.watermark || this.seqs.has(seq);
  }
}

function varint32(buf: Buffer, pos: { at: number }): number {
  let result = 0;
  for (let shift = 0; shift <= 28; shift += 7) {
    if (pos.at >= buf.length) throw new RangeError('varint runs past the batch');
    const b = buf[pos.at++];
    result += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return result;
  }
  throw new RangeError('varint too long');
}

/**
 * Notes every batch named in a LevelDB write batch (doc: `write_batch.cc`: u64 sequence, u32 count,
 * then per record a tag (1 put, 0 delete), varint key length, key, and for a put a varint value length
 * and the value). A batch whose CRC was valid but that does not parse yields what it named before the
 * bad spot: the CRC check, not this, decides damage.
 */
export function noteBatchSeqs(data: Buffer, found: FoundSeqs): void {
  if (data.length < 12) return;
  const count = data.readUInt32LE(8);
  const pos = { at: 12 };
  try {
    for (let i = 0; i < count && pos.at < data.length; i++) {
      const tag = data[pos.at++];
      const klen = varint32(data, pos);
      const key = data.subarray(pos.at, pos.at + klen);
      pos.at += klen;
      let value: Buffer | undefined;
      if (tag === 1) {
        const vlen = varint32(data, pos);
        value = data.subarray(pos.at, pos.at + vlen);
        pos.at += vlen;
      } else if (tag !== 0) break;
      found.note(key, value);
    }
  } catch {
    // a malformed tail names nothing more
  }
}
