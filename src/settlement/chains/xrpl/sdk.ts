/**
 * xrpl (xrpl.js 5) is an optional peer dependency: it is loaded by dynamic import, only when XRP Ledger
 * settlement is configured. A missing package is a CHAIN_SDK_MISSING error that names the install line.
 */
import type * as XrplModule from 'xrpl';
import { appError } from '../../../errors/index.js';

/** The xrpl module namespace. */
export type Xrpl = typeof XrplModule;

let cached: Promise<Xrpl> | undefined;

/** Loads xrpl once (later calls share the module). @throws AppError CHAIN_SDK_MISSING */
export function loadXrpl(): Promise<Xrpl> {
  cached ??= importXrpl(() => import('xrpl')).catch((err: unknown) => {
    cached = undefined;
    throw err;
  });
  return cached;
}

/** Imports xrpl through `importer`, turning "module not found" into CHAIN_SDK_MISSING. */
export async function importXrpl(importer: () => Promise<Xrpl>): Promise<Xrpl> {
  try {
    return await importer();
  } catch (err) {
    const code = (err as { code?: unknown } | null)?.code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw appError(
        'CHAIN_SDK_MISSING',
        { chain: 'xrpl', pkg: 'xrpl', message: 'XRP Ledger settlement needs the package xrpl, which is not installed: npm install xrpl' },
        err,
      );
    }
    throw err;
  }
}
