/**
 * Our settlement wallet's balance as an event (`settlement:wallet-balance`, which /metrics turns into
 * the `ilp_settlement_wallet_balance` gauge): emitted whenever the lane reads the wallet (autoDeposit's
 * check on the resend timer, anything else calling `tokenBalance(our address)` or `spendable`) and
 * after each open and deposit, which move it. No poll of its own: reads ride on the lane's timers.
 */
import type { ChainAdapter } from './chain.js';
import type { Core } from './core.js';

/** Emits the balance `chain` just returned for our wallet. */
export function reportWallet(core: Core, chain: ChainAdapter, balance: bigint, spendable?: bigint): void {
  core.emit({
    type: 'settlement:wallet-balance',
    chain: core.kind,
    asset: core.assetCode,
    address: chain.address,
    balance: balance.toString(),
    decimals: chain.decimals,
    ...(spendable === undefined ? {} : { spendable: spendable.toString() }),
  });
}

/** Reads our wallet once and reports it; a failed read is only logged (the next read reports). */
export async function readWallet(core: Core, chain: ChainAdapter): Promise<void> {
  try {
    if (chain.spendable !== undefined) {
      const s = await chain.spendable(false);
      reportWallet(core, chain, s.balance, s.spendable);
    } else reportWallet(core, chain, await chain.tokenBalance(chain.address));
  } catch (err) {
    core.log.debug({ chain: core.kind, err: err instanceof Error ? err.message : String(err) }, 'settlement wallet balance: read failed');
  }
}

/**
 * Wraps the adapter's wallet reads so each read of our own wallet is reported; `after` reads the wallet
 * again once an open or a deposit resolved.
 */
export function walletReads(core: Core, target: ChainAdapter, prop: string, method: (...args: unknown[]) => unknown): ((...args: unknown[]) => unknown) | undefined {
  if (prop === 'tokenBalance')
    return async (...args: unknown[]) => {
      const balance = (await method(...args)) as bigint;
      if (args[0] === target.address) reportWallet(core, target, balance);
      return balance;
    };
  if (prop === 'spendable')
    return async (...args: unknown[]) => {
      const s = (await method(...args)) as { balance: bigint; spendable: bigint };
      reportWallet(core, target, s.balance, s.spendable);
      return s;
    };
  return undefined;
}

/** Operations after which the wallet holds less: read it again. */
export const MOVES_WALLET: ReadonlySet<string> = new Set(['open', 'deposit']);
