/**
 * Amounts in the MCP tools are decimals with the asset (docs/agents.md): a model reads
 * `"0.000000300 USD"` and writes `"0.5"` (of the node's asset); the admin API underneath speaks raw
 * units. Every shown amount keeps its raw units beside it (`<field>Raw`), so nothing is lost.
 */
import type { AdminClient } from '../../cli/admin-client.js';
import { appError } from '../../errors/index.js';
import { formatAmount } from '../../rates/amount.js';
import { parseDecimal } from '../../rates/rational.js';

export interface Asset {
  code: string;
  scale: number;
}

/** The node's own asset (the local agent's), read once from GET /admin/balances; a failed read is retried next time. */
export function nodeAsset(client: AdminClient): () => Promise<Asset> {
  let known: Asset | undefined;
  return async () => {
    if (known !== undefined) return known;
    const b = await client.get<{ asset?: Asset; accounts?: { account: string; assetCode: string; assetScale: number }[] }>('/admin/balances');
    const agent = b.accounts?.find((a) => a.account === 'agent');
    const asset = b.asset ?? (agent === undefined ? undefined : { code: agent.assetCode, scale: agent.assetScale });
    if (asset === undefined) throw appError('NOT_READY', { message: "The node did not say its asset (GET /admin/balances has no asset): amounts cannot be shown as decimals" });
    known = asset;
    return asset;
  };
}

/** A decimal of `asset` ("0.5") as raw units, exactly; more decimals than the asset's scale is an error naming it. */
export function toUnits(text: string, asset: Asset): bigint {
  let r;
  try {
    r = parseDecimal(text);
  } catch (e) {
    throw appError('INVALID_ARGUMENT', { field: 'amount', reason: `${(e as Error).message}; give a decimal of ${asset.code}, e.g. "0.5"` });
  }
  const scaled = r.num * 10n ** BigInt(asset.scale);
  if (scaled % r.den !== 0n) {
    throw appError('INVALID_ARGUMENT', {
      field: 'amount',
      reason: `${JSON.stringify(text)} has more decimals than ${asset.code} has: its scale is ${asset.scale}, so at most ${asset.scale} digits after the point (smallest amount ${formatAmount(1n, asset)})`,
    });
  }
  return scaled / r.den;
}

/** `{ [field]: "<decimal> <code>", [field + "Raw"]: "<units>" }` for each of `fields` present in `o` as a string. */
export function shown<T extends object>(o: T, asset: Asset, fields: readonly string[]): T {
  const out: Record<string, unknown> = { ...(o as Record<string, unknown>) };
  for (const f of fields) {
    const v = out[f];
    if (typeof v === 'string' && /^-?\d+$/.test(v)) {
      out[f] = formatAmount(v, asset);
      out[`${f}Raw`] = v;
    }
  }
  return out as T;
}
