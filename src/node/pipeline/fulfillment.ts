/**
 * Fulfillment check: a Fulfill counts only if sha256(fulfillment) equals the Prepare's condition.
 *
 * The preimage is always 32 bytes, so SHA-256 is a single block (FIPS 180-4: the 32 bytes, 0x80,
 * zeros, the bit length 256). Computed here on Int32 words: about 3x faster than a call into
 * OpenSSL for 32 bytes, and no digest Buffer per packet. test/node/pipeline/fulfillment.test.ts
 * checks it against node:crypto on the FIPS vectors and on random preimages.
 */

/** The fulfillment's offset inside a serialized ILP Fulfill (after the type and length prefix); -1 if it has none. */
export function fulfillmentOffset(fulfill: Uint8Array): number {
  if (fulfill.length < 2 || fulfill[0] !== 13) return -1;
  const first = fulfill[1];
  const offset = first < 0x80 ? 2 : 2 + (first & 0x7f);
  return fulfill.length < offset + 32 ? -1 : offset;
}

/** The fulfillment's 32 bytes inside a serialized ILP Fulfill. */
export function fulfillmentOf(fulfill: Buffer): Buffer | undefined {
  const offset = fulfillmentOffset(fulfill);
  return offset < 0 ? undefined : fulfill.subarray(offset, offset + 32);
}

/** sha256(fulfillment) == condition, for a 32-byte fulfillment and condition (false for any other length). */
export function matchesCondition(fulfillment: Uint8Array, condition: Uint8Array): boolean {
  return fulfillment.length === 32 && conditionMatches(fulfillment, 0, condition);
}

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74,
  0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d,
  0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e,
  0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5,
  0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const H = new Int32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
/** The message schedule, reused (the packet path is single-threaded). */
const W = new Int32Array(64);

function word(b: Uint8Array, off: number): number {
  return (b[off] << 24) | (b[off + 1] << 16) | (b[off + 2] << 8) | b[off + 3];
}

/** sha256(buf[off, off + 32)) == condition (32 bytes), without allocating. */
export function conditionMatches(buf: Uint8Array, off: number, condition: Uint8Array): boolean {
  if (condition.length !== 32 || buf.length < off + 32) return false;
  const w = W;
  for (let i = 0; i < 8; i++) w[i] = word(buf, off + 4 * i);
  w[8] = 0x80000000 | 0;
  for (let i = 9; i < 15; i++) w[i] = 0;
  w[15] = 256;
  for (let i = 16; i < 64; i++) {
    const x = w[i - 15];
    const y = w[i - 2];
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
  }
  let a = H[0];
  let b = H[1];
  let c = H[2];
  let d = H[3];
  let e = H[4];
  let f = H[5];
  let g = H[6];
  let h = H[7];
  for (let i = 0; i < 64; i++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const ch = (e & f) ^ (~e & g);
    const t1 = (h + S1 + ch + K[i] + w[i]) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const maj = (a & b) ^ (a & c) ^ (b & c);
    const t2 = (S0 + maj) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  return (
    ((H[0] + a) | 0) === word(condition, 0) &&
    ((H[1] + b) | 0) === word(condition, 4) &&
    ((H[2] + c) | 0) === word(condition, 8) &&
    ((H[3] + d) | 0) === word(condition, 12) &&
    ((H[4] + e) | 0) === word(condition, 16) &&
    ((H[5] + f) | 0) === word(condition, 20) &&
    ((H[6] + g) | 0) === word(condition, 24) &&
    ((H[7] + h) | 0) === word(condition, 28)
  );
}
