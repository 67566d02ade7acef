/** xrpl (xrpl.js 5), loaded only when XRP Ledger settlement is configured (see ../sdk-loader.ts). */
import type * as XrplModule from 'xrpl';
import { importSdk, sdkLoader, type SdkSpec } from '../sdk-loader.js';

/** The xrpl module namespace. */
export type Xrpl = typeof XrplModule;

const spec: SdkSpec<Xrpl> = { chain: 'xrpl', pkg: 'xrpl', feature: 'XRP Ledger settlement', importer: () => import('xrpl') };

/** Loads xrpl once. @throws AppError CHAIN_SDK_MISSING */
export const loadXrpl = sdkLoader(spec);

/** Imports xrpl through `importer` (tests pass one that fails). */
export function importXrpl(importer: () => Promise<Xrpl>): Promise<Xrpl> {
  return importSdk({ ...spec, importer });
}
