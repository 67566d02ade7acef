/**
 * What our XRP Ledger account can put into channels. The ledger holds part of every account's balance
 * back as the reserve: a base reserve for the account itself plus an owner reserve for each object it
 * owns (each PayChannel it opened is one). A PaymentChannelCreate needs the reserve for one object
 * more; a PaymentChannelFund the reserve as it stands; both pay the transaction fee first. The figures
 * come from the server (server_info `validated_ledger.reserve_base_xrp` / `reserve_inc_xrp`,
 * `base_fee_xrp`), read at every check: validators vote them, so no constant is right for long.
 */
import type { XrplConnection } from './connection.js';
import { XrplCallError } from './result-codes.js';

/** The reserve and fee figures of the last validated ledger, drops. */
export interface XrplReserves {
  /** held back for the account itself */
  base: bigint;
  /** held back per owned object */
  increment: bigint;
  /** the reference transaction fee */
  fee: bigint;
}

/** What the wallet can spend on a channel now, drops. */
export interface XrplSpendable {
  /** the account's validated Balance */
  balance: bigint;
  /** objects the account owns (OwnerCount) */
  owners: number;
  /** held back: base + increment × (owners, plus one for a new channel) + the fee */
  held: bigint;
  /** balance − held, never below 0 */
  spendable: bigint;
  reserves: XrplReserves;
  /** what is held back, in words, for messages */
  why: string;
}

/** Drops in one XRP. */
const DROPS_PER_XRP = 1_000_000n;

/**
 * An XRP figure as server_info gives it (a JSON number: 10, 0.2, 1e-05) in drops, exactly: rippled
 * prints whole drops, so six decimals hold it.
 * @throws XrplCallError when it is not a non-negative finite number
 */
export function xrpToDrops(xrp: unknown, what: string): bigint {
  if (typeof xrp !== 'number' || !Number.isFinite(xrp) || xrp < 0) throw new XrplCallError(`server_info gave no usable ${what} (got ${JSON.stringify(xrp)})`);
  const [whole, frac = ''] = xrp.toFixed(6).split('.');
  return BigInt(whole) * DROPS_PER_XRP + BigInt(frac.padEnd(6, '0'));
}

/** One drop figure as whole XRP with up to six decimals ("1.2 XRP"). */
export function showXrp(drops: bigint): string {
  const whole = drops / DROPS_PER_XRP;
  const frac = (drops % DROPS_PER_XRP).toString().padStart(6, '0').replace(/0+$/, '');
  return `${whole}${frac === '' ? '' : `.${frac}`} XRP`;
}

/**
 * The reserves and fee from server_info.
 * @throws XrplCallError when the server has no validated ledger (it is still syncing) or the figures are missing
 */
export async function readReserves(connection: XrplConnection): Promise<XrplReserves> {
  const res = await connection.request<{ info?: { validated_ledger?: Record<string, unknown> } }>({ command: 'server_info' });
  const v = res.info?.validated_ledger;
  if (v === undefined) throw new XrplCallError(`the XRP Ledger server at ${connection.serverShown} has no validated ledger yet: its reserve is unknown, so no channel is funded until it has one`);
  return { base: xrpToDrops(v.reserve_base_xrp, 'reserve_base_xrp'), increment: xrpToDrops(v.reserve_inc_xrp, 'reserve_inc_xrp'), fee: xrpToDrops(v.base_fee_xrp, 'base_fee_xrp') };
}

/**
 * What `address` can put into a channel: its validated Balance less the reserve for its owned objects
 * (one more when `newChannel`: a PaymentChannelCreate) and the transaction fee. An account the ledger
 * does not hold can spend nothing.
 */
export async function spendable(connection: XrplConnection, address: string, newChannel: boolean): Promise<XrplSpendable> {
  const reserves = await readReserves(connection);
  let balance = 0n;
  let owners = 0;
  try {
    const res = await connection.request<{ account_data: { Balance: string; OwnerCount?: number } }>({ command: 'account_info', account: address, ledger_index: 'validated' });
    balance = BigInt(res.account_data.Balance);
    owners = Number(res.account_data.OwnerCount ?? 0);
  } catch (err) {
    if (!(err instanceof XrplCallError && err.resultCode === 'actNotFound')) throw err;
  }
  const objects = owners + (newChannel ? 1 : 0);
  const reserve = reserves.base + reserves.increment * BigInt(objects);
  const held = reserve + reserves.fee;
  const why =
    `the XRP Ledger reserve of ${showXrp(reserve)} (base reserve ${showXrp(reserves.base)} + owner reserve ${showXrp(reserves.increment)} × ${objects} owned object${objects === 1 ? '' : 's'}` +
    `${newChannel ? ', the new channel included' : ''}; figures from the server's server_info) and the ${showXrp(reserves.fee)} fee`;
  return { balance, owners, held, spendable: balance > held ? balance - held : 0n, reserves, why };
}

/**
 * @throws XrplCallError naming the reserve when `s` cannot cover `drops` (`what`: the transaction, for the message)
 */
export function checkCovers(s: XrplSpendable, drops: bigint, what: string, address: string): void {
  if (s.spendable >= drops) return;
  throw new XrplCallError(
    `${what} needs ${showXrp(drops)}, but our account ${address} holds ${showXrp(s.balance)}, of which ${s.why} stay behind, leaving ${showXrp(s.spendable)}: send the account at least ${showXrp(drops - s.spendable)} more`,
  );
}
