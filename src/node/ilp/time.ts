/**
 * The two timestamp encodings on the wire, read and written by digit arithmetic (no string
 * parsing, no `Date` objects on the way): the ILP `YYYYMMDDHHmmSSfff` (17 chars, RFC 0027) and
 * BTP's GeneralizedTime `YYYYMMDDHHmmSS.fffZ` (19 chars, RFC 0023). Both are UTC with
 * millisecond precision; years 0000..9999; no leap second (`60`) and no out-of-range field.
 */
import { CodecError } from './errors.js';

/** Length of an ILP timestamp, in bytes. */
export const ILP_TIMESTAMP_LENGTH = 17;
/** Length of the GeneralizedTime BTP writes, in bytes. */
export const GENERALIZED_TIME_LENGTH = 19;

const MS_PER_DAY = 86_400_000;
/** 0000-01-01T00:00:00.000Z in ms since the epoch. */
const MIN_MS = -62_167_219_200_000;
/** 9999-12-31T23:59:59.999Z in ms since the epoch. */
const MAX_MS = 253_402_300_799_999;

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return isLeap(y) ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  if (m <= 2) y -= 1;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** True when `ms` is an integer time that has a 4-digit-year encoding. */
export function isEncodableTime(ms: number): boolean {
  return Number.isInteger(ms) && ms >= MIN_MS && ms <= MAX_MS;
}

/**
 * Last calendar day read and written. Packets on one node carry expiries within the same day, so
 * both directions mostly skip the calendar arithmetic; the caches only ever hold a correct pair.
 */
const readDayDigits = new Uint8Array(8);
let readDayNumber = 0;
const writeDayDigits = new Uint8Array(8);
let writeDayNumber = Number.NaN;

/** Days since the epoch of the `YYYYMMDD` digits at `off`; digits already checked. */
function readDay(b: Buffer, off: number, field: string): number {
  const c = readDayDigits;
  if (
    b[off + 7] === c[7] && b[off + 6] === c[6] && b[off + 5] === c[5] && b[off + 4] === c[4] &&
    b[off + 3] === c[3] && b[off + 2] === c[2] && b[off + 1] === c[1] && b[off] === c[0]
  ) {
    // The cache starts as zero bytes, which never match ASCII digits.
    return readDayNumber;
  }
  const y = (b[off] - 48) * 1000 + (b[off + 1] - 48) * 100 + (b[off + 2] - 48) * 10 + (b[off + 3] - 48);
  const mo = (b[off + 4] - 48) * 10 + (b[off + 5] - 48);
  const d = (b[off + 6] - 48) * 10 + (b[off + 7] - 48);
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) throw new CodecError(`${field}: invalid date`);
  const days = daysFromCivil(y, mo, d);
  for (let i = 0; i < 8; i++) c[i] = b[off + i];
  readDayNumber = days;
  return days;
}

/** Reads `YYYYMMDDHHmmSS` at `off` plus 3 millisecond digits at `msOff`; digits already checked. */
function readCivil(b: Buffer, off: number, msOff: number, field: string): number {
  const days = readDay(b, off, field);
  const h = (b[off + 8] - 48) * 10 + (b[off + 9] - 48);
  const mi = (b[off + 10] - 48) * 10 + (b[off + 11] - 48);
  const s = (b[off + 12] - 48) * 10 + (b[off + 13] - 48);
  const ms = (b[msOff] - 48) * 100 + (b[msOff + 1] - 48) * 10 + (b[msOff + 2] - 48);
  if (h > 23 || mi > 59 || s > 59) throw new CodecError(`${field}: invalid time of day`);
  return days * MS_PER_DAY + h * 3_600_000 + mi * 60_000 + s * 1000 + ms;
}

