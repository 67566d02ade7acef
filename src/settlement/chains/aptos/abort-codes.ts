/**
 * The payment channel module's abort codes (contracts/aptos/sources/payment_channel.move) and the
 * adapter's error, which carries the abort's name when a transaction aborted.
 */

/** The module's abort codes (contracts/aptos/sources/payment_channel.move), in words. */
export const ABORTS: Record<number, { name: string; words: string }> = {
  1: { name: 'E_NOT_PUBLISHER', words: 'only the module publisher may initialize a coin type' },
  2: { name: 'E_NOT_INITIALIZED', words: 'the module holds no channels for this coin type (the publisher must call initialize<CoinType>)' },
  3: { name: 'E_ALREADY_INITIALIZED', words: 'this coin type is already initialized' },
  4: { name: 'E_CHANNEL_NOT_FOUND', words: 'no such channel' },
  5: { name: 'E_INVALID_RECEIVER', words: 'the receiver must be another account than the sender' },
  6: { name: 'E_INVALID_SETTLE_DELAY', words: 'the settle delay is outside the module range' },
  7: { name: 'E_INVALID_PUBLIC_KEY', words: 'the public key is not a valid 32-byte Ed25519 key' },
  8: { name: 'E_NOT_SENDER', words: 'only the channel sender may do this' },
  9: { name: 'E_NOT_RECEIVER', words: 'only the channel receiver may claim' },
  10: { name: 'E_NOT_PARTICIPANT', words: 'only the sender or the receiver may close the channel' },
  11: { name: 'E_INVALID_STATE', words: 'the channel is not in a state that allows this' },
  12: { name: 'E_ZERO_AMOUNT', words: 'the amount must be above zero' },
  13: { name: 'E_INVALID_SIGNATURE', words: "the claim signature does not verify against the channel's public key" },
  14: { name: 'E_NONCE_NOT_INCREASING', words: 'the claim nonce is not above the last redeemed nonce' },
  15: { name: 'E_NOTHING_TO_CLAIM', words: 'the claim amount is not above what was already claimed' },
  16: { name: 'E_INSUFFICIENT_DEPOSIT', words: 'the claim amount is above the channel deposit' },
  17: { name: 'E_SETTLE_DELAY_NOT_OVER', words: 'the settle delay after the sender closed has not passed yet' },
  18: { name: 'E_INVALID_CHANNEL_ID', words: 'the channel id is not 32 bytes' },
};

/** A failure of a chain call, with the module's abort name and the transaction hash when there are. */
export class AptosCallError extends Error {
  constructor(
    message: string,
    readonly abort?: string,
    readonly txHash?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AptosCallError';
  }
}

/**
 * The module's abort in a VM status (`Move abort in 0x…::payment_channel: E_X(0xd): …` or `…: 0xd`),
 * when `ours(address, module)` says the aborting module is ours.
 */
export function abortIn(vmStatus: string, ours: (address: string, module: string) => boolean): { name: string; words: string } | undefined {
  const m = /Move abort in (0x[0-9a-fA-F]+)::(\w+): (?:(\w+)\()?0x([0-9a-fA-F]+)/.exec(vmStatus);
  if (m === null || !ours(m[1], m[2])) return undefined;
  return ABORTS[Number.parseInt(m[4], 16)] ?? (m[3] !== undefined ? { name: m[3], words: m[3] } : undefined);
}
