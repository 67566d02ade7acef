/**
 * The XRP Ledger's own off-chain claims: a signature over (channel id, cumulative drops), made with
 * xrpl.js `signPaymentChannelClaim` and checked with `verifyPaymentChannelClaim`, exactly what a
 * PaymentChannelClaim transaction carries and the ledger verifies against the channel's PublicKey.
 */
import type { Xrpl } from './sdk.js';

/** The most drops there can ever be (100 billion XRP). */
export const MAX_DROPS = 100_000_000_000_000_000n;
const DROPS_PER_XRP = 1_000_000n;
const CHANNEL_ID = /^[0-9a-fA-F]{64}$/;
/** ed25519 ("ED" + 32 bytes) or compressed secp256k1 (02/03 + 32 bytes). */
const PUBLIC_KEY = /^(ED|ed|0[23])[0-9a-fA-F]{64}$/;
/** ed25519: 64 bytes; secp256k1: DER, 8..72 bytes. */
const SIGNATURE = /^([0-9a-fA-F]{2}){8,72}$/;

/** Drops as an exact XRP decimal string ("1.5" for 1500000n), as the SDK's claim functions take it. */
export function dropsToXrpString(drops: bigint): string {
  const whole = drops / DROPS_PER_XRP;
  const frac = (drops % DROPS_PER_XRP).toString().padStart(6, '0').replace(/0+$/, '');
  return frac === '' ? whole.toString() : `${whole}.${frac}`;
}

/** A channel id in canonical form (64 uppercase hex digits), or undefined when malformed. */
export function normalizeChannelId(id: unknown): string | undefined {
  return typeof id === 'string' && CHANNEL_ID.test(id) ? id.toUpperCase() : undefined;
}

/**
 * Signs a claim for `drops` cumulative drops on `channelId` with `privateKey` (hex, as xrpl Wallet holds it).
 * @throws Error on a malformed channel id or an amount outside 0..10^17 drops
 */
export function signClaim(xrpl: Xrpl, privateKey: string, channelId: string, drops: bigint): string {
  const id = normalizeChannelId(channelId);
  if (id === undefined) throw new Error(`cannot sign a claim for channel ${channelId}: an XRPL channel id is 64 hex digits`);
  if (drops < 0n || drops > MAX_DROPS) throw new Error(`cannot sign a claim for ${drops} drops: out of range 0..${MAX_DROPS}`);
  return xrpl.signPaymentChannelClaim(id, dropsToXrpString(drops), privateKey);
}

/** True when `signature` is `publicKey`'s claim for `drops` on `channelId`. Malformed input: false, never throws. */
export function verifyClaim(xrpl: Xrpl, publicKey: unknown, channelId: unknown, drops: unknown, signature: unknown): boolean {
  try {
    const id = normalizeChannelId(channelId);
    if (id === undefined || typeof publicKey !== 'string' || !PUBLIC_KEY.test(publicKey)) return false;
    if (typeof signature !== 'string' || !SIGNATURE.test(signature)) return false;
    if (typeof drops !== 'bigint' || drops < 0n || drops > MAX_DROPS) return false;
    return xrpl.verifyPaymentChannelClaim(id, dropsToXrpString(drops), signature.toUpperCase(), publicKey.toUpperCase());
  } catch {
    return false;
  }
}
