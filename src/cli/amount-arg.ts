import { appError } from '../errors/index.js';

/** Refuses an <amount> argument that is not an unsigned decimal integer, before any request is made. */
export function checkAmountArg(amount: string): void {
  if (!/^[0-9]+$/.test(amount)) {
    throw appError('INVALID_ARGUMENT', { field: 'amount', reason: `must be an unsigned integer in asset units, got ${JSON.stringify(amount)}` });
  }
}
