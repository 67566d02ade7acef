/**
 * The `rates` section: the base asset, static rates, the spread and a polled HTTP source.
 * Rates are decimal strings (a YAML or JSON float is refused: it cannot carry an exact rate);
 * one unit of `base` buys `static[X]` units of X.
 */
import { z } from 'zod';
import { ASSET_CODE_PATTERN, rateProblem } from '../rates/document.js';
import { decimalProblem, parseDecimal } from '../rates/rational.js';
import { key, positiveInt, urlField } from './fields.js';

/** An asset code (USD, XRP): 1-32 printable characters, no spaces. */
export const assetCodeField = () => z.string().regex(ASSET_CODE_PATTERN, 'must be an asset code: 1-32 printable characters, no spaces (e.g. USD, XRP)');

const rateText = z.unknown().superRefine((v, ctx) => {
  if (typeof v !== 'string') {
    ctx.addIssue({
      code: 'custom',
      message: 'must be a decimal string',
      params: { hint: 'quote the rate (XRP: "1.923077"): a float cannot carry an exact rate' },
    });
    return;
  }
  const problem = rateProblem(v);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(v)} ${problem}` });
}) as unknown as z.ZodType<string, unknown>;

/** `XRP=1.923077,EUR=0.92` (the environment's form) as an object; anything else passes unchanged. */
function fromPairs(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  const out: Record<string, string> = {};
  for (const pair of v.split(',')) {
    const at = pair.indexOf('=');
    if (at <= 0) return v;
    out[pair.slice(0, at).trim()] = pair.slice(at + 1).trim();
  }
  return out;
}

const spreadField = z
  .string()
  .default('0')
  .superRefine((v, ctx) => {
    const problem = decimalProblem(v);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(v)} ${problem}` });
    else if (parseDecimal(v).num >= parseDecimal(v).den) ctx.addIssue({ code: 'custom', message: 'must be less than 1 (a fraction such as "0.002")' });
  });

const sourceSchema = z
  .strictObject({
    url: key(urlField(['http:', 'https:']), {
      description: 'GET answers { "base": "USD", "rates": { "XRP": 1.923077 } }; numbers are read exactly from their text.',
      type: 'http(s) URL',
    }),
    pollIntervalMs: key(positiveInt(60_000), { description: 'How often the source is asked (ms).' }),
    maxAgeMs: key(positiveInt(300_000), {
      description: "Older than this (ms), the source's rates stop: pairs touching its assets get T00 and health says degraded.",
    }),
    timeoutMs: key(positiveInt(10_000), { description: 'How long one request to the source may take (ms).' }),
  })
  .superRefine((s, ctx) => {
    if (s.pollIntervalMs >= s.maxAgeMs) {
      ctx.addIssue({
        code: 'custom',
        path: ['pollIntervalMs'],
        message: `is ${s.pollIntervalMs} but maxAgeMs is ${s.maxAgeMs}: every answer would be stale before the next poll`,
        params: { hint: 'poll more often than maxAgeMs' },
      });
    }
  });

/** `rates`: exchange rates for peers whose asset differs from the node's. */
export const ratesSchema = z
  .strictObject({
    base: key(assetCodeField().optional(), {
      description: 'The asset every rate is quoted against.',
      default: "the node's assetCode",
      type: 'asset code',
    }),
    static: key(z.preprocess(fromPairs, z.record(assetCodeField(), rateText)).default({}), {
      description: 'Asset code → units of it one unit of base buys, as a decimal string (XRP: "1.923077"; in env: XRP=1.923077,EUR=0.92).',
      type: 'map of asset code → decimal string',
      default: '{}',
    }),
    spread: key(spreadField, {
      description: 'Fraction kept on every cross-asset conversion, as a decimal string ("0.002" = 0.2%), rounded down.',
      type: 'decimal string',
    }),
    source: sourceSchema.optional(),
  })
  .superRefine((r, ctx) => {
    if (r.base !== undefined && r.static[r.base] !== undefined && rateProblem(r.static[r.base]) === undefined) {
      const v = parseDecimal(r.static[r.base]);
      if (v.num !== v.den) ctx.addIssue({ code: 'custom', path: ['static', r.base], message: 'is the base asset: its rate is 1' });
    }
  });
