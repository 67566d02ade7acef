/**
 * The asset each settlement chain carries, so a peer is never settled in another asset than its own
 * (a claim to a peer booked in USD must not pay XRP drops). One rule, used by `validate` (rules.ts),
 * by the control plane for peers added at runtime, and by the settlement engine itself.
 *
 * - XRP Ledger: XRP (native PayChannels hold drops).
 * - EVM: `settlement.evm.assetCode`, the token's code; unset: the node's assetCode.
 * - Aptos: `settlement.aptos.assetCode`, the coin's code; unset: APT (the default coin type).
 *
 * Only the code must match: the chain's own decimals (drops 6, octas 8, the token's) are converted to
 * the peer's assetScale by the lane (base = asset × 10^(decimals − assetScale)), as for any scale.
 */
import type { Chain } from './schema-peers.js';

/** What the chain sections say about their assets (the rest of the config is not needed). */
export interface ChainAssetSettings {
  evm?: { assetCode?: string };
  aptos?: { assetCode?: string };
}

/** The code of the asset XRPL payment channels hold. */
export const XRPL_ASSET_CODE = 'XRP';
/** The code of the default Aptos coin (0x1::aptos_coin::AptosCoin). */
export const APTOS_DEFAULT_ASSET_CODE = 'APT';

/** The asset code a chain's channels carry on this node. */
export function chainAssetCode(chain: Chain, settlement: ChainAssetSettings, nodeAssetCode: string): string {
  if (chain === 'xrpl') return XRPL_ASSET_CODE;
  if (chain === 'aptos') return settlement.aptos?.assetCode ?? APTOS_DEFAULT_ASSET_CODE;
  return settlement.evm?.assetCode ?? nodeAssetCode;
}

/** The key that names a chain's asset, for hints. */
export function chainAssetKey(chain: Chain): string {
  return chain === 'xrpl' ? 'settlement.xrpl (always XRP)' : `settlement.${chain}.assetCode`;
}

/**
 * Why a peer of asset `peerAssetCode` cannot settle on `chain`, or undefined when it can.
 * @returns `{ chainAsset, reason }`: the chain's asset code and a sentence saying what is wrong
 */
export function settlementAssetProblem(
  peerAssetCode: string,
  chain: Chain,
  settlement: ChainAssetSettings,
  nodeAssetCode: string,
): { chainAsset: string; reason: string } | undefined {
  const chainAsset = chainAssetCode(chain, settlement, nodeAssetCode);
  if (chainAsset === peerAssetCode) return undefined;
  return {
    chainAsset,
    reason: `the peer's asset is ${peerAssetCode} but its settlement chain ${chain} carries ${chainAsset} (${chainAssetKey(chain)}): its claims would pay ${chainAsset} for ${peerAssetCode}`,
  };
}
