/**
 * The `payment-channel-claim` BTP protocol data, JSON, carried by a TRANSFER whose amount is the
 * increase in asset units. `nonce` and `transferredAmount` (cumulative) are decimal strings in the
 * chain's base units. EVM: the seed's self-describing claim (seed notes §7), byte for byte. XRPL and
 * Aptos: the same envelope with the channel's claim key (`publicKey`) instead of the EVM fields
 * (`LedgerClaim`). `blockchain` says which; the engine routes a claim to that chain's lane.
 *
 * Consents (the receiver's signature that lets the sender withdraw or close cooperatively) travel as a
 * MESSAGE with `payment-channel-consent` protocol data, answered by a RESPONSE carrying the signature.
 */
import { BtpType, ContentType, type BtpFrame, type BtpTransferFrame, type ProtocolData } from '../node/ports.js';
import type { ChainKind } from './chain.js';
import { ZERO_BYTES32 } from './chains/evm/eip712.js';

/** Protocol name of a claim. */
export const CLAIM_PROTOCOL = 'payment-channel-claim';
/** Protocol name of a consent request and its answer. */
export const CONSENT_PROTOCOL = 'payment-channel-consent';

/** A signed cumulative claim over an EVM payment channel. */
export interface EvmClaim {
  version: '1.0';
  blockchain: 'evm';
  /** `evm-<8 hex of the channel id>-<nonce>-<ms>` */
  messageId: string;
  /** ISO 8601 */
  timestamp: string;
  /** The sender's nodeId. */
  senderId: string;
  channelId: string;
  /** Decimal string; strictly increasing per channel. */
  nonce: string;
  /** Cumulative amount the receiver may redeem, token base units (decimal string). */
  transferredAmount: string;
  lockedAmount: '0';
  locksRoot: string;
  /** 65-byte EIP-712 signature, 0x hex. */
  signature: string;
  signerAddress: string;
  chainId: number;
  tokenNetworkAddress: string;
  tokenAddress: string;
}

/** A signed cumulative claim over an XRP Ledger or Aptos payment channel. */
export interface LedgerClaim {
  version: '1.0';
  blockchain: 'xrpl' | 'aptos';
  /** `<chain>-<8 characters of the channel id>-<nonce>-<ms>` */
  messageId: string;
  /** ISO 8601 */
  timestamp: string;
  /** The sender's nodeId. */
  senderId: string;
  /** XRPL: 64 hex digits; Aptos: 0x + 64 hex digits. */
  channelId: string;
  /** Decimal string; strictly increasing per channel (XRPL claims carry none on the ledger: the engine keeps it anyway). */
  nonce: string;
  /** Cumulative amount the receiver may redeem, drops (XRPL) or octas (Aptos), decimal string. */
  transferredAmount: string;
  /** Hex: XRPL `signPaymentChannelClaim`; Aptos Ed25519 signature, 0x hex. */
  signature: string;
  /** The channel's claim key: XRPL "ED" + 64 hex (or a 33-byte secp256k1 key); Aptos 0x + 64 hex. */
  publicKey: string;
  chainId: number;
  /** XRPL: "PayChannel"; Aptos: the module id `0x…::name`. */
  contract: string;
  /** XRPL: "XRP"; Aptos: the coin type. */
  token: string;
}

/** A claim on any chain. */
export type Claim = EvmClaim | LedgerClaim;

/** A consent request: the sender asks the receiver to sign a withdrawal or a cooperative close. */
export interface ConsentRequest {
  type: 'withdraw' | 'cooperative-close';
  channelId: string;
  /** withdraw: the cumulative totalWithdrawn; cooperative-close: the receiver's total payout. Base units. */
  amount: string;
}

const HEX32 = /^0x[0-9a-fA-F]{64}$/;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const UINT = /^(0|[1-9][0-9]{0,77})$/;
const UINT256_MAX = (1n << 256n) - 1n;

/** Builds the claim JSON for a signature already made. */
export function buildClaim(f: {
  senderId: string;
  channelId: string;
  nonce: bigint;
  transferredAmount: bigint;
  signature: string;
  signerAddress: string;
  chainId: number;
  contract: string;
  token: string;
  now?: number;
}): EvmClaim {
  const now = f.now ?? Date.now();
  return {
    version: '1.0',
    blockchain: 'evm',
    messageId: `evm-${f.channelId.slice(2, 10)}-${f.nonce}-${now}`,
    timestamp: new Date(now).toISOString(),
    senderId: f.senderId,
    channelId: f.channelId,
    nonce: f.nonce.toString(),
    transferredAmount: f.transferredAmount.toString(),
    lockedAmount: '0',
    locksRoot: ZERO_BYTES32,
    signature: f.signature,
    signerAddress: f.signerAddress,
    chainId: f.chainId,
    tokenNetworkAddress: f.contract,
    tokenAddress: f.token,
  };
}

