/** Number, time and code formats for the dashboard. Amounts stay bigint: display never goes through a float. */
import { ILP_ERROR_NAMES, isKnownIlpErrorCode } from '../errors/ilp-codes.js';

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
