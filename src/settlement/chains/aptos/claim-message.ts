/**
 * The claim message: what a channel's sender signs with Ed25519 and what `payment_channel::claim`
 * verifies on-chain. It is the BCS encoding of the Move struct
 *
 *     struct ClaimMessage has copy, drop {
 *         domain: vector<u8>,      // b"agent_runtime::payment_channel::ClaimMessage"
 *         chain_id: u8,            // aptos_framework::chain_id::get()
 *         module_address: address, // where the module is published
 *         channel_id: vector<u8>,  // 32 bytes
 *         amount: u64,             // cumulative amount paid to the receiver, base units
 *         nonce: u64,              // strictly increasing per channel
 *     }
 *
 * The chain id and module address keep a claim from being replayed on another network or another
 * deployment. `test/fixtures/aptos-claim-message.json` fixes the bytes for one set of inputs; the
 * TypeScript test and the module's own `#[test]` both check against it.
 */
import type { AptosSdk } from './sdk.js';

/** The domain prefix, as bytes of this ASCII text. */
export const CLAIM_DOMAIN = 'agent_runtime::payment_channel::ClaimMessage';

export const U64_MAX = (1n << 64n) - 1n;

/** What a claim message binds. */
export interface ClaimInputs {
  chainId: number;
  /** The module's account address (0x hex, leading zeros optional). */
  moduleAddress: string;
  /** 0x + 64 hex digits. */
  channelId: string;
  amount: bigint;
  nonce: bigint;
}

/**
 * The BCS bytes of the claim message.
 * @throws RangeError when an input does not fit its Move type (chain id u8, amount/nonce u64, id 32 bytes)
 */
export function claimMessageBytes(sdk: AptosSdk, m: ClaimInputs): Uint8Array {
  if (!Number.isInteger(m.chainId) || m.chainId < 0 || m.chainId > 255) throw new RangeError(`chain id ${m.chainId} is not a u8`);
  if (m.amount < 0n || m.amount > U64_MAX) throw new RangeError(`claim amount ${m.amount} is not a u64`);
  if (m.nonce < 0n || m.nonce > U64_MAX) throw new RangeError(`claim nonce ${m.nonce} is not a u64`);
  const id = channelIdBytes(m.channelId);
  if (id === undefined) throw new RangeError(`channel id ${m.channelId} is not 0x + 64 hex digits`);
  const s = new sdk.Serializer();
  s.serializeBytes(new TextEncoder().encode(CLAIM_DOMAIN));
  s.serializeU8(m.chainId);
  sdk.AccountAddress.from(m.moduleAddress, { maxMissingChars: 63 }).serialize(s);
  s.serializeBytes(id);
  s.serializeU64(m.amount);
  s.serializeU64(m.nonce);
  return s.toUint8Array();
}

/** The 32 bytes of a channel id, or undefined when it is not 0x + 64 hex digits. */
export function channelIdBytes(id: string): Uint8Array | undefined {
  if (!/^0x[0-9a-fA-F]{64}$/.test(id)) return undefined;
  return Uint8Array.from(Buffer.from(id.slice(2), 'hex'));
}

export function toHex(bytes: Uint8Array): string {
  return `0x${Buffer.from(bytes).toString('hex')}`;
}
