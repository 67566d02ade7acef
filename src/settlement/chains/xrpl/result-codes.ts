/**
 * The XRP Ledger's result and error codes as this adapter meets them: the error it throws (carrying
 * the code), what the codes mean in the adapter's terms, and which account_tx errors mean history the
 * server no longer holds.
 */

/** A failure talking to the ledger, or a transaction the ledger did not apply (with its result code). */
export class XrplCallError extends Error {
  constructor(
    message: string,
    /** The transaction result (`tecUNFUNDED_PAYMENT`), when the ledger gave one. */
    readonly resultCode?: string,
    readonly txHash?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'XrplCallError';
  }
}

/**
 * What the result codes we can meet mean, for error messages. rippled names the code; these say what
 * was wrong in this adapter's terms.
 */
const RESULT_MEANINGS: Record<string, string> = {
  tecNO_DST: 'the destination account does not exist (fund it with at least the base reserve first)',
  tecNO_DST_INSUF_XRP: 'the destination account does not exist and this would not fund its reserve',
  tecUNFUNDED: 'our account cannot cover the amount and keep its reserve',
  tecUNFUNDED_PAYMENT: 'the claim asks for more than the channel holds, or for no more than was already claimed',
  tecINSUFFICIENT_RESERVE: 'our account cannot meet the reserve for one more ledger object (the channel)',
  tecNO_PERMISSION: 'this account may not do that on this channel (only its source or destination may)',
  tecNO_ENTRY: 'no such channel on the ledger (closed, or never created)',
  tecNO_TARGET: 'no such channel on the ledger',
  tecDST_TAG_NEEDED: 'the destination requires a destination tag',
  tecEXPIRED: 'the channel has expired',
  tecNO_AUTH: 'the destination does not accept channels from this account (deposit authorization)',
  temBAD_AMOUNT: 'the amount is not a positive XRP amount, or the claim exceeds its authorized amount',
  temBAD_SIGNATURE: 'the claim signature does not verify against the channel key, or is missing',
  temBAD_SIGNER: 'the claim public key is not the channel key',
  temBAD_EXPIRATION: 'the expiration is malformed',
  temMALFORMED: 'the transaction is malformed',
  temDISABLED: 'payment channels are not enabled on this network',
  temDST_IS_SRC: 'a channel to ourselves is not allowed',
  tefPAST_SEQ: 'the sequence number was already used (another transaction from this account got there first)',
  tefMAX_LEDGER: 'the LastLedgerSequence has already passed',
  tefBAD_AUTH: 'the key does not sign for this account',
  telINSUF_FEE_P: 'the fee is below what the server currently asks (it is loaded)',
  terNO_ACCOUNT: 'our account does not exist on the ledger (fund it first)',
  terINSUF_FEE_B: 'our account cannot pay the fee',
};

/** The meaning of a result code, for messages. */
export function resultMeaning(code: string, serverMessage?: string): string {
  return RESULT_MEANINGS[code] ?? serverMessage ?? 'see https://xrpl.org/docs/references/protocol/transactions/transaction-results';
}

/** account_tx errors for a ledger range the server does not (fully) hold. */
export const HISTORY_GONE = new Set(['lgrIdxMalformed', 'lgrIdxsInvalid', 'lgrIdxInvalid', 'lgrNotFound']);
