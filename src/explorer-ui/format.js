// @ts-check
/** Formatting for the explorer: times, amounts, latency and packet data as text or hex. */

/**
 * `12:03:04.512` in local time.
 * @param {number} ts ms since the epoch
 */
export function time(ts) {
  const d = new Date(ts);
  const pad = (/** @type {number} */ n, w = 2) => String(n).padStart(w, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/**
 * An amount in asset units with thousands separators; amounts are decimal strings (64-bit), never numbers.
 * @param {string | undefined} s
 */
export function amount(s) {
  if (s === undefined || s === '') return '';
  const neg = s.startsWith('-');
  const digits = neg ? s.slice(1) : s;
  return (neg ? '−' : '') + digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/**
 * @typedef {{ code: string, scale: number }} Asset
 */

/**
 * Integer units of an asset as a decimal with its code, every fraction digit of the scale shown:
 * `1923077` of XRP@6 is `1.923077 XRP`, `-1234500000` of USD@9 is `−1.234500000 USD` (exact: string
 * arithmetic, never a float). Without an asset: the units as `amount` shows them.
 * @param {string | undefined} s
 * @param {Asset | undefined} asset
 */
export function assetAmount(s, asset) {
  if (s === undefined || s === '') return '';
  if (asset === undefined || !/^-?\d+$/.test(s)) return amount(s);
  const neg = s.startsWith('-');
  const digits = (neg ? s.slice(1) : s).replace(/^0+(?=\d)/, '');
  const scale = Math.max(0, asset.scale);
  const padded = digits.padStart(scale + 1, '0');
  const whole = padded.slice(0, padded.length - scale);
  const fraction = padded.slice(padded.length - scale);
  return `${amount((neg ? '-' : '') + whole)}${scale > 0 ? `.${fraction}` : ''} ${asset.code}`;
}

/**
 * @param {number | undefined} ms
 */
export function latency(ms) {
  if (ms === undefined) return '';
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(2)} s`;
}

/**
 * Decodes base64 into bytes.
 * @param {string} b64
 * @returns {Uint8Array}
 */
export function fromBase64(b64) {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/**
 * Encodes UTF-8 text as base64 (what /api/send takes).
 * @param {string} text
 */
export function textToBase64(text) {
  const bytes = new TextEncoder().encode(text);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

/**
 * Bytes as text: UTF-8, with control characters other than newline and tab shown as `·`.
 * @param {Uint8Array} bytes
 */
export function asText(bytes) {
  // eslint-disable-next-line no-control-regex -- replacing control characters is the point
  return new TextDecoder('utf-8', { fatal: false }).decode(bytes).replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '·');
}

/**
 * A classic hex dump: offset, 16 bytes in hex, the printable ASCII.
 * @param {Uint8Array} bytes
 */
export function asHex(bytes) {
  const lines = [];
  for (let off = 0; off < bytes.length; off += 16) {
    const row = bytes.subarray(off, off + 16);
    const hex = Array.from(row, (b) => b.toString(16).padStart(2, '0')).join(' ');
    const ascii = Array.from(row, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    lines.push(`${off.toString(16).padStart(6, '0')}  ${hex.padEnd(47, ' ')}  |${ascii}|`);
  }
  return lines.join('\n');
}

/**
 * A long id or hash shortened in the middle (the full value goes into the title).
 * @param {string} s
 * @param {number} [keep]
 */
export function short(s, keep = 10) {
  return s.length <= keep * 2 + 1 ? s : `${s.slice(0, keep)}…${s.slice(-keep)}`;
}

/**
 * The status line of the node's defences (GET /api/defences); '' while there is nothing to say.
 * `ledger stopped: … · pre-auth refused 1,300 · in-flight cap 7 · late fulfills 2 (amount 1,900)`
 * @param {{ ledgerFault?: string, preAuthRefused: number, inFlightRejected: number, lateFulfills: { count: number, amount: string } }} d
 */
export function defencesText(d) {
  const parts = [];
  if (d.ledgerFault !== undefined) parts.push(`LEDGER STOPPED: ${d.ledgerFault}`);
  if (d.preAuthRefused > 0) parts.push(`pre-auth refused ${amount(String(d.preAuthRefused))}`);
  if (d.inFlightRejected > 0) parts.push(`in-flight cap ${amount(String(d.inFlightRejected))}`);
  if (d.lateFulfills.count > 0) parts.push(`late fulfills ${amount(String(d.lateFulfills.count))} (amount ${amount(d.lateFulfills.amount)})`);
  return parts.join(' · ');
}
