/**
 * Our own settlement transactions, pending vs final. Every transaction-sending call a lane makes on
 * its chain adapter (open, deposit, withdraw, redeem, close, settle) runs as one **operation**:
 * `pending` from the call until the adapter resolves (the adapter resolves only once
 * `settlement.evm.confirmations` blocks hold the transaction; XRPL: a validated ledger; Aptos: the
 * committed version), then `final`, or `failed` when it throws. A reorg reported while it waits makes
 * it `reorged` until its transaction is seen in a block again.
 *
 * The adapters learn nothing about operations: the operation rides along in an AsyncLocalStorage
 * context, and an adapter that knows its transaction hash or its confirmations so far tells whichever
 * operation is current (`txSent`, `txConfirmations`); outside an operation those calls do nothing.
 * Each change is a `settlement:operation` event (the metrics, TUI and explorer fold those) and the
 * log keeps every unfinished operation plus the newest finished ones for the admin API.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { NodeEventInput } from '../node/ports.js';
import type { ChainAdapter, ChainKind } from './chain.js';

export type OperationKind = 'open' | 'deposit' | 'withdraw' | 'redeem' | 'close' | 'settle';
export type OperationState = 'pending' | 'final' | 'failed' | 'reorged';

/** An operation as the admin API shows it. Amounts: asset units as decimal strings. */
export interface OperationView {
  operationId: string;
  operation: OperationKind;
  state: OperationState;
  chain: ChainKind;
  peerId: string | null;
  /** null for an open until its channel id is known */
  channelId: string | null;
  txHash: string | null;
  /** Blocks holding the transaction so far (its own included); `required` once final. */
  confirmations: number;
  /** Blocks that must hold it before it counts. */
  required: number;
  amount: string | null;
  gasUsed: string | null;
  /** Times a reorg took its transaction out of the chain while it waited. */
  reorgs: number;
  reason: string | null;
  startedAt: string;
  updatedAt: string;
}

/** What the caller knows when an operation starts. */
export interface OperationStart {
  chain: ChainKind;
  operation: OperationKind;
  peerId?: string;
  channelId?: string;
  required: number;
  /** asset units */
  amount?: bigint;
}

interface Op extends OperationStart {
  id: string;
  state: OperationState;
  txHash?: string;
  confirmations: number;
  gasUsed?: bigint;
  reorgs: number;
  reason?: string;
  startedAt: number;
  updatedAt: number;
}

/** Finished operations kept for the admin API (unfinished ones are always kept). */
export const FINISHED_KEPT = 200;

const current = new AsyncLocalStorage<{ log: OperationLog; op: Op }>();

/** An adapter sent the current operation's transaction (or a replacement): its hash. No-op outside an operation. */
export function txSent(txHash: string): void {
  const c = current.getStore();
  if (c !== undefined) c.log.sent(c.op, txHash);
}

/** Blocks now holding the current operation's transaction. No-op outside an operation. */
export function txConfirmations(have: number): void {
  const c = current.getStore();
  if (c !== undefined) c.log.confirmed(c.op, have);
}

export class OperationLog {
  private readonly ops = new Map<string, Op>();
  private seq = 0;

  constructor(private readonly emit: (e: NodeEventInput) => void) {}

  /**
   * Runs `fn` (one chain transaction, or a few for one purpose: an approve and an open) as an
   * operation: pending now, final when it resolves, failed when it throws (and rethrows).
   * `done` may fill in what the result tells (an open's channel id).
   */
  async run<T extends { txHash: string; gasUsed: bigint }>(start: OperationStart, fn: () => Promise<T>, done?: (result: T, op: OperationStart) => void): Promise<T> {
    const now = Date.now();
    const op: Op = { ...start, id: `${start.chain}-${++this.seq}-${now.toString(36)}`, state: 'pending', confirmations: 0, reorgs: 0, startedAt: now, updatedAt: now };
    this.ops.set(op.id, op);
    this.changed(op);
    try {
      const result = await current.run({ log: this, op }, fn);
      done?.(result, op);
      op.txHash = result.txHash;
      op.gasUsed = result.gasUsed;
      op.confirmations = Math.max(op.confirmations, op.required);
      this.finish(op, 'final');
      return result;
    } catch (err) {
      op.reason = err instanceof Error ? err.message : String(err);
      this.finish(op, 'failed');
      throw err;
    }
  }

