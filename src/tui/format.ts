/** Number, time and code formats for the dashboard. Amounts stay bigint: display never goes through a float. */
import { ILP_ERROR_NAMES, isKnownIlpErrorCode } from '../errors/ilp-codes.js';
import { formatUnits } from '../rates/amount.js';

/** `F02` → `F02 Unreachable`; an unknown code stays as it is. */
export function describeCode(code: string): string {
  return isKnownIlpErrorCode(code) ? `${code} ${ILP_ERROR_NAMES[code]}` : code;
}

/** hh:mm:ss in local time. */
export function clock(ts: number): string {
  const d = new Date(ts);
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

const two = (n: number) => (n < 10 ? `0${n}` : String(n));

/** 59s, 12m05s, 3h04m, 2d03h. */
export function duration(sec: number): string {
  const s = Math.max(0, Math.floor(sec));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${two(s % 60)}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h${two(Math.floor(s / 60) % 60)}m`;
  return `${Math.floor(s / 86_400)}d${two(Math.floor(s / 3600) % 24)}h`;
}

/** 1234567 → 1,234,567. */
export function grouped(n: number | bigint): string {
  const neg = n < 0;
  const digits = (neg ? -BigInt(n) : BigInt(n)).toString();
  const out = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return neg ? `-${out}` : out;
}

const SUFFIXES = ['', 'k', 'M', 'G', 'T', 'P', 'E', 'Z'];

/** A signed amount in at most ~6 characters: 999, 12.3k, 4.5M, -1.0P. Accepts decimal strings. */
export function compact(value: string | number | bigint): string {
  let v: bigint;
  try {
    v = typeof value === 'bigint' ? value : BigInt(typeof value === 'number' ? Math.round(value) : value);
  } catch {
    return String(value);
  }
  const neg = v < 0n;
  const abs = neg ? -v : v;
  let text: string;
  if (abs < 10_000n) text = abs.toString();
  else {
    let tier = 1;
    let scale = 1000n;
    while (abs >= scale * 1000n && tier < SUFFIXES.length - 1) {
      scale *= 1000n;
      tier++;
    }
    const tenths = (abs * 10n) / scale;
    text = tenths >= 1000n ? `${tenths / 10n}${SUFFIXES[tier]}` : `${tenths / 10n}.${tenths % 10n}${SUFFIXES[tier]}`;
  }
  return neg ? `-${text}` : text;
}

/** An asset as the dashboard shows amounts of it (code, scale). */
export interface AssetView {
  readonly code: string;
  readonly scale: number;
}

/**
 * `units` of `asset` in at most `width` characters, exact whenever it can be: every fraction digit of
 * the scale (`12.500000 XRP`), else without the trailing zeros (`12.5 XRP`), else an amount below one
 * unit as integer units times a power of ten (`1000e-9 USD`, or `1e-6 USD` when that is too long), else shortened toward zero and marked
 * `~` (`~1234.56 USD`, `~1.2M USD`). Without an asset: the units grouped (`1,000`) or compact.
 */
export function fitAmount(units: string, asset: AssetView | undefined, width: number): string {
  let v: bigint;
  try {
    v = BigInt(units);
  } catch {
    return units;
  }
  if (asset === undefined) {
    const full = grouped(v);
    return full.length <= width ? full : compact(v);
  }
  const code = ` ${asset.code}`;
  const full = formatUnits(v, asset.scale);
  if (full.length + code.length <= width) return full + code;
  const trimmed = full.includes('.') ? full.replace(/\.?0+$/, '') : full;
  if (trimmed.length + code.length <= width) return trimmed + code;
  const neg = v < 0n;
  const abs = neg ? -v : v;
  const sign = neg ? '-' : '';
  const unit = 10n ** BigInt(Math.max(0, asset.scale));
  if (asset.scale > 0 && abs < unit) {
    const exact = `${sign}${abs}e-${asset.scale}`;
    if (exact.length + code.length <= width) return exact + code;
    // still exact with the integer's trailing zeros moved into the exponent: 5000e-9 is 5e-6
    const digits = abs.toString().replace(/0+$/, '');
    const shorter = `${sign}${digits}e-${asset.scale - (abs.toString().length - digits.length)}`;
    if (shorter.length + code.length <= width) return shorter + code;
  }
  const room = width - code.length - 1;
  const whole = trimmed.split('.')[0];
  if (whole.length + 2 <= room) return `~${trimmed.slice(0, room).replace(/\.$/, '')}${code}`;
  return `~${compact(neg ? -(abs / unit) : abs / unit)}${code}`;
}

/**
 * `fitAmount` without the asset code: the amount of `asset` in at most `width` characters, for a
 * column whose asset is named once beside it (`1/0.005 XRP`). Without an asset: as `fitAmount`.
 */
export function fitValue(units: string, asset: AssetView | undefined, width: number): string {
  if (asset === undefined) return fitAmount(units, undefined, width);
  const code = ` ${asset.code}`;
  const text = fitAmount(units, asset, width + code.length);
  return text.endsWith(code) ? text.slice(0, -code.length) : text;
}
