/**
 * Reading rippled's answers: PayChannel entries, account_tx entries and transaction metadata, and
 * what they say about our channels (events, deleted channels' final state, close times).
 */
import type { TransactionMetadata } from 'xrpl';
import type { ChainEvent, OnchainChannel } from '../../chain.js';
import { RIPPLE_EPOCH_OFFSET } from './connection.js';

/** A PayChannel ledger entry as ledger_entry returns it. */
export interface PayChannelEntry {
  Account: string;
  Destination: string;
  Amount: string;
  Balance: string;
  SettleDelay: number;
  PublicKey: string;
  Expiration?: number;
  CancelAfter?: number;
}

/** One account_tx entry (API v1 `tx`, v2 `tx_json` + `hash`). */
export interface AccountTxEntry {
  tx?: Record<string, unknown> & { hash?: string; ledger_index?: number };
  tx_json?: Record<string, unknown>;
  hash?: string;
  ledger_index?: number;
  meta?: TransactionMetadata | string;
  validated?: boolean;
  close_time_iso?: string;
}

export interface AffectedNode {
  CreatedNode?: { LedgerEntryType: string; LedgerIndex: string; NewFields?: Record<string, unknown> };
  ModifiedNode?: { LedgerEntryType: string; LedgerIndex: string; FinalFields?: Partial<PayChannelEntry> };
  DeletedNode?: { LedgerEntryType: string; LedgerIndex: string; FinalFields?: Partial<PayChannelEntry> };
}

/** The final state of every PayChannel the metadata shows deleted (the ledger keeps nothing of it). */
export function deletedChannels(meta: TransactionMetadata | string | undefined, closeTime: number | undefined): OnchainChannel[] {
  const out: OnchainChannel[] = [];
  for (const n of affectedNodes(meta)) {
    const d = n.DeletedNode;
    const f = d?.FinalFields;
    if (d?.LedgerEntryType !== 'PayChannel' || f?.Account === undefined || f.Destination === undefined || f.Amount === undefined) continue;
    const settleDelay = Number(f.SettleDelay ?? 0);
    out.push({
      channelId: d.LedgerIndex.toUpperCase(),
      sender: f.Account,
      receiver: f.Destination,
      settlementTimeout: settleDelay,
      state: 'settled',
      closedAt: f.Expiration !== undefined ? f.Expiration + RIPPLE_EPOCH_OFFSET - settleDelay : (closeTime ?? 0),
      deposit: BigInt(f.Amount),
      withdrawn: 0n,
      claimed: BigInt(f.Balance ?? '0'),
      nonce: 0n,
      ...(f.PublicKey === undefined ? {} : { publicKey: f.PublicKey.toUpperCase() }),
    });
  }
  return out;
}

/** The ChainEvent for one account_tx entry, when it is a validated, successful channel transaction. */
export function channelEvent(entry: AccountTxEntry): ChainEvent | undefined {
  const tx = entry.tx_json ?? entry.tx;
  const meta = entry.meta;
  if (tx === undefined || typeof meta !== 'object' || entry.validated === false || meta.TransactionResult !== 'tesSUCCESS') return undefined;
  const type = tx.TransactionType;
  const hash = String(entry.hash ?? entry.tx?.hash ?? '');
  const blockNumber = Number(entry.ledger_index ?? entry.tx?.ledger_index ?? 0);
  const nodes = affectedNodes(meta);
  if (type === 'PaymentChannelCreate') {
    const created = nodes.find((n) => n.CreatedNode?.LedgerEntryType === 'PayChannel')?.CreatedNode;
    if (created === undefined) return undefined;
    return { name: 'ChannelOpened', channelId: created.LedgerIndex.toUpperCase(), sender: String(tx.Account), receiver: String(tx.Destination), blockNumber, txHash: hash };
  }
  if (type === 'PaymentChannelFund' || type === 'PaymentChannelClaim') {
    const deleted = nodes.some((n) => n.DeletedNode?.LedgerEntryType === 'PayChannel');
    const name = deleted ? 'ChannelSettled' : type === 'PaymentChannelFund' ? 'ChannelFunded' : 'ChannelClaimed';
    return { name, channelId: String(tx.Channel).toUpperCase(), blockNumber, txHash: hash };
  }
  return undefined;
}

/** A validated transaction's ledger close time, Unix seconds (undefined when the answer has none). */
export function entryCloseTime(e: { close_time_iso?: string; date?: unknown; tx?: Record<string, unknown> }): number | undefined {
  if (typeof e.close_time_iso === 'string') {
    const t = Date.parse(e.close_time_iso);
    if (Number.isFinite(t)) return Math.floor(t / 1000);
  }
  const date = typeof e.date === 'number' ? e.date : typeof e.tx?.date === 'number' ? e.tx.date : undefined;
  return date === undefined ? undefined : date + RIPPLE_EPOCH_OFFSET;
}

export function affectedNodes(meta: TransactionMetadata | string | undefined): AffectedNode[] {
  if (typeof meta !== 'object') return [];
  return (meta as unknown as { AffectedNodes?: AffectedNode[] }).AffectedNodes ?? [];
}
