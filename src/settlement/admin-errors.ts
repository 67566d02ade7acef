/**
 * For the CLI commands: a node without settlement has no channel or settlement routes, so its admin
 * API answers them 404 "No route …". That means SETTLEMENT_DISABLED, which says what to do about it.
 */
import { appError, isAppError } from '../errors/index.js';

/** Rethrows `err`, as SETTLEMENT_DISABLED when it is the admin API's 404 for a settlement route. */
export function rethrowSettlement(err: unknown): never {
  if (isAppError(err) && err.code === 'NOT_FOUND' && /^No route [A-Z]+ \/admin\/(channels|settlement)\b/.test(err.message)) {
    throw appError('SETTLEMENT_DISABLED', {}, err);
  }
  throw err instanceof Error ? err : new Error(String(err));
}
