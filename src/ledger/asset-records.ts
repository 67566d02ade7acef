/**
 * Each account's asset in the store: one `a` + account record per account, value `<code>@<scale>`
 * (UTF-8). Additive to the store layout (README "Store layout"): the node records its accounts'
 * assets at start and when a peer is added or changed; an account with no record (a store written
 * before assets were recorded) takes the node's asset, so an old single-asset store opens unchanged.
 * Never written on the packet path.
 */
import { assetOfAccountId, type LedgerAsset } from './assets.js';
import type { Db } from './store.js';
import type { AccountId } from './types.js';

/** Key prefix of asset records ('a'). */
export const PREFIX_ASSET = 0x61;

const key = (account: AccountId) => Buffer.concat([Buffer.from([PREFIX_ASSET]), Buffer.from(account, 'utf8')]);

/** `USD@9` → {code, scale}; undefined when malformed. */
export function parseAssetKey(text: string): LedgerAsset | undefined {
  const m = /^([!-~]{1,32})@(\d{1,3})$/.exec(text);
  if (m === null || Number(m[2]) > 255) return undefined;
  return { code: m[1], scale: Number(m[2]) };
}

/** Every recorded account asset. */
export async function readAssets(db: Db): Promise<Map<AccountId, LedgerAsset>> {
  const out = new Map<AccountId, LedgerAsset>();
  const range = { gte: Buffer.from([PREFIX_ASSET]), lt: Buffer.from([PREFIX_ASSET + 1]) };
  for await (const [k, v] of db.iterator(range)) {
    const asset = parseAssetKey(v.toString('utf8'));
    if (asset !== undefined) out.set(k.subarray(1).toString('utf8'), asset);
  }
  return out;
}

/** Records (or changes) the assets of the given accounts in one synced batch. */
export async function writeAssets(db: Db, assets: Iterable<[AccountId, LedgerAsset]>, sync: boolean): Promise<void> {
  const ops = [...assets].map(([account, a]) => ({ type: 'put' as const, key: key(account), value: Buffer.from(`${a.code}@${a.scale}`, 'utf8') }));
  if (ops.length > 0) await db.batch(ops, { sync });
}

/**
 * Per-asset sums of `balances`: each account in its recorded asset, else the one its id names
 * (`exchange:`/`fees:`/`onchain:<code>@<scale>`), else `fallback` (the node's).
 * Every sum of a consistent ledger is 0.
 */
export function sumByRecordedAsset(balances: ReadonlyMap<AccountId, bigint>, recorded: ReadonlyMap<AccountId, LedgerAsset>, fallback: LedgerAsset): Map<string, bigint> {
  const sums = new Map<string, bigint>();
  for (const [account, b] of balances) {
    const a = recorded.get(account) ?? assetOfAccountId(account) ?? fallback;
    const k = `${a.code}@${a.scale}`;
    sums.set(k, (sums.get(k) ?? 0n) + b);
  }
  return sums;
}
