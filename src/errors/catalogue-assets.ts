/**
 * Catalogue entries of per-peer assets (issue 19): a peer settled on a chain that carries another
 * asset, a ledger store whose agent asset is not the config's, and a peer whose configured asset is not
 * the one its non-zero accounts are booked in.
 */
import type { CatalogueEntry } from './catalogue.js';

export const assetEntries = {
  SETTLEMENT_ASSET_MISMATCH: {
    message: 'Peer {peerId} cannot settle on {chain}: {reason}',
    exitCode: 2,
    httpStatus: 400,
    httpError: 'BadRequest',
    suggestion:
      "Give the peer the chain's asset (--asset-code {chainAsset}, or peers[].assetCode) with a rate for it, or settle it on a chain that carries its asset (settlement.evm.assetCode names the EVM token's code, settlement.aptos.assetCode the Aptos coin's; XRPL carries XRP).",
  },
  LEDGER_ASSET_MISMATCH: {
    message: 'The ledger in {dataDir} books the local agent in {storeAsset}, but the config says {configAsset}',
    exitCode: 2,
    suggestion:
      'Set assetCode/assetScale back to {storeAsset}, or start with another dataDir: the balances in this store are amounts of {storeAsset} and cannot be read as another asset.',
  },
  LEDGER_PEER_ASSET_CHANGED: {
    message: "Peer {peerId}'s accounts in the ledger in {dataDir} are booked in {storeAsset}, but the config says {configAsset}: {balances}",
    exitCode: 2,
    suggestion:
      "Set the peer's assetCode/assetScale back to {storeAsset}, or settle its accounts to 0 first (claims redeemed, balance paid): those amounts, and its channel claims converted to the chain's units, are amounts of {storeAsset} and would be read as another asset or scale.",
  },
} satisfies Record<string, CatalogueEntry>;
