/**
 * JSON schemas of the admin API's request bodies, and the field schemas later admin routes reuse
 * (channels, settlement). Each field's `description` completes "must be …" in a 400 message.
 * Unknown fields are refused, so a typo (`ammount`) is a 400 naming it instead of a silent default.
 */
import { ID_PATTERN, ILP_ADDRESS_PATTERN, ILP_PREFIX_PATTERN } from '../../config/fields.js';
import { appError } from '../../errors/index.js';

/** An unsigned 64-bit integer as a decimal string; the range is checked by `parseUint64`. */
export const uint64String = {
  type: 'string',
  pattern: '^[0-9]{1,20}$',
  description: 'an unsigned integer as a decimal string of at most 20 digits (largest 18446744073709551615), e.g. "1000"',
} as const;

/** Node and peer ids. */
export const peerId = {
  type: 'string',
  minLength: 1,
  maxLength: 128,
  pattern: ID_PATTERN.source,
  description: 'a peer id of letters, digits, "_", "~" and "-"',
} as const;

/** A full ILP address (RFC 0015), at most 1023 bytes. */
export const ilpAddress = {
  type: 'string',
  maxLength: 1023,
  pattern: ILP_ADDRESS_PATTERN.source,
  description: 'an ILP address such as g.alice.agent (RFC 0015)',
} as const;

/** A routing prefix: an ILP address or one of its leading segments (`g`, `g.alice`). */
export const ilpPrefix = {
  type: 'string',
  maxLength: 1023,
  pattern: ILP_PREFIX_PATTERN.source,
  description: 'an ILP address prefix such as g.alice',
} as const;

const priority = { type: 'integer', minimum: -1000000, maximum: 1000000, description: 'an integer (higher wins)' } as const;

/** The fields of a peer that POST sets and PATCH changes (the zod peer schema checks them again). */
const peerFields = {
  url: { type: 'string', maxLength: 2048, pattern: '^wss?://', description: 'a ws:// or wss:// URL' },
  urls: { type: 'array', minItems: 1, maxItems: 32, items: { type: 'string', maxLength: 2048, pattern: '^wss?://', description: 'a ws:// or wss:// URL' }, description: 'a list of 1 to 32 ws:// or wss:// URLs' },
  authToken: { type: 'string', minLength: 1, maxLength: 1024, description: 'the shared BTP secret (not empty)' },
  transport: { type: 'string', enum: ['btp', 'http'], description: 'one of btp, http' },
  http: {
    type: 'object',
    additionalProperties: false,
    properties: {
      url: { type: 'string', maxLength: 2048, pattern: '^https?://', description: 'an http:// or https:// URL' },
      incomingToken: { type: 'string', minLength: 1, maxLength: 1024, description: 'the bearer token the peer sends us (not empty)' },
      outgoingToken: { type: 'string', minLength: 1, maxLength: 1024, description: 'the bearer token we send the peer (not empty)' },
    },
  },
  relation: { type: 'string', enum: ['parent', 'peer', 'child'], description: 'one of parent, peer, child' },
  creditLimit: uint64String,
  settleThreshold: uint64String,
  maxPacketAmount: uint64String,
  assetCode: { type: 'string', pattern: '^[!-~]{1,32}$', description: 'an asset code: 1-32 printable characters, no spaces (e.g. USD, XRP)' },
  assetScale: { type: 'integer', minimum: 0, maximum: 255, description: 'an integer 0..255' },
  rateLimit: {
    type: 'object',
    required: ['packetsPerSecond'],
    additionalProperties: false,
    properties: {
      packetsPerSecond: { type: 'number', exclusiveMinimum: 0, description: 'a positive number' },
      burst: { type: 'integer', minimum: 1, description: 'a positive integer' },
    },
  },
  settlement: {
    type: 'object',
    additionalProperties: false,
    // {chain, address}, or the seed's {preference, evmAddress, ...} (mapped to chain 'evm').
    properties: {
      chain: { type: 'string', enum: ['evm', 'xrpl', 'aptos'], description: 'one of evm, xrpl, aptos' },
      address: { type: 'string', minLength: 1, maxLength: 256 },
      preference: { type: 'string', enum: ['evm', 'any'] },
      evmAddress: { type: 'string', pattern: '^0x[0-9a-fA-F]{40}$', description: 'a 0x-prefixed 20-byte hex address' },
      tokenAddress: { type: 'string' },
      tokenNetworkAddress: { type: 'string' },
      chainId: { type: 'integer' },
      channelId: { type: 'string' },
      initialDeposit: { type: 'string' },
    },
  },
} as const;

/** POST /admin/peers */
export const registerPeerBody = {
  type: 'object',
  // authToken: required for transport btp (the zod peer schema says so, naming the field)
  required: ['id'],
  additionalProperties: false,
  properties: {
    id: peerId,
    ...peerFields,
    routes: {
      type: 'array',
      maxItems: 1000,
      items: {
        type: 'object',
        required: ['prefix'],
        additionalProperties: false,
        properties: { prefix: ilpPrefix, priority },
      },
    },
  },
} as const;

/** `?replace=true` on POST /admin/peers: replace a peer with the same id instead of refusing it. */
export const registerPeerQuery = {
  type: 'object',
  properties: { replace: { type: 'string', enum: ['true', 'false'], description: 'true or false' } },
} as const;

/** PATCH /admin/peers/:peerId: at least one field; only those given change. */
export const updatePeerBody = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: peerFields,
} as const;

/** POST /admin/routes */
export const addRouteBody = {
  type: 'object',
  required: ['prefix', 'nextHop'],
  additionalProperties: false,
  properties: {
    prefix: ilpPrefix,
    nextHop: { ...peerId, description: 'a peer id, or "local" for local delivery' },
    priority,
  },
} as const;

/** POST /admin/ilp/send */
export const ilpSendBody = {
  type: 'object',
  required: ['destination', 'amount'],
  additionalProperties: false,
  properties: {
    destination: ilpAddress,
    amount: uint64String,
    // The decoded size is checked against the ILP limit in the handler, so the 400 can name the limit.
    data: { type: 'string', description: 'base64 (at most 32767 bytes decoded)' },
    timeoutMs: { type: 'integer', minimum: 1, maximum: 120000, description: 'an integer of ms between 1 and 120000' },
    receipt: { type: 'boolean', description: "true asks the payee's node for a signed receipt (docs/agents.md)" },
  },
} as const;

/** `?removeRoutes=false` on DELETE /admin/peers/:peerId */
export const removePeerQuery = {
  type: 'object',
  properties: { removeRoutes: { type: 'string', enum: ['true', 'false'], description: 'true or false' } },
} as const;

export const peerIdParams = {
  type: 'object',
  required: ['peerId'],
  properties: { peerId },
} as const;

const UINT64_MAX = (1n << 64n) - 1n;

/**
 * Parses a uint64String value (already pattern-checked) and checks its range.
 * @returns the canonical decimal string (leading zeros dropped)
 * @throws AppError INVALID_ARGUMENT naming `field`
 */
export function parseUint64(field: string, value: string): string {
  const n = /^[0-9]{1,20}$/.test(value) ? BigInt(value) : -1n;
  if (n < 0n || n > UINT64_MAX) {
    throw appError('INVALID_ARGUMENT', { field, reason: `must be an unsigned 64-bit integer (0 to ${UINT64_MAX})` });
  }
  return n.toString();
}