/** Builds an XRPL or Aptos claim JSON for a signature already made. */
export function buildLedgerClaim(f: {
  blockchain: LedgerClaim['blockchain'];
  senderId: string;
  channelId: string;
  nonce: bigint;
  transferredAmount: bigint;
  signature: string;
  publicKey: string;
  chainId: number;
  contract: string;
  token: string;
  now?: number;
}): LedgerClaim {
  const now = f.now ?? Date.now();
  return {
    version: '1.0',
    blockchain: f.blockchain,
    messageId: `${f.blockchain}-${f.channelId.replace(/^0x/, '').slice(0, 8)}-${f.nonce}-${now}`,
    timestamp: new Date(now).toISOString(),
    senderId: f.senderId,
    channelId: f.channelId,
    nonce: f.nonce.toString(),
    transferredAmount: f.transferredAmount.toString(),
    signature: f.signature,
    publicKey: f.publicKey,
    chainId: f.chainId,
    contract: f.contract,
    token: f.token,
  };
}

/** The TRANSFER frame carrying `claim`; `increase` is in asset units (the requestId is set by the link). */
export function claimFrame(claim: Claim, increase: bigint): BtpTransferFrame {
  return { type: BtpType.Transfer, requestId: 0, amount: increase, protocolData: [jsonData(CLAIM_PROTOCOL, claim)] };
}

/** The MESSAGE frame asking for a consent. */
export function consentFrame(request: ConsentRequest): BtpFrame {
  return { type: BtpType.Message, requestId: 0, protocolData: [jsonData(CONSENT_PROTOCOL, request)] };
}

/** JSON protocol data. */
export function jsonData(protocolName: string, value: unknown): ProtocolData {
  return { protocolName, contentType: ContentType.ApplicationJson, data: Buffer.from(JSON.stringify(value)) };
}

/** The protocol data entry named `name` of a frame, parsed as JSON; undefined when absent, an Error when not JSON. */
export function readJson(frame: BtpFrame, name: string): unknown {
  const entry = 'protocolData' in frame ? frame.protocolData.find((p) => p.protocolName === name) : undefined;
  if (entry === undefined) return undefined;
  try {
    return JSON.parse(entry.data.toString('utf8')) as unknown;
  } catch {
    return new Error(`${name} data is not JSON`);
  }
}

/** The chain a claim names (`blockchain`), when the data is a JSON object with a known one. */
export function claimChain(value: unknown): ChainKind | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const b = (value as Record<string, unknown>).blockchain;
  return b === 'evm' || b === 'xrpl' || b === 'aptos' ? b : undefined;
}

/** The fields every chain's claim has: version, ids, nonce and cumulative amount. */
function parseEnvelope(value: unknown, chains: readonly ChainKind[]): Record<string, unknown> | string {
  if (value instanceof Error) return value.message;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'the claim is not a JSON object';
  const c = value as Record<string, unknown>;
  if (c.version !== '1.0') return `unsupported claim version ${JSON.stringify(c.version)} (expected "1.0")`;
  if (!chains.includes(c.blockchain as ChainKind)) return `unsupported blockchain ${JSON.stringify(c.blockchain)} (this node settles on ${chains.join(', ')})`;
  for (const k of ['messageId', 'timestamp', 'senderId'] as const) {
    if (typeof c[k] !== 'string' || c[k].length > 256) return `${k} must be a string of at most 256 characters`;
  }
  for (const k of ['nonce', 'transferredAmount'] as const) {
    const v = c[k];
    if (typeof v !== 'string' || !UINT.test(v) || BigInt(v) > UINT256_MAX) return `${k} must be an unsigned 256-bit integer as a decimal string`;
  }
  if (BigInt(c.nonce as string) === 0n) return 'nonce must be at least 1';
  return c;
}

/** A chain id as claims carry it: a non-negative safe integer (a decimal string is accepted). */
function parseChainId(v: unknown, min: number): number | string {
  const chainId = typeof v === 'string' && /^[0-9]{1,15}$/.test(v) ? Number(v) : v;
  if (typeof chainId !== 'number' || !Number.isSafeInteger(chainId) || chainId < min) return min > 0 ? 'chainId must be a positive integer' : 'chainId must be a non-negative integer';
  return chainId;
}

/**
 * Checks an EVM claim's shape (not its signature or channel: that is the receiver's job).
 * @returns the claim, or the reason it is malformed
 */
