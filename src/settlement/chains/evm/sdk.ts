/**
 * ethers 6 is an optional peer dependency: it is loaded by dynamic import, only when EVM settlement is
 * configured. A missing package is a CHAIN_SDK_MISSING error that names the install line.
 */
import type * as EthersModule from 'ethers';
import { appError } from '../../../errors/index.js';

/** The ethers module namespace. */
export type Ethers = typeof EthersModule;

let cached: Promise<Ethers> | undefined;

/** Loads ethers once (later calls share the module). @throws AppError CHAIN_SDK_MISSING */
export function loadEthers(): Promise<Ethers> {
  cached ??= importEthers(() => import('ethers')).catch((err: unknown) => {
    cached = undefined;
    throw err;
  });
  return cached;
}

/**
 * Imports ethers through `importer`, turning "module not found" into CHAIN_SDK_MISSING.
 * (Exported for the test that checks the message with an importer that fails.)
 */
export async function importEthers(importer: () => Promise<Ethers>): Promise<Ethers> {
  try {
    return await importer();
  } catch (err) {
    const code = (err as { code?: unknown } | null)?.code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw appError(
        'CHAIN_SDK_MISSING',
        { chain: 'evm', pkg: 'ethers', message: 'EVM settlement needs the package ethers, which is not installed: npm install ethers' },
        err,
      );
    }
    throw err;
  }
}