  /** A reorg took the current operation's transaction out of the chain (called from the adapter's reorg report). */
  reorged(reason: string): void {
    const op = current.getStore()?.op;
    if (op === undefined || op.state !== 'pending') return;
    op.reorgs++;
    op.reason = reason;
    op.confirmations = 0;
    op.state = 'reorged';
    this.changed(op);
  }

  sent(op: Op, txHash: string): void {
    if (op.txHash === txHash || op.state === 'final' || op.state === 'failed') return;
    op.txHash = txHash;
    op.state = 'pending';
    this.changed(op);
  }

  confirmed(op: Op, have: number): void {
    if (op.state === 'final' || op.state === 'failed' || (have === op.confirmations && op.state === 'pending')) return;
    op.confirmations = Math.max(0, have);
    op.state = 'pending';
    this.changed(op);
  }

  /** Newest first; filtered by state, chain or channel. */
  list(filter: { state?: string; chain?: string; channelId?: string; peerId?: string } = {}): OperationView[] {
    const out: OperationView[] = [];
    for (const op of this.ops.values()) {
      if (filter.state !== undefined && op.state !== filter.state) continue;
      if (filter.chain !== undefined && op.chain !== filter.chain) continue;
      if (filter.channelId !== undefined && op.channelId?.toLowerCase() !== filter.channelId.toLowerCase()) continue;
      if (filter.peerId !== undefined && op.peerId !== filter.peerId) continue;
      out.push(view(op));
    }
    return out.reverse();
  }

  /** How many operations are not final yet (pending or reorged), per channel id. */
  unfinished(): Map<string, number> {
    const out = new Map<string, number>();
    for (const op of this.ops.values()) {
      if ((op.state === 'pending' || op.state === 'reorged') && op.channelId !== undefined) out.set(op.channelId, (out.get(op.channelId) ?? 0) + 1);
    }
    return out;
  }

  private finish(op: Op, state: 'final' | 'failed'): void {
    op.state = state;
    this.changed(op);
    let finished = 0;
    for (const o of this.ops.values()) if (o.state === 'final' || o.state === 'failed') finished++;
    // Map order is oldest first: drop the oldest finished ones beyond the bound.
    for (const [id, o] of this.ops) {
      if (finished <= FINISHED_KEPT) break;
      if (o.state === 'final' || o.state === 'failed') {
        this.ops.delete(id);
        finished--;
      }
    }
  }

  private changed(op: Op): void {
    op.updatedAt = Date.now();
    this.emit({
      type: 'settlement:operation',
      operationId: op.id,
      operation: op.operation,
      state: op.state,
      peerId: op.peerId ?? '',
      chain: op.chain,
      channelId: op.channelId ?? '',
      ...(op.txHash === undefined ? {} : { txHash: op.txHash }),
      confirmations: op.confirmations,
      required: op.required,
      ...(op.amount === undefined ? {} : { amount: op.amount.toString() }),
      ...(op.gasUsed === undefined ? {} : { gasUsed: op.gasUsed.toString() }),
      ...(op.reason === undefined ? {} : { reason: op.reason }),
    });
  }
}

function view(op: Op): OperationView {
  return {
    operationId: op.id,
    operation: op.operation,
    state: op.state,
    chain: op.chain,
    peerId: op.peerId ?? null,
    channelId: op.channelId ?? null,
    txHash: op.txHash ?? null,
    confirmations: op.confirmations,
    required: op.required,
    amount: op.amount?.toString() ?? null,
    gasUsed: op.gasUsed?.toString() ?? null,
    reorgs: op.reorgs,
    reason: op.reason ?? null,
    startedAt: new Date(op.startedAt).toISOString(),
    updatedAt: new Date(op.updatedAt).toISOString(),
  };
}

/** Blocks an adapter waits for before its transactions resolve (EVM: its confirmations; others: 1). */
export function requiredConfirmations(chain: ChainAdapter): number {
  const n = (chain as Partial<{ confirmations: number }>).confirmations;
  return typeof n === 'number' && n > 0 ? n : 1;
}
