/**
 * Checks on what callers hand the ledger. Failures throw `LedgerError`s synchronously: they are bugs
 * in the caller, never expected outcomes of a packet.
 */
import { ID_PATTERN } from '../config/fields.js';
import { MAX_POSTING } from './codec.js';
import { LedgerError } from './errors.js';
import { entryKinds, type EntryKind, type JournalEntry, type PeerLimits } from './types.js';

// exchange:, fees: and onchain:<code>@<scale>: per-asset accounts of cross-asset forwards (src/ledger/assets.ts)
const ID = ID_PATTERN.source.slice(1, -1); // the one id pattern (config/fields.ts), without its anchors
// spend, spend:agent, spend:peer:<id>: spend policies' memo accounts (types.ts accounts.spend)
const ACCOUNT_RE = new RegExp(`^(?:agent|fees|onchain|spend|spend:agent|(?:peer|channelIn|channelOut|spend:peer):${ID}|(?:exchange|fees|onchain):[!-~]{1,32}@\\d{1,3})$`);
const PEER_ID_RE = ID_PATTERN;
/** Longest account id and source peer id in bytes (one length byte on disk). */
export const MAX_NAME_BYTES = 255;
/** Longest entry id in bytes. */
export const MAX_ID_BYTES = 1024;
const MAX_POSTINGS = 255;
const MAX_TS = 2 ** 48 - 1;
const kinds = new Set<string>(entryKinds);
const SMALL = 1n << 45n;

function invalid(message: string): never {
  throw new LedgerError('LEDGER_INVALID_ENTRY', message, 'This is a bug in the caller: fix the entry it builds.');
}

/** Throws unless `account` is a well-formed account id. */
export function checkAccount(account: unknown): asserts account is string {
  if (typeof account !== 'string' || account.length > MAX_NAME_BYTES || !ACCOUNT_RE.test(account)) {
    invalid(`invalid account id ${JSON.stringify(account)}: expected agent, fees, onchain, peer:<id>, channelIn:<id>, channelOut:<id>, spend, spend:agent, spend:peer:<id>, exchange:<code>@<scale>, fees:<code>@<scale> or onchain:<code>@<scale>`);
  }
}

/** Throws unless `peerId` is a well-formed peer id. */
export function checkPeerId(peerId: unknown): asserts peerId is string {
  if (typeof peerId !== 'string' || peerId.length > MAX_NAME_BYTES - 11 || !PEER_ID_RE.test(peerId)) {
    invalid(`invalid peer id ${JSON.stringify(peerId)}: expected [a-zA-Z0-9_~-]+`);
  }
}

/** Throws unless `amount` is a non-negative bigint no larger than an ILP amount. */
export function checkAmount(amount: unknown, what: string): asserts amount is bigint {
  if (typeof amount !== 'bigint' || amount < 0n || amount > MAX_POSTING) {
    invalid(`${what} must be a bigint between 0 and 2^64-1, got ${String(amount)}`);
  }
}

/**
 * Checks everything about an entry except the accounts (the ledger validates each account once and
 * caches it): id, kind, amounts, balance of the legs, optional fields.
 */
export function checkEntryShape(e: JournalEntry): void {
  if (e === null || typeof e !== 'object') invalid('a journal entry must be an object');
  if (typeof e.id !== 'string' || e.id.length === 0 || Buffer.byteLength(e.id, 'utf8') > MAX_ID_BYTES) {
    invalid(`an entry id must be a non-empty string of at most ${MAX_ID_BYTES} bytes`);
  }
  if (!kinds.has(e.kind)) invalid(`entry ${e.id}: unknown kind ${JSON.stringify(e.kind)}`);
  const postings = e.postings;
  if (!Array.isArray(postings) || postings.length === 0 || postings.length > MAX_POSTINGS) {
    invalid(`entry ${e.id}: needs 1 to ${MAX_POSTINGS} postings`);
  }
  // Amounts below 2^45 (255 of them cannot reach 2^53) are summed exactly as Numbers: no bigint per leg.
  let small = 0;
  let exact = true;
  for (let i = 0; i < postings.length; i++) {
    const a = postings[i].amount;
    if (typeof a !== 'bigint' || a > MAX_POSTING || a < -MAX_POSTING) {
      invalid(`entry ${e.id}: posting ${i} amount must be a bigint of magnitude below 2^64, got ${String(a)}`);
    }
    if (a < SMALL && a > -SMALL) small += Number(a);
    else exact = false;
  }
  let sum = 0n;
  if (!exact) for (const p of postings) sum += p.amount;
  else if (small !== 0) sum = BigInt(small);
  if (sum !== 0n) {
    throw new LedgerError(
      'LEDGER_UNBALANCED_ENTRY',
      `entry ${e.id}: postings sum to ${sum}, not 0`,
      'Every entry must balance: check the fee leg of the postings.',
      { details: { id: e.id, sum: sum.toString() } },
    );
  }
  if (e.condition !== undefined && (!Buffer.isBuffer(e.condition) || e.condition.length > 255)) {
    invalid(`entry ${e.id}: condition must be a Buffer of at most 255 bytes`);
  }
  if (e.sourcePeer !== undefined && (typeof e.sourcePeer !== 'string' || Buffer.byteLength(e.sourcePeer, 'utf8') > MAX_NAME_BYTES)) {
    invalid(`entry ${e.id}: sourcePeer must be a string of at most ${MAX_NAME_BYTES} bytes`);
  }
  if (e.requestId !== undefined && (!Number.isInteger(e.requestId) || e.requestId < 0 || e.requestId > 0xffffffff)) {
    invalid(`entry ${e.id}: requestId must be an unsigned 32-bit integer`);
  }
  if (e.fresh !== undefined && e.fresh !== true) invalid(`entry ${e.id}: fresh must be true or absent`);
  if (e.ts !== undefined && (!Number.isInteger(e.ts) || e.ts < 0 || e.ts > MAX_TS)) {
    invalid(`entry ${e.id}: ts must be a non-negative integer of ms since the epoch`);
  }
}

/** Throws unless the limits are well-formed (creditLimit >= 0, settleThreshold > 0). */
export function checkLimits(peerId: string, limits: PeerLimits): void {
  const { creditLimit, settleThreshold } = limits;
  if (creditLimit !== undefined && (typeof creditLimit !== 'bigint' || creditLimit < 0n)) {
    invalid(`peer ${peerId}: creditLimit must be a non-negative bigint or undefined`);
  }
  if (settleThreshold !== undefined && (typeof settleThreshold !== 'bigint' || settleThreshold <= 0n)) {
    invalid(`peer ${peerId}: settleThreshold must be a positive bigint or undefined`);
  }
}

/** Is `kind` a known entry kind? */
export function isEntryKind(kind: unknown): kind is EntryKind {
  return typeof kind === 'string' && kinds.has(kind);
}
