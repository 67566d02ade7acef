/**
 * One payer's policy in force: checks a payment against it and holds its amount until the payment
 * ends (reserve, then commit on Fulfill or release on Reject), so concurrent payments cannot
 * together spend more than a budget. Reservations live in memory only: a restart releases them, as
 * it releases the ledger's.
 *
 * Order of the checks: destination (F02), then maxPerPayment (F08), then every budget (T04). Each
 * denial names the rule and what is left.
 */
import type { LocalPolicy, PeerPolicy, Window } from '../config/schema-agents.js';
import type { SpendHistory } from './spend-history.js';
import { accounts } from '../ledger/types.js';

/** Which rule refused a payment. */
export type PolicyRule = 'deniedPrefixes' | 'allowedPrefixes' | 'maxPerPayment' | 'budget';

/** A refused payment: the ILP code it maps to and a message for the payer. */
export interface PolicyDenial {
  rule: PolicyRule;
  code: 'F02' | 'F08' | 'T04';
  message: string;
  /** F08: the most one payment may be. */
  maximum?: bigint;
  /** T04: what the tightest budget has left. */
  remaining?: bigint;
}

/** A budget's state, as the admin API and MCP show it (amounts as decimal strings). */
export interface BudgetStatus {
  amount: string;
  per: Window;
  spent: string;
  reserved: string;
  remaining: string;
}

/** True when `destination` is `prefix` or under it. */
export function underPrefix(destination: string, prefix: string): boolean {
  return destination === prefix || (destination.startsWith(prefix) && destination.charCodeAt(prefix.length) === 46 /* . */);
}

/** The spend memo account of a payer: `local` (the local agent) or a peer id. */
export function memoAccountOf(subject: string): string {
  return subject === 'local' ? accounts.spend() : accounts.spend(subject);
}

export class SpendAccount {
  /** Held by payments in flight (not yet fulfilled or rejected). */
  private reserved = 0n;
  /** The ledger memo account its payments are booked on, with each payment (ledger accounts.spend). */
  readonly memoAccount: string;

  constructor(
    /** 'local' or the peer id. */
    readonly subject: string,
    public policy: LocalPolicy | PeerPolicy,
    readonly history: SpendHistory,
    /** Called after every commit (the store schedules a write). */
    private readonly onCommit: () => void,
    /** Called for every denial (events and metrics). */
    private readonly onDenied?: (subject: string, denial: PolicyDenial, destination: string, amount: bigint) => void,
  ) {
    this.memoAccount = memoAccountOf(subject);
  }

  /** Checks a payment and reserves its amount; a denial reserves nothing. */
  reserve(destination: string, amount: bigint, now: number): PolicyDenial | undefined {
    const denial = this.check(destination, amount, now);
    if (denial !== undefined) this.onDenied?.(this.subject, denial, destination, amount);
    else this.reserved += amount;
    return denial;
  }

  /** What `reserve` would answer, reserving nothing (quotes). */
  check(destination: string, amount: bigint, now: number): PolicyDenial | undefined {
    const p = this.policy;
    for (const prefix of p.deniedPrefixes) {
      if (underPrefix(destination, prefix)) {
        return { rule: 'deniedPrefixes', code: 'F02', message: `policy deniedPrefixes: ${destination} is under the denied prefix ${prefix}` };
      }
    }
    if (p.allowedPrefixes !== undefined && !p.allowedPrefixes.some((prefix) => underPrefix(destination, prefix))) {
      return {
        rule: 'allowedPrefixes',
        code: 'F02',
        message: `policy allowedPrefixes: ${destination} is not under an allowed prefix (${p.allowedPrefixes.join(', ') || 'none'})`,
      };
    }
    if (p.maxPerPayment !== undefined && amount > p.maxPerPayment) {
      return {
        rule: 'maxPerPayment',
        code: 'F08',
        message: `policy maxPerPayment: ${amount} exceeds the maximum of ${p.maxPerPayment} per payment`,
        maximum: p.maxPerPayment,
      };
    }
    if (amount > 0n) {
      for (const b of p.budgets) {
        const used = this.history.spent(b.per, now) + this.reserved;
        if (used + amount > b.amount) {
          const left = b.amount > used ? b.amount - used : 0n;
          return {
            rule: 'budget',
            code: 'T04',
            message: `policy budget ${b.amount} per ${b.per}: ${left} left, ${amount} asked (it refills as the window slides)`,
            remaining: left,
          };
        }
      }
    }
    return undefined;
  }

  /** The payment was fulfilled: its amount moves from reserved to spent. */
  commit(amount: bigint, now: number): void {
    if (amount === 0n) return;
    this.reserved -= amount;
    this.history.add(now, amount);
    this.onCommit();
  }

  /** Holds `amount` without checking (a pending approval restored at start: it was checked when asked for). */
  hold(amount: bigint): void {
    this.reserved += amount;
  }

  /** The payment failed: its amount is free again. */
  release(amount: bigint): void {
    if (amount !== 0n) this.reserved -= amount;
  }

  /** Held by payments in flight. */
  get inFlight(): bigint {
    return this.reserved;
  }

  /** Every budget with what is spent, held and left. */
  budgets(now: number): BudgetStatus[] {
    return this.policy.budgets.map((b) => {
      const spent = this.history.spent(b.per, now);
      const used = spent + this.reserved;
      return {
        amount: b.amount.toString(),
        per: b.per,
        spent: spent.toString(),
        reserved: this.reserved.toString(),
        remaining: (b.amount > used ? b.amount - used : 0n).toString(),
      };
    });
  }
}
