/**
 * The payment channel transactions XrplChain submits, as plain JSON (before autofill and signing).
 * Amounts are drops; ids are 64 uppercase hex digits.
 */
import type { PaymentChannelClaim, PaymentChannelCreate, PaymentChannelFund } from 'xrpl';

/** PaymentChannelClaim flag: close the channel. */
export const TF_CLOSE = 0x00020000;

/** Opens a channel from `account` to `destination` holding `amount`; claims verify against `publicKey`. */
export function channelCreateTx(account: string, destination: string, amount: bigint, settleDelay: number, publicKey: string): PaymentChannelCreate {
  return { TransactionType: 'PaymentChannelCreate', Account: account, Destination: destination, Amount: amount.toString(), SettleDelay: settleDelay, PublicKey: publicKey };
}

/** Adds `amount` to a channel (the source only). */
export function channelFundTx(account: string, channelId: string, amount: bigint): PaymentChannelFund {
  return { TransactionType: 'PaymentChannelFund', Account: account, Channel: channelId, Amount: amount.toString() };
}

/**
 * The receiver's redeem of the sender's claim for `balance` cumulative drops (Balance = Amount: the
 * claim authorizes exactly what it redeems), optionally closing the channel.
 */
export function channelRedeemTx(account: string, channelId: string, balance: bigint, signature: string, publicKey: string, close: boolean): PaymentChannelClaim {
  const tx: PaymentChannelClaim = {
    TransactionType: 'PaymentChannelClaim',
    Account: account,
    Channel: channelId,
    Balance: balance.toString(),
    Amount: balance.toString(),
    Signature: signature.toUpperCase(),
    PublicKey: publicKey,
  };
  if (close) tx.Flags = TF_CLOSE;
  return tx;
}

/**
 * A PaymentChannelClaim with tfClose and nothing to redeem: the source's starts the SettleDelay (or,
 * once the channel has expired, deletes it); the destination's closes at once.
 */
export function channelCloseTx(account: string, channelId: string): PaymentChannelClaim {
  return { TransactionType: 'PaymentChannelClaim', Account: account, Channel: channelId, Flags: TF_CLOSE };
}
