/**
 * The rates document: `{ "base": "USD", "rates": { "XRP": 1.923077 } }`, one unit of `base` buys
 * `rates[X]` units of X. The shape of common FX APIs and of rafiki's rates service; the same
 * convention as `rates.base` / `rates.static` in the config. Numbers are read from their text.
 */
import { JsonNumber, parseExactJson, type ExactJson } from './exact-json.js';
import { decimalProblem, parsePositiveDecimal, type Rational } from './rational.js';

/** One rate: its exact value and the decimal text it came from. */
export interface Rate {
  readonly value: Rational;
  readonly text: string;
}

/** A checked rates document. */
export interface RatesDocument {
  readonly base: string;
  readonly rates: ReadonlyMap<string, Rate>;
}

/** Asset codes: 1-32 printable characters without spaces (ISO 4217 codes, tickers). */
export const ASSET_CODE_PATTERN = /^[!-~]{1,32}$/;

/** A rates document that cannot be used; the message says what is wrong. */
export class RatesDocumentError extends Error {
  override name = 'RatesDocumentError';
}

/** The reason a rate's decimal text is not a usable rate, or undefined. */
export function rateProblem(text: string): string | undefined {
  const p = decimalProblem(text);
  if (p !== undefined) return p === 'is negative' ? 'is negative; a rate must be greater than 0' : p;
  try {
    parsePositiveDecimal(text);
    return undefined;
  } catch (err) {
    return (err as Error).message.replace(/^".*?" /, '');
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof JsonNumber);
}

/**
 * Checks a document's shape and turns its rates into exact rationals. Rates may be JSON numbers
 * (read from their text) or decimal strings.
 * @throws RatesDocumentError naming the first problem
 */
export function readRatesDocument(doc: ExactJson | Record<string, unknown>): RatesDocument {
  if (!isObject(doc)) throw new RatesDocumentError('the rates document is not a JSON object');
  const base = doc.base;
  if (typeof base !== 'string' || !ASSET_CODE_PATTERN.test(base)) {
    throw new RatesDocumentError('the rates document has no "base" asset code (e.g. "base": "USD")');
  }
  if (!isObject(doc.rates)) throw new RatesDocumentError('the rates document has no "rates" object (e.g. "rates": { "XRP": 1.923077 })');
  const rates = new Map<string, Rate>();
  for (const [code, raw] of Object.entries(doc.rates)) {
    if (!ASSET_CODE_PATTERN.test(code)) throw new RatesDocumentError(`rates: ${JSON.stringify(code)} is not an asset code`);
    const text = raw instanceof JsonNumber ? raw.text : typeof raw === 'string' ? raw : undefined;
    if (text === undefined) throw new RatesDocumentError(`rates.${code}: ${JSON.stringify(raw)} is not a number (a rate is a decimal number greater than 0, e.g. 1.923077)`);
    const problem = rateProblem(text);
    if (problem !== undefined) throw new RatesDocumentError(`rates.${code}: ${text} ${problem}`);
    if (code === base && text !== '1' && parsePositiveDecimal(text).num !== parsePositiveDecimal(text).den) {
      throw new RatesDocumentError(`rates.${code}: the base asset's rate must be 1, not ${text}`);
    }
    rates.set(code, { value: parsePositiveDecimal(text), text });
  }
  return { base, rates };
}

/** Parses and checks a rates document from its JSON text. @throws RatesDocumentError */
export function parseRatesDocument(text: string): RatesDocument {
  let json: ExactJson;
  try {
    json = parseExactJson(text);
  } catch (err) {
    throw new RatesDocumentError(`the rates document is not JSON: ${(err as Error).message}`);
  }
  return readRatesDocument(json);
}
