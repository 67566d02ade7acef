/**
 * The ILP error codes of RFC 0027 (§Error Codes): F = final, T = temporary, R = relative. They travel
 * inside ILP Rejects, not as catalogue codes; docs/errors.md lists them next to the catalogue and a
 * test keeps the two in step. The error classes are in src/node/ilp/errors.ts.
 */

/** Every error code RFC 0027 defines. */
export type IlpErrorCode =
  | 'F00' | 'F01' | 'F02' | 'F03' | 'F04' | 'F05' | 'F06' | 'F07' | 'F08' | 'F99'
  | 'T00' | 'T01' | 'T02' | 'T03' | 'T04' | 'T05' | 'T99'
  | 'R00' | 'R01' | 'R02' | 'R99';

/** RFC 0027 name of each error code, e.g. `F02` → `'Unreachable'`. */
export const ILP_ERROR_NAMES: Readonly<Record<IlpErrorCode, string>> = Object.freeze({
  F00: 'Bad Request',
  F01: 'Invalid Packet',
  F02: 'Unreachable',
  F03: 'Invalid Amount',
  F04: 'Insufficient Destination Amount',
  F05: 'Wrong Condition',
  F06: 'Unexpected Payment',
  F07: 'Cannot Receive',
  F08: 'Amount Too Large',
  F99: 'Application Error',
  T00: 'Internal Error',
  T01: 'Peer Unreachable',
  T02: 'Peer Busy',
  T03: 'Connector Busy',
  T04: 'Insufficient Liquidity',
  T05: 'Rate Limited',
  T99: 'Application Error',
  R00: 'Transfer Timed Out',
  R01: 'Insufficient Source Amount',
  R02: 'Insufficient Timeout',
  R99: 'Application Error',
});

/** True for a final error (`F..`): retrying the same packet will fail again. */
export function isFinal(code: string): boolean {
  return code.charCodeAt(0) === 0x46;
}

/** True for a temporary error (`T..`): the same packet may succeed later. */
export function isTemporary(code: string): boolean {
  return code.charCodeAt(0) === 0x54;
}

/** True for a relative error (`R..`): the packet may succeed with other amount or expiry. */
export function isRelative(code: string): boolean {
  return code.charCodeAt(0) === 0x52;
}

/** True when `code` is one of the codes RFC 0027 lists. */
export function isKnownIlpErrorCode(code: string): code is IlpErrorCode {
  return Object.prototype.hasOwnProperty.call(ILP_ERROR_NAMES, code);
}