function allDigits(b: Buffer, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = b[i];
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/**
 * Reads a 17-byte ILP timestamp at `off` (the caller checked the bytes are there).
 * @returns ms since the epoch
 */
export function readIlpTimestamp(b: Buffer, off: number, field: string): number {
  if (!allDigits(b, off, off + ILP_TIMESTAMP_LENGTH)) throw new CodecError(`${field}: not a 17-digit timestamp`);
  return readCivil(b, off, off + 14, field);
}

/**
 * Reads a GeneralizedTime `YYYYMMDDHHmmSS.fffZ` from `b[off, off + len)`.
 * @returns ms since the epoch
 */
export function readGeneralizedTime(b: Buffer, off: number, len: number, field: string): number {
  if (
    len !== GENERALIZED_TIME_LENGTH ||
    !allDigits(b, off, off + 14) ||
    b[off + 14] !== 0x2e ||
    !allDigits(b, off + 15, off + 18) ||
    b[off + 18] !== 0x5a
  ) {
    throw new CodecError(`${field}: not a YYYYMMDDHHmmSS.fffZ time`);
  }
  return readCivil(b, off, off + 15, field);
}

function write2(b: Buffer, off: number, v: number): void {
  b[off] = 0x30 + ((v / 10) | 0);
  b[off + 1] = 0x30 + (v % 10);
}

/** Computes the `YYYYMMDD` digits of day `z` (days since the epoch) into the write cache. */
function cacheWriteDay(z: number): void {
  // H. Hinnant's civil_from_days.
  const zz = z + 719_468;
  const era = Math.floor(zz / 146_097);
  const doe = zz - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  const c = writeDayDigits;
  c[0] = 0x30 + ((y / 1000) | 0);
  c[1] = 0x30 + (((y / 100) | 0) % 10);
  c[2] = 0x30 + (((y / 10) | 0) % 10);
  c[3] = 0x30 + (y % 10);
  c[4] = 0x30 + ((m / 10) | 0);
  c[5] = 0x30 + (m % 10);
  c[6] = 0x30 + ((d / 10) | 0);
  c[7] = 0x30 + (d % 10);
  writeDayNumber = z;
}

/** Writes `YYYYMMDDHHmmSS` at `off`; returns the millisecond part still to write. */
function writeCivil(b: Buffer, off: number, ms: number, field: string): number {
  if (!isEncodableTime(ms)) throw new CodecError(`${field}: time out of range (years 0000..9999, whole ms)`);
  const z = Math.floor(ms / MS_PER_DAY);
  let rem = ms - z * MS_PER_DAY;
  if (z !== writeDayNumber) cacheWriteDay(z);
  const c = writeDayDigits;
  b[off] = c[0];
  b[off + 1] = c[1];
  b[off + 2] = c[2];
  b[off + 3] = c[3];
  b[off + 4] = c[4];
  b[off + 5] = c[5];
  b[off + 6] = c[6];
  b[off + 7] = c[7];
  const h = (rem / 3_600_000) | 0;
  rem -= h * 3_600_000;
  const mi = (rem / 60_000) | 0;
  rem -= mi * 60_000;
  const s = (rem / 1000) | 0;
  write2(b, off + 8, h);
  write2(b, off + 10, mi);
  write2(b, off + 12, s);
  return rem - s * 1000;
}

function write3(b: Buffer, off: number, v: number): void {
  b[off] = 0x30 + ((v / 100) | 0);
  b[off + 1] = 0x30 + (((v / 10) | 0) % 10);
  b[off + 2] = 0x30 + (v % 10);
}

/**
 * Writes `ms` (since the epoch) as a 17-byte ILP timestamp at `off`; returns the next offset.
 * @throws CodecError outside years 0000..9999 or for a non-integer
 */
export function writeIlpTimestamp(b: Buffer, off: number, ms: number, field: string): number {
  write3(b, off + 14, writeCivil(b, off, ms, field));
  return off + ILP_TIMESTAMP_LENGTH;
}

/** Writes `ms` (since the epoch) as a 19-byte GeneralizedTime at `off`; returns the next offset. */
export function writeGeneralizedTime(b: Buffer, off: number, ms: number, field: string): number {
  const millis = writeCivil(b, off, ms, field);
  b[off + 14] = 0x2e;
  write3(b, off + 15, millis);
  b[off + 18] = 0x5a;
  return off + GENERALIZED_TIME_LENGTH;
}
