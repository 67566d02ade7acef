/** ethers 6, loaded only when EVM settlement is configured (see ../sdk-loader.ts). */
import type * as EthersModule from 'ethers';
import { importSdk, sdkLoader, type SdkSpec } from '../sdk-loader.js';

/** The ethers module namespace. */
export type Ethers = typeof EthersModule;

const spec: SdkSpec<Ethers> = { chain: 'evm', pkg: 'ethers', feature: 'EVM settlement', importer: () => import('ethers') };

/** Loads ethers once. @throws AppError CHAIN_SDK_MISSING */
export const loadEthers = sdkLoader(spec);

/** Imports ethers through `importer` (the test that checks the message passes one that fails). */
export function importEthers(importer: () => Promise<Ethers>): Promise<Ethers> {
  return importSdk({ ...spec, importer });
}
