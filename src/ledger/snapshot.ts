/**
 * The JSON snapshot: building one from a store scan, and checking one before it is imported.
 * Amounts are decimal strings, conditions hex. An import must balance exactly as the store would.
 */
import { LedgerError } from './errors.js';
import { checkAccount, checkEntryShape, isEntryKind } from './validate.js';
import type { AccountId, JournalEntry, LedgerSnapshot, SnapshotEntry } from './types.js';
import { parseAssetKey } from './asset-records.js';
import type { LedgerAsset } from './assets.js';

/** Same type as `LedgerSnapshot`, under the name the issue uses. */
export type Snapshot = LedgerSnapshot;

const DECIMAL_RE = /^-?(0|[1-9][0-9]*)$/;

function bad(message: string): never {
  throw new LedgerError('LEDGER_SNAPSHOT_INVALID', `Invalid ledger snapshot: ${message}`, 'Import a file written by `agent-runtime ledger export`, unmodified.');
}

const record = (m: Map<AccountId, bigint>): Record<AccountId, string> => {
  const out: Record<AccountId, string> = {};
  for (const k of [...m.keys()].sort()) out[k] = m.get(k)!.toString();
  return out;
};

/** Converts an entry to its JSON form. */
export function entryToJson(e: JournalEntry): SnapshotEntry {
  const out: SnapshotEntry = { id: e.id, kind: e.kind, ts: e.ts ?? 0, postings: e.postings.map((p) => ({ account: p.account, amount: p.amount.toString() })) };
  if (e.condition) out.condition = e.condition.toString('hex');
  if (e.sourcePeer !== undefined) out.sourcePeer = e.sourcePeer;
  if (e.requestId !== undefined) out.requestId = e.requestId;
  return out;
}

