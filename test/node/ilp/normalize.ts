/** Turns codec values into plain JSON-like data (hex, decimal strings, ISO times) for readable diffs. */
export function normalize(v: unknown): unknown {
  if (Buffer.isBuffer(v) || v instanceof Uint8Array) return `hex:${Buffer.from(v).toString('hex')}`;
  if (typeof v === 'bigint') return `bigint:${v.toString()}`;
  if (v instanceof Date) return `date:${Number.isNaN(v.getTime()) ? 'invalid' : v.toISOString()}`;
  if (Array.isArray(v)) return v.map(normalize);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = normalize(x);
    return out;
  }
  return v;
}
