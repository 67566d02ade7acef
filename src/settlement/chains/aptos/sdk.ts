/** @aptos-labs/ts-sdk 6, loaded only when Aptos settlement is configured (see ../sdk-loader.ts). */
import type * as AptosModule from '@aptos-labs/ts-sdk';
import { importSdk, sdkLoader, type SdkSpec } from '../sdk-loader.js';

/** The @aptos-labs/ts-sdk module namespace. */
export type AptosSdk = typeof AptosModule;

const spec: SdkSpec<AptosSdk> = { chain: 'aptos', pkg: '@aptos-labs/ts-sdk', feature: 'Aptos settlement', importer: () => import('@aptos-labs/ts-sdk') };

/** Loads the SDK once. @throws AppError CHAIN_SDK_MISSING */
export const loadAptosSdk = sdkLoader(spec);

/** Imports the SDK through `importer` (tests pass one that fails). */
export function importAptosSdk(importer: () => Promise<AptosSdk>): Promise<AptosSdk> {
  return importSdk({ ...spec, importer });
}
