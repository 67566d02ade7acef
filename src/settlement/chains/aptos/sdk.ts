/**
 * @aptos-labs/ts-sdk 6 is an optional peer dependency: it is loaded by dynamic import, only when Aptos
 * settlement is configured. A missing package is a CHAIN_SDK_MISSING error that names the install line.
 */
import type * as AptosModule from '@aptos-labs/ts-sdk';
import { appError } from '../../../errors/index.js';

/** The @aptos-labs/ts-sdk module namespace. */
export type AptosSdk = typeof AptosModule;

let cached: Promise<AptosSdk> | undefined;

/** Loads the SDK once (later calls share the module). @throws AppError CHAIN_SDK_MISSING */
export function loadAptosSdk(): Promise<AptosSdk> {
  cached ??= importAptosSdk(() => import('@aptos-labs/ts-sdk')).catch((err: unknown) => {
    cached = undefined;
    throw err;
  });
  return cached;
}

/** Imports the SDK through `importer`, turning "module not found" into CHAIN_SDK_MISSING. */
export async function importAptosSdk(importer: () => Promise<AptosSdk>): Promise<AptosSdk> {
  try {
    return await importer();
  } catch (err) {
    const code = (err as { code?: unknown } | null)?.code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw appError(
        'CHAIN_SDK_MISSING',
        {
          chain: 'aptos',
          pkg: '@aptos-labs/ts-sdk',
          message: 'Aptos settlement needs the package @aptos-labs/ts-sdk, which is not installed: npm install @aptos-labs/ts-sdk',
        },
        err,
      );
    }
    throw err;
  }
}
