/**
 * The chain SDKs (ethers, xrpl, @aptos-labs/ts-sdk) are optional peer dependencies: each is loaded by
 * dynamic import, once, only when its chain is configured. A missing package is a CHAIN_SDK_MISSING
 * error that names the install line.
 */
import type { ChainKind } from '../chain.js';
import { appError } from '../../errors/index.js';

/** What a chain's SDK loader needs to know. */
export interface SdkSpec<T> {
  chain: ChainKind;
  /** the npm package */
  pkg: string;
  /** how the error names the feature, e.g. "EVM settlement" */
  feature: string;
  importer: () => Promise<T>;
}

/** A loader that imports the SDK once (later calls share the module; a failed import is retried). */
export function sdkLoader<T>(spec: SdkSpec<T>): () => Promise<T> {
  let cached: Promise<T> | undefined;
  return () => {
    cached ??= importSdk(spec).catch((err: unknown) => {
      cached = undefined;
      throw err;
    });
    return cached;
  };
}

/** Imports the SDK through `spec.importer`, turning "module not found" into CHAIN_SDK_MISSING. */
export async function importSdk<T>(spec: SdkSpec<T>): Promise<T> {
  try {
    return await spec.importer();
  } catch (err) {
    const code = (err as { code?: unknown } | null)?.code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      const message = `${spec.feature} needs the package ${spec.pkg}, which is not installed: npm install ${spec.pkg}`;
      throw appError('CHAIN_SDK_MISSING', { chain: spec.chain, pkg: spec.pkg, message }, err);
    }
    throw err;
  }
}
