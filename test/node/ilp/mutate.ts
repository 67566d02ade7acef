/**
 * A small deterministic fuzzing engine: a seeded PRNG and mutations of valid encodings aimed at
 * OER's weak spots (length prefixes, truncation, trailing bytes, flipped bytes).
 */

/** mulberry32: a tiny seeded PRNG, so a failing input can be replayed from its seed. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform float in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }

  bytes(n: number): Buffer {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }
}

/** Bytes that make interesting length prefixes: long forms, indefinite, extremes. */
const PREFIX_BYTES = [0x00, 0x01, 0x7f, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x88, 0xff] as const;

/** Applies one random mutation to a copy of `b`. */
export function mutateOnce(rng: Rng, b: Buffer, corpus: readonly Buffer[]): Buffer {
  const len = b.length;
  const at = len === 0 ? 0 : rng.int(len);
  switch (rng.int(10)) {
    case 0: {
      // Overwrite a few bytes.
      const out = Buffer.from(b);
      for (let k = 1 + rng.int(4); k > 0 && len > 0; k--) out[rng.int(len)] = rng.int(256);
      return out;
    }
    case 1: {
      // Flip one bit.
      const out = Buffer.from(b);
      if (len > 0) out[at] ^= 1 << rng.int(8);
      return out;
    }
    case 2:
      // Truncate.
      return Buffer.from(b.subarray(0, rng.int(len + 1)));
    case 3:
      // Extend with trailing bytes.
      return Buffer.concat([b, rng.bytes(1 + rng.int(8))]);
    case 4: {
      // Replace a byte with a length-prefix oddity.
      const out = Buffer.from(b);
      if (len > 0) out[at] = rng.pick(PREFIX_BYTES);
      return out;
    }
    case 5: {
      // Re-encode a short length in long form (length-of-length waste): L -> 81 L, or 82 00 L.
      const waste = rng.int(2) === 0 ? [0x81] : [0x82, 0x00];
      return Buffer.concat([b.subarray(0, at), Buffer.from(waste), b.subarray(at)]);
    }
    case 6: {
      // Nudge the envelope / body length prefix (ILP: byte 1, BTP: byte 5) or any byte by a little.
      const out = Buffer.from(b);
      const i = rng.pick([1, 5, at]);
      if (i < len) out[i] = (out[i] + rng.pick([-2, -1, 1, 2])) & 0xff;
      return out;
    }
    case 7: {
      // Delete a range.
      const end = Math.min(len, at + 1 + rng.int(8));
      return Buffer.concat([b.subarray(0, at), b.subarray(end)]);
    }
    case 8: {
      // Insert random bytes in the middle.
      return Buffer.concat([b.subarray(0, at), rng.bytes(1 + rng.int(4)), b.subarray(at)]);
    }
    default: {
      // Splice with another corpus entry.
      const other = rng.pick(corpus);
      return Buffer.concat([b.subarray(0, at), other.subarray(rng.int(other.length + 1))]);
    }
  }
}

/** A fuzz input: mostly stacked mutations of a corpus entry, sometimes random bytes. */
export function fuzzInput(rng: Rng, corpus: readonly Buffer[]): Buffer {
  if (rng.int(10) === 0) {
    const b = rng.bytes(rng.int(120));
    // Give random bytes a plausible type byte half the time so they get past the first check.
    if (b.length > 0 && rng.int(2) === 0) b[0] = rng.pick([1, 2, 3, 4, 5, 6, 7, 12, 13, 14]);
    return b;
  }
  let b = rng.pick(corpus);
  for (let k = 1 + rng.int(3); k > 0; k--) b = mutateOnce(rng, b, corpus);
  return b;
}
