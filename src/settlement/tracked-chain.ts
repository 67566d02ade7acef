/**
 * A lane's chain adapter with every transaction-sending method run as an operation of the
 * OperationLog (operation-log.ts): the rest of the engine calls the adapter as before and gets
 * pending / final / failed visibility for free. Reads and local signing pass straight through.
 */
import type { ChainAdapter, TxResult } from './chain.js';
import type { Core } from './core.js';
import { MOVES_WALLET, readWallet, walletReads } from './wallet-balance.js';
import { requiredConfirmations, type OperationKind, type OperationLog, type OperationStart } from './operation-log.js';

/** What each tracked method is, and what its arguments tell (channel, peer, amount in base units). */
type Describe = (core: Core, args: unknown[]) => { operation: OperationKind; channelId?: string; peerId?: string; base?: bigint };

const record = (core: Core, id: unknown) => (typeof id === 'string' ? core.records.get(core.normalizeId(id) ?? id) : undefined);
const big = (x: unknown): bigint | undefined => (typeof x === 'bigint' ? x : undefined);
const minus = (a: bigint | undefined, b: bigint | undefined): bigint | undefined => (a === undefined ? undefined : a - (b ?? 0n) > 0n ? a - (b ?? 0n) : 0n);

const TRACKED: Record<string, Describe> = {
  openChannel: (core, [receiver, , deposit]) => ({ operation: 'open', peerId: typeof receiver === 'string' ? core.peerByAddress(receiver) : undefined, base: big(deposit) }),
  setTotalDeposit: (core, [id, total]) => {
    const r = record(core, id);
    return { operation: 'deposit', channelId: r?.channelId ?? String(id), peerId: r?.peerId, base: minus(big(total), r?.deposit) };
  },
  claim: (core, [id, , amount]) => {
    const r = record(core, id);
    return { operation: 'redeem', channelId: r?.channelId ?? String(id), peerId: r?.peerId, base: minus(big(amount), r?.claimed) };
  },
  withdraw: (core, [id, total]) => {
    const r = record(core, id);
    return { operation: 'withdraw', channelId: r?.channelId ?? String(id), peerId: r?.peerId, base: minus(big(total), r?.withdrawn) };
  },
  closeChannel: (core, [id]) => ({ operation: 'close', channelId: record(core, id)?.channelId ?? String(id), peerId: record(core, id)?.peerId }),
  cooperativeClose: (core, [id]) => ({ operation: 'close', channelId: record(core, id)?.channelId ?? String(id), peerId: record(core, id)?.peerId }),
  settleChannel: (core, [id]) => ({ operation: 'settle', channelId: record(core, id)?.channelId ?? String(id), peerId: record(core, id)?.peerId }),
};

/** `chain` with its transactions logged in `log` (amounts converted with the lane's units). */
export function trackedChain(chain: ChainAdapter, core: Core, log: OperationLog): ChainAdapter {
  const bound = new Map<PropertyKey, unknown>();
  return new Proxy(chain, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      let fn = bound.get(prop);
      if (fn !== undefined) return fn;
      const method = (value as (...args: unknown[]) => unknown).bind(target);
      const describe = typeof prop === 'string' ? TRACKED[prop] : undefined;
      const reads = typeof prop === 'string' ? walletReads(core, target, prop, method) : undefined;
      fn =
        reads ??
        (describe === undefined
          ? method
          : (...args: unknown[]) => {
              const d = describe(core, args);
              const units = core.units === undefined ? undefined : core.unitsOf(d.peerId, core.units);
              const start: OperationStart = {
                chain: core.kind,
                operation: d.operation,
                required: requiredConfirmations(target),
                ...(d.peerId === undefined ? {} : { peerId: d.peerId }),
                ...(d.channelId === undefined ? {} : { channelId: d.channelId }),
                ...(d.base === undefined || units === undefined ? {} : { amount: units.toAsset(d.base) }),
              };
              const run = log.run(start, () => method(...args) as Promise<TxResult & { channelId?: string }>, (result, op) => {
                if (result.channelId !== undefined) op.channelId = target.normalizeChannelId(result.channelId) ?? result.channelId;
              });
              if (MOVES_WALLET.has(d.operation)) void run.then(() => readWallet(core, target), () => readWallet(core, target));
              return run;
            });
      bound.set(prop, fn);
      return fn;
    },
  });
}