/** Builds a snapshot; the journal is ordered by booking time, then id. */
export function buildSnapshot(balances: Map<AccountId, bigint>, checkpoints: Map<AccountId, bigint>, entries: JournalEntry[]): LedgerSnapshot {
  const journal = entries.map(entryToJson).sort((a, b) => a.ts - b.ts || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { format: 'agent-runtime-ledger', version: 1, exportedAt: new Date().toISOString(), balances: record(balances), checkpoints: record(checkpoints), journal };
}

function amount(v: unknown, where: string): bigint {
  if (typeof v !== 'string' || !DECIMAL_RE.test(v)) bad(`${where} must be a decimal string, got ${JSON.stringify(v)}`);
  return BigInt(v);
}

function amounts(v: unknown, where: string): Map<AccountId, bigint> {
  const out = new Map<AccountId, bigint>();
  if (v === undefined) return out;
  if (v === null || typeof v !== 'object' || Array.isArray(v)) bad(`${where} must be an object of account -> amount`);
  for (const [account, a] of Object.entries(v)) {
    try {
      checkAccount(account);
    } catch {
      bad(`${where}: ${JSON.stringify(account)} is not an account id`);
    }
    out.set(account, amount(a, `${where}.${account}`));
  }
  return out;
}

function entryFromJson(v: unknown, i: number): JournalEntry {
  const where = `journal[${i}]`;
  if (v === null || typeof v !== 'object') bad(`${where} must be an object`);
  const s = v as Partial<Record<keyof SnapshotEntry, unknown>>;
  if (!isEntryKind(s.kind)) bad(`${where}.kind is not an entry kind`);
  if (!Array.isArray(s.postings)) bad(`${where}.postings must be an array`);
  const e: JournalEntry = {
    id: s.id as string,
    kind: s.kind,
    ts: s.ts as number,
    postings: (s.postings as unknown[]).map((p, j) => {
      const q = (p ?? {}) as { account?: unknown; amount?: unknown };
      try {
        checkAccount(q.account);
      } catch {
        bad(`${where}.postings[${j}].account is not an account id`);
      }
      return { account: q.account, amount: amount(q.amount, `${where}.postings[${j}].amount`) };
    }),
  };
  if (s.condition !== undefined) {
    if (typeof s.condition !== 'string' || !/^([0-9a-f]{2})*$/i.test(s.condition)) bad(`${where}.condition must be hex`);
    e.condition = Buffer.from(s.condition, 'hex');
  }
  if (s.sourcePeer !== undefined) e.sourcePeer = s.sourcePeer as string;
  if (s.requestId !== undefined) e.requestId = s.requestId as number;
  if (e.ts === undefined) bad(`${where}.ts is missing`);
  try {
    checkEntryShape(e);
  } catch (err) {
    bad(`${where}: ${(err as Error).message}`);
  }
  return e;
}

/** A snapshot checked and converted, ready to be written. */
export interface ImportPlan {
  balances: Map<AccountId, bigint>;
  checkpoints: Map<AccountId, bigint>;
  entries: JournalEntry[];
  /** Each account's asset, when the snapshot carries them (asset-records.ts). */
  assets: Map<AccountId, LedgerAsset>;
}

/** `assets` of a snapshot: account → `<code>@<scale>`; absent in snapshots of single-asset stores. */
function assetsOf(v: unknown): Map<AccountId, LedgerAsset> {
  const out = new Map<AccountId, LedgerAsset>();
  if (v === undefined) return out;
  if (v === null || typeof v !== 'object' || Array.isArray(v)) bad('assets must be an object of account -> "<code>@<scale>"');
  for (const [account, text] of Object.entries(v)) {
    try {
      checkAccount(account);
    } catch {
      bad(`assets: ${JSON.stringify(account)} is not an account id`);
    }
    const a = typeof text === 'string' ? parseAssetKey(text) : undefined;
    if (a === undefined) bad(`assets.${account} must be "<code>@<scale>" (e.g. "USD@9"), got ${JSON.stringify(text)}`);
    out.set(account, a);
  }
  return out;
}

/**
 * Checks a snapshot (shape, every entry balanced, unique ids, balances = checkpoints + journal, sum zero).
 * A snapshot with balances only (no checkpoints, no journal) becomes one `import` entry booking them.
 */
export function planImport(input: unknown, now = Date.now()): ImportPlan {
  if (input === null || typeof input !== 'object') bad('expected a JSON object');
  const s = input as Partial<Record<keyof LedgerSnapshot, unknown>>;
  if (s.format !== 'agent-runtime-ledger') bad(`format must be "agent-runtime-ledger", got ${JSON.stringify(s.format)}`);
  if (s.version !== 1) bad(`version ${JSON.stringify(s.version)} is not supported (expected 1)`);
  const balances = amounts(s.balances, 'balances');
  const checkpoints = amounts(s.checkpoints, 'checkpoints');
  const assets = assetsOf(s.assets);
  if (s.journal !== undefined && !Array.isArray(s.journal)) bad('journal must be an array');
  const entries = ((s.journal ?? []) as unknown[]).map(entryFromJson);
  const ids = new Set<string>();
  for (const e of entries) {
    if (ids.has(e.id)) bad(`journal id ${e.id} appears twice`);
    ids.add(e.id);
  }
  let sum = 0n;
  for (const b of balances.values()) sum += b;
  if (sum !== 0n) bad(`balances sum to ${sum}, not 0`);
  if (entries.length === 0 && checkpoints.size === 0 && [...balances.values()].some((b) => b !== 0n)) {
    const postings = [...balances].filter(([, b]) => b !== 0n).map(([account, b]) => ({ account, amount: b }));
    const entry: JournalEntry = { id: `import:${now}`, kind: 'import', ts: now, postings };
    try {
      checkEntryShape(entry);
    } catch (err) {
      bad(`balances cannot be booked as one entry: ${(err as Error).message}`);
    }
    return { balances, checkpoints, entries: [entry], assets };
  }
  const recomputed = new Map(checkpoints);
  for (const e of entries) for (const p of e.postings) recomputed.set(p.account, (recomputed.get(p.account) ?? 0n) + p.amount);
  for (const account of new Set([...balances.keys(), ...recomputed.keys()])) {
    const stored = balances.get(account) ?? 0n;
    const again = recomputed.get(account) ?? 0n;
    if (stored !== again) bad(`balance of ${account} is ${stored} but checkpoints and journal add up to ${again}`);
  }
  return { balances, checkpoints, entries, assets };
}
