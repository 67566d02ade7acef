/**
 * Our own batch sequence numbers, read back from LevelDB's files before LevelDB opens them: the open
 * check compares the highest batch found intact with the highest batch ever acknowledged (ack-file.ts),
 * so losing acknowledged data is corruption, never a torn tail.
 *
 * Where a ledger batch's sequence number shows: the key of its delta record (`d` + u48), the header of
 * its journal page (format 5: `t` key, value 0xfe + u48 seq + crc), and the watermark record `q` (u48:
 * the highest batch folded into the base balances, kept when delta records and pages are gone).
 */

const PREFIX_DELTA = 0x64; // 'd'
const PREFIX_TIME = 0x74; // 't'
const PREFIX_WATERMARK = 0x71; // 'q'
const PAGE_MARK_V5 = 0xfe;

/** The batch sequence number a record names (0: none). `value` is undefined for a deletion. */
export function recordSeq(key: Buffer, value: Buffer | undefined): number {
  if (key.length === 7 && key[0] === PREFIX_DELTA) return key.readUIntBE(1, 6);
  if (value === undefined) return 0;
  if (key[0] === PREFIX_TIME && value.length >= 11 && value[0] === PAGE_MARK_V5) return value.readUIntBE(1, 6);
  if (key.length === 1 && key[0] === PREFIX_WATERMARK && value.length === 6) return value.readUIntBE(0, 6);
  return 0;
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
 * Highest batch sequence number named in a LevelDB write batch (doc: `write_batch.cc`: u64 sequence,
 * u32 count, then per record a tag (1 put, 0 delete), varint key length, key, and for a put a varint
 * value length and the value). A batch whose CRC was valid but that does not parse yields what it
 * named before the bad spot: the CRC check, not this, decides damage.
 */
export function batchMaxSeq(data: Buffer): number {
  if (data.length < 12) return 0;
  const count = data.readUInt32LE(8);
  const pos = { at: 12 };
  let max = 0;
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
      max = Math.max(max, recordSeq(key, value));
    }
  } catch {
    // a malformed tail names nothing more
  }
  return max;
}
