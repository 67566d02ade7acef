/** Exchange rates: exact rationals, the rate book, rate sources, conversion. */
export * from './rational.js';
export * from './document.js';
export * from './rate-book.js';
export * from './source.js';
export * from './convert.js';
export { parseExactJson, JsonNumber, type ExactJson } from './exact-json.js';
export { formatAmount, formatUnits } from './amount.js';
