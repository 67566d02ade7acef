/**
 * WebSocket data frames (RFC 6455 §5.2) written by hand, so a link can put a whole event-loop turn of
 * BTP frames into one buffer and one socket write. `ws` still does the handshake, reading, control
 * frames and closing; only binary data frames we send take this path.
 */
import { randomFillSync } from 'node:crypto';

/** FIN + opcode 2 (binary): every frame is a whole message. */
const FIN_BINARY = 0x82;
const MASK_BIT = 0x80;

/** Header bytes of a frame carrying `n` bytes (a client's frames also carry a 4-byte masking key). */
export function wsHeaderSize(n: number, masked: boolean): number {
  return (n < 126 ? 2 : n < 0x1_0000 ? 4 : 10) + (masked ? 4 : 0);
}

/**
 * Writes the header of a binary frame of `n` payload bytes at `off`; returns where the payload goes.
 * `masked`: a fresh masking key follows the length (the caller masks the payload with maskPayload).
 */
export function writeWsHeader(b: Buffer, off: number, n: number, masked: boolean): number {
  b[off] = FIN_BINARY;
  const m = masked ? MASK_BIT : 0;
  if (n < 126) {
    b[off + 1] = m | n;
    off += 2;
  } else if (n < 0x1_0000) {
    b[off + 1] = m | 126;
    b.writeUInt16BE(n, off + 2);
    off += 4;
  } else {
    b[off + 1] = m | 127;
    b.writeUInt32BE(Math.floor(n / 0x1_0000_0000), off + 2);
    b.writeUInt32BE(n >>> 0, off + 6);
    off += 10;
  }
  if (masked) {
    nextMaskKey(b, off);
    off += 4;
  }
  return off;
}

/**
 * XORs b[start, end) with the 4-byte key just before `start` (the header's masking key): masks a
 * payload, or unmasks a received one. Nothing to do for the all-zero key.
 */
export function maskPayload(b: Buffer, start: number, end: number): void {
  const k0 = b[start - 4];
  const k1 = b[start - 3];
  const k2 = b[start - 2];
  const k3 = b[start - 1];
  if ((k0 | k1 | k2 | k3) === 0) return;
  let i = start;
  for (; i + 3 < end; i += 4) {
    b[i] ^= k0;
    b[i + 1] ^= k1;
    b[i + 2] ^= k2;
    b[i + 3] ^= k3;
  }
  for (let j = 0; i < end; i++, j++) b[i] ^= j === 0 ? k0 : j === 1 ? k1 : k2;
}

/** Random bytes for masking keys, refilled when used up: one CSPRNG call per 2048 frames. */
const pool = Buffer.allocUnsafe(8192);
let poolOffset = pool.length;

function nextMaskKey(b: Buffer, off: number): void {
  if (poolOffset === pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  b[off] = pool[poolOffset];
  b[off + 1] = pool[poolOffset + 1];
  b[off + 2] = pool[poolOffset + 2];
  b[off + 3] = pool[poolOffset + 3];
  poolOffset += 4;
}
