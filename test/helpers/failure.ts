import type { AppError } from '../../src/errors/index.js';

/** The error a promise rejects with; throws when it resolves instead. */
export async function failure(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (e) {
    return e as AppError;
  }
  throw new Error('expected a failure');
}
