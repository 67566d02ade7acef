/**
 * EIP-712 digests of the TokenNetwork contract, encoded by hand (fixed-size fields only), so signing
 * and verifying a claim costs two keccaks and one secp256k1 operation with no RPC and no ABI coder.
 *
 * Domain {name: "TokenNetwork", version: "1", chainId, verifyingContract}. Types:
 * - BalanceProof(bytes32 channelId,uint256 nonce,uint256 transferredAmount,uint256 lockedAmount,bytes32 locksRoot)
 * - Withdraw(bytes32 channelId,uint256 totalWithdrawn)
 * - CooperativeClose(bytes32 channelId,uint256 transferredAmount)
 * Amounts are token base units (wei of the token).
 */
import type { Ethers } from './sdk.js';

/** The EIP-712 type of a balance proof, as ethers' `signTypedData` takes it (tests cross-check with it). */
export const BALANCE_PROOF_TYPES = {
  BalanceProof: [
    { name: 'channelId', type: 'bytes32' },
    { name: 'nonce', type: 'uint256' },
    { name: 'transferredAmount', type: 'uint256' },
    { name: 'lockedAmount', type: 'uint256' },
    { name: 'locksRoot', type: 'bytes32' },
  ],
};

/** bytes32 zero, the only locksRoot this contract accepts. */
export const ZERO_BYTES32 = `0x${'0'.repeat(64)}`;

const UINT256_MAX = (1n << 256n) - 1n;

function word(value: bigint | string): Buffer {
  if (typeof value === 'string') {
    const hex = value.startsWith('0x') ? value.slice(2) : value;
    if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new RangeError(`not a bytes32 value: ${value}`);
    return Buffer.from(hex, 'hex');
  }
  if (value < 0n || value > UINT256_MAX) throw new RangeError(`not a uint256 value: ${value}`);
  return Buffer.from(value.toString(16).padStart(64, '0'), 'hex');
}

/** Digests for one contract on one chain. */
export class Eip712 {
  readonly domainSeparator: string;
  private readonly domain: Buffer;
  private readonly typeHashes: { proof: Buffer; withdraw: Buffer; close: Buffer };

  /**
   * @param chainId the EVM chain id
   * @param verifyingContract the TokenNetwork address
   */
  constructor(
    private readonly ethers: Ethers,
    readonly chainId: number,
    readonly verifyingContract: string,
  ) {
    const k = (text: string) => Buffer.from(ethers.getBytes(ethers.id(text)));
    this.typeHashes = {
      proof: k('BalanceProof(bytes32 channelId,uint256 nonce,uint256 transferredAmount,uint256 lockedAmount,bytes32 locksRoot)'),
      withdraw: k('Withdraw(bytes32 channelId,uint256 totalWithdrawn)'),
      close: k('CooperativeClose(bytes32 channelId,uint256 transferredAmount)'),
    };
    const domainType = k('EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)');
    const address = Buffer.concat([Buffer.alloc(12), Buffer.from(ethers.getBytes(ethers.getAddress(verifyingContract)))]);
    this.domainSeparator = ethers.keccak256(Buffer.concat([domainType, k('TokenNetwork'), k('1'), word(BigInt(chainId)), address]));
    this.domain = Buffer.from(ethers.getBytes(this.domainSeparator));
  }

  /** The domain as ethers' TypedDataEncoder takes it. */
  get typedDomain(): { name: string; version: string; chainId: number; verifyingContract: string } {
    return { name: 'TokenNetwork', version: '1', chainId: this.chainId, verifyingContract: this.verifyingContract };
  }

  /** Digest the sender signs: a cumulative `transferredAmount` (base units) at `nonce`. */
  balanceProof(channelId: string, nonce: bigint, transferredAmount: bigint): string {
    return this.digest([this.typeHashes.proof, word(channelId), word(nonce), word(transferredAmount), word(0n), word(ZERO_BYTES32)]);
  }

  /** Digest the receiver signs to let the sender take back deposit up to a cumulative `totalWithdrawn`. */
  withdraw(channelId: string, totalWithdrawn: bigint): string {
    return this.digest([this.typeHashes.withdraw, word(channelId), word(totalWithdrawn)]);
  }

  /** Digest both sides sign to close at once with the receiver paid `transferredAmount` in all. */
  cooperativeClose(channelId: string, transferredAmount: bigint): string {
    return this.digest([this.typeHashes.close, word(channelId), word(transferredAmount)]);
  }

  private digest(words: Buffer[]): string {
    const structHash = this.ethers.getBytes(this.ethers.keccak256(Buffer.concat(words)));
    return this.ethers.keccak256(Buffer.concat([Buffer.from([0x19, 0x01]), this.domain, structHash]));
  }
}
