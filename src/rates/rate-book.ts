/**
 * The node's rates and the conversion factor of each asset pair.
 *
 * Rates come from `rates.static` (and `PUT /admin/rates`) and from one polled source (an HTTP URL
 * or a library provider function). A source's rate wins over a static one while the source is
 * fresh; once the source is older than `maxAgeMs`, every pair touching an asset it supplies has no
 * rate (T00 naming the pair) until it answers again. Factors are cached per pair of asset objects
 * (a peer's asset is one object for its life) and rebuilt when a rate changes, so the packet path
 * builds no key string: two identity lookups and one multiply-divide.
 */
import type { Rate, RatesDocument } from './document.js';
import { divide, multiply, oneMinus, parsePositiveDecimal, powerOfTen, rational, toDecimal, type Rational } from './rational.js';

/** An asset: its code and scale (an amount of 1 is 10^-scale of a unit). */
export interface Asset {
  readonly code: string;
  readonly scale: number;
}

/** The factor of a pair, or why there is none. */
export type PairFactor = { readonly ok: true; readonly factor: Rational } | { readonly ok: false; readonly reason: string };

/** One rate as listed by `GET /admin/rates` and `rates list`. */
export interface RateRow {
  code: string;
  /** Units of `code` one unit of the base buys (decimal string). */
  rate: string;
  source: 'base' | 'static' | 'source';
  /** ms epoch of the source's last good answer (source rates only) */
  updatedAt?: number;
  /** the source is older than maxAgeMs: pairs touching this asset get T00 */
  stale: boolean;
}

export interface RateBookOptions {
  /** The asset every rate is quoted against. */
  base: string;
  /** code → decimal string, units of code one unit of base buys. */
  static?: Readonly<Record<string, string>>;
  /** Decimal fraction kept on every cross-asset conversion ("0.002"), default 0. */
  spread?: Rational;
  /** A source answer older than this (ms) is stale. Default: never stale. */
  maxAgeMs?: number;
}

const ONE = rational(1n);

export class RateBook {
  readonly base: string;
  private readonly statics = new Map<string, Rate>();
  private sourceRates = new Map<string, Rate>();
  private sourceAt: number | undefined;
  private readonly keep: Rational;
  private readonly maxAgeMs: number;
  /** from → to → factor, by object identity; replaced (emptied) whenever a rate changes */
  private cache = new WeakMap<Asset, WeakMap<Asset, PairFactor>>();

  constructor(o: RateBookOptions) {
    this.base = o.base;
    for (const [code, text] of Object.entries(o.static ?? {})) this.statics.set(code, { value: parsePositiveDecimal(text), text });
    this.keep = oneMinus(o.spread ?? rational(0n));
    this.maxAgeMs = o.maxAgeMs ?? Number.POSITIVE_INFINITY;
  }

  /** Sets static rates (merged over the present ones). */
  setStatic(rates: ReadonlyMap<string, Rate>): void {
    for (const [code, rate] of rates) this.statics.set(code, rate);
    this.cache = new WeakMap();
  }

  /** The static rates as decimal strings (what PUT persists). */
  staticRates(): Record<string, string> {
    return Object.fromEntries([...this.statics].map(([code, r]) => [code, r.text]));
  }

  /** A good answer from the source, received at `at` (ms epoch). The caller checked its base. */
  applySource(doc: RatesDocument, at: number): void {
    this.sourceRates = new Map(doc.rates);
    this.sourceRates.delete(this.base);
    this.sourceAt = at;
    this.cache = new WeakMap();
  }

  /** ms since the source's last good answer; undefined when there is no source answer yet. */
  sourceAgeMs(now: number): number | undefined {
    return this.sourceAt === undefined ? undefined : now - this.sourceAt;
  }

  /** True when the source has answered before and its answer is now older than maxAgeMs. */
  isStale(now: number): boolean {
    return this.sourceAt !== undefined && now - this.sourceAt > this.maxAgeMs;
  }

  /** The codes a stale source supplies (empty while it is fresh). */
  staleAssets(now: number): string[] {
    return this.isStale(now) ? [...this.sourceRates.keys()] : [];
  }

  /** Every rate, the base first. */
  list(now: number): RateRow[] {
    const stale = this.isStale(now);
    const rows: RateRow[] = [{ code: this.base, rate: '1', source: 'base', stale: false }];
    const codes = new Set([...this.statics.keys(), ...this.sourceRates.keys()]);
    for (const code of [...codes].sort()) {
      if (code === this.base) continue;
      const fromSource = this.sourceRates.get(code);
      if (fromSource) rows.push({ code, rate: fromSource.text, source: 'source', updatedAt: this.sourceAt, stale });
      else rows.push({ code, rate: this.statics.get(code)!.text, source: 'static', stale: false });
    }
    return rows;
  }

  /**
   * floor-able factor converting amounts of `from` into amounts of `to`:
   * rate[to] / rate[from] × 10^(to.scale − from.scale) × (1 − spread). Same code: only the scale
   * changes and no spread is taken.
   */
  factor(from: Asset, to: Asset, now: number): PairFactor {
    if (this.sourceAt !== undefined && now - this.sourceAt > this.maxAgeMs && from.code !== to.code) {
      const stale = this.staleReason(from, to, now);
      if (stale !== undefined) return stale;
    }
    let byTo = this.cache.get(from);
    if (byTo === undefined) this.cache.set(from, (byTo = new WeakMap()));
    let f = byTo.get(to);
    if (f === undefined) byTo.set(to, (f = this.compute(from, to)));
    return f;
  }

  private staleReason(from: Asset, to: Asset, now: number): PairFactor | undefined {
    if (!this.sourceRates.has(from.code) && !this.sourceRates.has(to.code)) return undefined;
    const code = this.sourceRates.has(from.code) ? from.code : to.code;
    const ageS = Math.floor((now - this.sourceAt!) / 1000);
    return { ok: false, reason: `rate ${from.code}→${to.code} is stale: the source gave ${code} ${ageS}s ago (maxAgeMs ${this.maxAgeMs})` };
  }

  private rateOf(code: string): Rational | undefined {
    if (code === this.base) return ONE;
    return (this.sourceRates.get(code) ?? this.statics.get(code))?.value;
  }

  private compute(from: Asset, to: Asset): PairFactor {
    const scale = powerOfTen(to.scale - from.scale);
    if (from.code === to.code) return { ok: true, factor: scale };
    const rf = this.rateOf(from.code);
    const rt = this.rateOf(to.code);
    if (rf === undefined || rt === undefined) {
      const missing = rf === undefined ? from.code : to.code;
      return { ok: false, reason: `no rate for ${from.code}→${to.code}: ${missing} has no rate against ${this.base} (set rates.static.${missing} or PUT /admin/rates)` };
    }
    return { ok: true, factor: multiply(multiply(divide(rt, rf), scale), this.keep) };
  }
}

/** A pair's factor as a decimal string, for logs and the CLI (never computed with). */
export function describeFactor(f: Rational): string {
  return toDecimal(f, 12);
}
