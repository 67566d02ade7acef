/**
 * Exact non-negative rationals on BigInt, for rates and the conversion factor of a pair.
 *
 * Decimal strings are parsed digit by digit, never through a JS number: "1.923077" is exactly
 * 1923077/1000000. Every rounding is down (floor), so a conversion never pays out more than the
 * rate says: the connector keeps the remainder, it never owes it.
 */

/** num/den with den > 0 and num >= 0, in lowest terms. */
export interface Rational {
  readonly num: bigint;
  readonly den: bigint;
}

/** A decimal number as JSON and our config write it: digits, an optional fraction, an optional exponent. */
const DECIMAL = /^(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

/** Longest decimal text accepted (digits are cheap, but a rate with 10k digits is an attack, not a rate). */
const MAX_DECIMAL_CHARS = 100;
/** Largest exponent accepted in `1e…` notation, either sign. */
const MAX_EXPONENT = 60;

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/** Builds num/den in lowest terms. @throws RangeError when den <= 0 or num < 0 */
export function rational(num: bigint, den = 1n): Rational {
  if (den <= 0n) throw new RangeError('denominator must be positive');
  if (num < 0n) throw new RangeError('rationals here are never negative');
  const g = gcd(num, den);
  return g > 1n ? { num: num / g, den: den / g } : { num, den };
}

/** The reason a decimal string is not a usable number, or undefined when it is. */
export function decimalProblem(text: unknown): string | undefined {
  if (typeof text !== 'string') return 'is not a decimal string';
  if (text.length === 0) return 'is empty';
  if (text.length > MAX_DECIMAL_CHARS) return `is longer than ${MAX_DECIMAL_CHARS} characters`;
  if (text.startsWith('-')) return 'is negative';
  const m = DECIMAL.exec(text);
  if (m === null) return 'is not a decimal number (digits, optionally a fraction, e.g. "1.923077")';
  if (m[3] !== undefined && Math.abs(Number(m[3])) > MAX_EXPONENT) return `has an exponent beyond ±${MAX_EXPONENT}`;
  return undefined;
}

/**
 * Parses a non-negative decimal ("0.002", "1.923077", "2e-3") exactly.
 * @throws RangeError naming what is wrong with the text
 */
export function parseDecimal(text: string): Rational {
  const problem = decimalProblem(text);
  if (problem !== undefined) throw new RangeError(`${JSON.stringify(text)} ${problem}`);
  const m = DECIMAL.exec(text)!;
  const frac = m[2] ?? '';
  const exp = Number(m[3] ?? '0') - frac.length;
  const digits = BigInt(m[1] + frac);
  return exp >= 0 ? rational(digits * 10n ** BigInt(exp)) : rational(digits, 10n ** BigInt(-exp));
}

/** Parses a decimal that must be greater than zero (a rate). @throws RangeError */
export function parsePositiveDecimal(text: string): Rational {
  const r = parseDecimal(text);
  if (r.num === 0n) throw new RangeError(`${JSON.stringify(text)} is zero; a rate must be greater than 0`);
  return r;
}

export function multiply(a: Rational, b: Rational): Rational {
  return rational(a.num * b.num, a.den * b.den);
}

/** a / b. @throws RangeError when b is zero */
export function divide(a: Rational, b: Rational): Rational {
  if (b.num === 0n) throw new RangeError('division by zero');
  return rational(a.num * b.den, a.den * b.num);
}

/** 1 − a for 0 <= a <= 1. @throws RangeError when a > 1 */
export function oneMinus(a: Rational): Rational {
  if (a.num > a.den) throw new RangeError('must be at most 1');
  return rational(a.den - a.num, a.den);
}

/** 10^exp as a rational (exp may be negative). */
export function powerOfTen(exp: number): Rational {
  return exp >= 0 ? rational(10n ** BigInt(exp)) : rational(1n, 10n ** BigInt(-exp));
}

/** floor(amount × r) for amount >= 0. */
export function floorTimes(amount: bigint, r: Rational): bigint {
  return (amount * r.num) / r.den;
}

export function compare(a: Rational, b: Rational): -1 | 0 | 1 {
  const l = a.num * b.den;
  const r = b.num * a.den;
  return l < r ? -1 : l > r ? 1 : 0;
}

/**
 * The exact decimal text of r when its denominator has only the factors 2 and 5; otherwise r rounded
 * down to `maxFraction` digits (shown, never computed with).
 */
export function toDecimal(r: Rational, maxFraction = 18): string {
  const whole = r.num / r.den;
  let rest = r.num % r.den;
  let frac = '';
  while (rest !== 0n && frac.length < maxFraction) {
    rest *= 10n;
    frac += (rest / r.den).toString();
    rest %= r.den;
  }
  return frac.length === 0 ? whole.toString() : `${whole}.${frac}`;
}
