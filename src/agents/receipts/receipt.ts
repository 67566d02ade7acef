/**
 * A payee's receipt: the receiving node's statement, signed with its Ed25519 identity key, that it
 * fulfilled one packet to its local agent. It binds the packet (its id at the payee and its
 * condition), the payee's address, the destination, the amount received and its asset, the
 * fulfillment and the time. Anyone holding the payee's public key can check it offline.
 *
 * Signed bytes: the line `agent-runtime receipt v1\n` followed by the JSON of the fields of
 * RECEIPT_FIELDS, in that order (amounts as decimal strings, binary values base64).
 */
import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import type { Identity } from '../identity.js';

/** The fields a receipt signs, in the order they are signed. */
export const RECEIPT_FIELDS = ['version', 'payee', 'destination', 'packetId', 'amount', 'assetCode', 'assetScale', 'condition', 'fulfillment', 'receivedAt', 'publicKey'] as const;

const DOMAIN = 'agent-runtime receipt v1\n';

export interface ReceiptBody {
  version: 1;
  /** The payee node's ILP address. */
  payee: string;
  /** The packet's destination (the payee's address or one under it). */
  destination: string;
  /** The packet's id at the payee node (its events and logs name it). */
  packetId: string;
  /** What the payee's local agent received, raw units of assetCode at assetScale. */
  amount: string;
  assetCode: string;
  assetScale: number;
  /** base64 of the 32-byte execution condition. */
  condition: string;
  /** base64 of the 32-byte fulfillment. */
  fulfillment: string;
  /** ISO time the payee fulfilled. */
  receivedAt: string;
  /** The payee's Ed25519 public key, base64url of the raw 32 bytes. */
  publicKey: string;
}

export interface Receipt extends ReceiptBody {
  /** Ed25519 signature over the signed bytes, base64url. */
  signature: string;
}

/** The bytes a receipt's signature covers. */
export function signedBytes(body: ReceiptBody): Buffer {
  const ordered: Record<string, unknown> = {};
  for (const f of RECEIPT_FIELDS) ordered[f] = body[f];
  return Buffer.from(DOMAIN + JSON.stringify(ordered), 'utf8');
}

/** Signs `body` with `identity` (whose public key it must carry). */
export function signReceipt(identity: Identity, body: Omit<ReceiptBody, 'publicKey' | 'version'>): Receipt {
  const full: ReceiptBody = { version: 1, ...body, publicKey: identity.publicKey };
  return { ...full, signature: identity.sign(signedBytes(full)).toString('base64url') };
}

export interface Verification {
  valid: boolean;
  /** Where the key checked against came from: given by the caller, or the receipt's own (which proves only that the receipt is intact). */
  keyFrom: 'given' | 'receipt';
  /** What is wrong, empty when valid. */
  problems: string[];
}

/**
 * Checks a receipt offline: its shape, that sha256(fulfillment) is its condition, and the signature
 * against `publicKey` (base64url or base64 of 32 bytes), or the receipt's own key when none is given.
 */
export function verifyReceipt(value: unknown, publicKey?: string): Verification {
  const keyFrom = publicKey === undefined ? 'receipt' : 'given';
  const problems: string[] = [];
  if (value === null || typeof value !== 'object') return { valid: false, keyFrom, problems: ['not a receipt: expected a JSON object'] };
  const r = value as Record<string, unknown>;
  for (const f of [...RECEIPT_FIELDS, 'signature']) {
    const want = f === 'version' || f === 'assetScale' ? 'number' : 'string';
    if (typeof r[f] !== want) problems.push(`field ${f} is missing or not a ${want}`);
  }
  if (problems.length > 0) return { valid: false, keyFrom, problems };
  const receipt = r as unknown as Receipt;
  if (receipt.version !== 1) problems.push(`version ${String(r.version)} is not one this verifier knows (1)`);
  const fulfillment = Buffer.from(receipt.fulfillment, 'base64');
  if (fulfillment.length !== 32 || !createHash('sha256').update(fulfillment).digest().equals(Buffer.from(receipt.condition, 'base64'))) {
    problems.push('sha256(fulfillment) is not the condition');
  }
  const key = publicKey ?? receipt.publicKey;
  if (publicKey !== undefined && normalKey(publicKey) !== normalKey(receipt.publicKey)) {
    problems.push('the receipt names another public key than the one given');
  }
  let pub;
  try {
    pub = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: normalKey(key) }, format: 'jwk' });
  } catch {
    problems.push('the public key is not an Ed25519 key (32 bytes, base64url or base64)');
  }
  if (pub !== undefined && !verifies(receipt, pub)) problems.push('the signature does not match the receipt');
  return { valid: problems.length === 0, keyFrom, problems };
}

function verifies(receipt: Receipt, pub: KeyObject): boolean {
  try {
    return verify(null, signedBytes(receipt), pub, Buffer.from(receipt.signature, 'base64url'));
  } catch {
    return false;
  }
}

/** base64 or base64url of a key → base64url without padding. */
function normalKey(k: string): string {
  return Buffer.from(k.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('base64url');
}

/**
 * The receipt inside `value`: a receipt itself, a stored record (`{kind, receipt}`) or a send answer
 * (`{receipt: {kind, receipt}}`). undefined when there is none (a payer's own record has none).
 */
export function findReceipt(value: unknown): unknown {
  for (let v = value, depth = 0; depth < 3; depth++) {
    if (v === null || typeof v !== 'object') return undefined;
    const o = v as Record<string, unknown>;
    if (typeof o.signature === 'string') return o;
    v = o.receipt;
  }
  return undefined;
}