export function parseClaim(value: unknown): EvmClaim | string {
  const c = parseEnvelope(value, ['evm']);
  if (typeof c === 'string') return c;
  if (typeof c.channelId !== 'string' || !HEX32.test(c.channelId)) return 'channelId must be 32 bytes of 0x hex';
  if (c.lockedAmount !== '0') return 'lockedAmount must be "0" (no hash locks)';
  if (typeof c.locksRoot !== 'string' || c.locksRoot.toLowerCase() !== ZERO_BYTES32) return 'locksRoot must be 32 zero bytes';
  if (typeof c.signature !== 'string' || !/^0x[0-9a-fA-F]{130}$/.test(c.signature)) return 'signature must be 65 bytes of 0x hex';
  for (const k of ['signerAddress', 'tokenNetworkAddress', 'tokenAddress'] as const) {
    if (typeof c[k] !== 'string' || !ADDRESS.test(c[k])) return `${k} must be a 0x address`;
  }
  const chainId = parseChainId(c.chainId, 1);
  if (typeof chainId === 'string') return chainId;
  return { ...(c as unknown as EvmClaim), channelId: c.channelId.toLowerCase(), chainId };
}

/** A claim signature of a ledger chain: hex (0x optional), 64 to 128 bytes. */
const LEDGER_SIGNATURE = /^(0x)?[0-9a-fA-F]{128,256}$/;
/** A claim key: 32 or 33 bytes of hex; XRPL's Ed25519 keys read "ED" + 64 hex digits, Aptos keys 0x + 64. */
const LEDGER_PUBLIC_KEY = /^(0x)?[0-9a-fA-F]{64,66}$/;

/**
 * Checks an XRPL or Aptos claim's shape; `normalizeChannelId` is the chain adapter's (the channel id
 * comes back in its canonical form). The signature, the key and the channel are the receiver's job.
 * @returns the claim, or the reason it is malformed
 */
export function parseLedgerClaim(value: unknown, chain: LedgerClaim['blockchain'], normalizeChannelId: (id: string) => string | undefined): LedgerClaim | string {
  const c = parseEnvelope(value, [chain]);
  if (typeof c === 'string') return c;
  const channelId = typeof c.channelId === 'string' && c.channelId.length <= 130 ? normalizeChannelId(c.channelId) : undefined;
  if (channelId === undefined) return chain === 'xrpl' ? 'channelId must be an XRPL channel id (64 hex digits)' : 'channelId must be an Aptos channel id (0x and 64 hex digits)';
  if (typeof c.signature !== 'string' || !LEDGER_SIGNATURE.test(c.signature)) return 'signature must be 64 to 128 bytes of hex';
  if (typeof c.publicKey !== 'string' || !LEDGER_PUBLIC_KEY.test(c.publicKey)) return 'publicKey must be the channel key: 32 or 33 bytes of hex (XRPL: ED and 64 hex digits; Aptos: 0x and 64 hex digits)';
  for (const k of ['contract', 'token'] as const) {
    if (typeof c[k] !== 'string' || c[k].length === 0 || c[k].length > 256) return `${k} must be a string of 1 to 256 characters`;
  }
  const chainId = parseChainId(c.chainId, 0);
  if (typeof chainId === 'string') return chainId;
  return {
    version: '1.0',
    blockchain: chain,
    messageId: c.messageId as string,
    timestamp: c.timestamp as string,
    senderId: c.senderId as string,
    channelId,
    nonce: c.nonce as string,
    transferredAmount: c.transferredAmount as string,
    signature: c.signature,
    publicKey: c.publicKey,
    chainId,
    contract: c.contract as string,
    token: c.token as string,
  };
}

/** Checks a consent request's shape. */
export function parseConsent(value: unknown): ConsentRequest | string {
  if (value instanceof Error) return value.message;
  if (typeof value !== 'object' || value === null) return 'the consent request is not a JSON object';
  const r = value as Record<string, unknown>;
  if (r.type !== 'withdraw' && r.type !== 'cooperative-close') return 'type must be withdraw or cooperative-close';
  // Consents exist on EVM only (the other chains' channels have no withdrawal or cooperative close).
  if (typeof r.channelId !== 'string' || !HEX32.test(r.channelId)) return 'channelId must be 32 bytes of 0x hex';
  if (typeof r.amount !== 'string' || !UINT.test(r.amount) || BigInt(r.amount) > UINT256_MAX) return 'amount must be an unsigned integer as a decimal string';
  return { type: r.type, channelId: r.channelId.toLowerCase(), amount: r.amount };
}
