/**
 * Accounts per asset. A node whose peers use different assets books a cross-asset forward through
 * one exchange (liquidity) account per asset, and keeps each fee in the asset it was earned in:
 *
 *   forward P (USD) → Q (XRP), in a, converted b′, out b:
 *     peer:P +a, exchange:USD@9 −a, exchange:XRP@6 +b′, peer:Q −b, fees:XRP@6 −(b′ − b)
 *
 * so every entry sums to zero per asset. Accounts in the node's own asset keep their names (`fees`,
 * `agent`): a single-asset store opens unchanged and its accounts take the node's asset.
 */
import type { AccountId } from './types.js';

/** An asset: code and scale (an amount of 1 is 10^-scale of a unit). */
export interface LedgerAsset {
  readonly code: string;
  readonly scale: number;
}

/** `USD@9`: how an asset is named inside account ids. */
export function assetKey(a: LedgerAsset): string {
  return `${a.code}@${a.scale}`;
}

const exchangeIds = new Map<string, AccountId>();
const feeIds = new Map<string, AccountId>();

/** The exchange (liquidity) account of an asset: what the node's conversions moved in that asset. */
export function exchangeAccount(a: LedgerAsset): AccountId {
  const k = assetKey(a);
  let id = exchangeIds.get(k);
  if (id === undefined) exchangeIds.set(k, (id = `exchange:${k}`));
  return id;
}

/** The fees account of an asset: `fees` for the node's own asset, else `fees:<code>@<scale>`. */
export function feesAccount(a: LedgerAsset, nodeAsset: LedgerAsset): AccountId {
  if (a.code === nodeAsset.code && a.scale === nodeAsset.scale) return 'fees';
  const k = assetKey(a);
  let id = feeIds.get(k);
  if (id === undefined) feeIds.set(k, (id = `fees:${k}`));
  return id;
}

const onchainIds = new Map<string, AccountId>();

/**
 * The on-chain account of an asset: `onchain` for the node's own asset, else `onchain:<code>@<scale>`.
 * Redemptions of a peer's claims are amounts of that peer's asset, so they stay in its own account.
 */
export function onchainAccount(a: LedgerAsset, nodeAsset: LedgerAsset): AccountId {
  if (a.code === nodeAsset.code && a.scale === nodeAsset.scale) return 'onchain';
  const k = assetKey(a);
  let id = onchainIds.get(k);
  if (id === undefined) onchainIds.set(k, (id = `onchain:${k}`));
  return id;
}

/** The asset named by an `exchange:`, `fees:` or `onchain:` account id, or undefined for other accounts. */
export function assetOfAccountId(account: AccountId): LedgerAsset | undefined {
  const m = /^(?:exchange|fees|onchain):(.+)@(\d{1,3})$/.exec(account);
  return m === null ? undefined : { code: m[1], scale: Number(m[2]) };
}

/**
 * Sums balances per asset. `assetOf` names each account's asset (peers: their configured asset;
 * exchange/fees accounts carry theirs in the id; anything else: the node's). Every sum must be 0.
 */
export function sumsPerAsset(
  balances: Iterable<[AccountId, bigint]>,
  assetOf: (account: AccountId) => LedgerAsset,
): Map<string, bigint> {
  const sums = new Map<string, bigint>();
  for (const [account, balance] of balances) {
    const k = assetKey(assetOfAccountId(account) ?? assetOf(account));
    sums.set(k, (sums.get(k) ?? 0n) + balance);
  }
  return sums;
}
