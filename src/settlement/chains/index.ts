/**
 * Connects a chain adapter by chain kind. Each adapter (and its SDK: ethers, xrpl, @aptos-labs/ts-sdk,
 * all optional peer dependencies) is loaded by dynamic import, only for a chain the config names; a
 * missing SDK is an AppError CHAIN_SDK_MISSING whose message ends with the `npm install …` line.
 */
import type { Logger } from 'pino';
import type { NodeConfig } from '../../config/index.js';
import type { ChainAdapter, ChainKind } from '../chain.js';
import type { IntentLog, TxReport } from './evm/sender.js';
import type { XrplIntentLog } from './xrpl/submit.js';

type Sections = NodeConfig['settlement'];

/** Where an adapter that persists its transactions (EVM, XRPL) keeps them, and who hears their outcomes. */
export interface TxHooks {
  intents?: IntentLog & XrplIntentLog;
  onTx?: (r: TxReport) => void;
}

/** Gwei (a config number, decimals allowed) to wei, exactly for up to 9 decimals. */
export function gweiToWei(gwei: number): bigint {
  const [whole, frac = ''] = gwei.toFixed(9).split('.');
  return BigInt(whole) * 1_000_000_000n + BigInt(frac.padEnd(9, '0').slice(0, 9));
}

/** The config section of one chain. */
export type ChainSection<K extends ChainKind> = NonNullable<Sections[K]>;

/** The secret each chain needs, and where it is set. */
const SECRET: Record<ChainKind, string> = {
  evm: 'settlement.evm.privateKey is not set (AGENT_RUNTIME_EVM_PRIVATE_KEY)',
  xrpl: 'settlement.xrpl.seed is not set (AGENT_RUNTIME_XRPL_SEED)',
  aptos: 'settlement.aptos.privateKey is not set (AGENT_RUNTIME_APTOS_PRIVATE_KEY)',
};

/**
 * Loads a chain's SDK (once). Called at start for every configured chain, so a missing package stops
 * the node there, with the install line, before any chain is dialled.
 * @throws AppError CHAIN_SDK_MISSING
 */
export async function loadChainSdk(kind: ChainKind): Promise<void> {
  switch (kind) {
    case 'evm':
      await (await import('./evm/sdk.js')).loadEthers();
      return;
    case 'xrpl':
      await (await import('./xrpl/sdk.js')).loadXrpl();
      return;
    case 'aptos':
      await (await import('./aptos/sdk.js')).loadAptosSdk();
      return;
  }
}

/** The timers of a chain's lane (every section has them, with the same defaults). */
export function laneTimers(s: Sections, kind: ChainKind): { pollIntervalMs: number; resendIntervalMs: number } | undefined {
  const section = s[kind];
  return section === undefined ? undefined : { pollIntervalMs: section.pollIntervalMs, resendIntervalMs: section.resendIntervalMs };
}

/**
 * Connects to `kind`'s chain as the config's section says.
 * @throws Error when the section or its secret is missing, AppError CHAIN_SDK_MISSING, or the adapter's
 *   own error when the chain cannot be reached or does not match the config
 */
export async function connectChain(kind: ChainKind, s: Sections, logger: Logger, onReorg?: (reason: string) => void, tx?: TxHooks): Promise<ChainAdapter> {
  switch (kind) {
    case 'evm': {
      const evm = need(s, 'evm');
      if (evm.privateKey === undefined) throw new Error(SECRET.evm);
      const { EvmChain } = await import('./evm/evm-chain.js');
      return EvmChain.connect({
        rpcUrl: evm.rpcUrl,
        chainId: evm.chainId,
        contract: evm.contract,
        token: evm.token,
        privateKey: evm.privateKey,
        logger,
        receiptPollMs: Math.min(evm.pollIntervalMs, 1000),
        ...(evm.confirmations === undefined ? {} : { confirmations: evm.confirmations }),
        ...(onReorg === undefined ? {} : { onReorg }),
        replaceAfterMs: evm.replaceAfterMs,
        ...(evm.maxFeePerGasGwei === undefined ? {} : { maxFeePerGas: gweiToWei(evm.maxFeePerGasGwei) }),
        ...(tx ?? {}),
      });
    }
    case 'xrpl': {
      const xrpl = need(s, 'xrpl');
      if (xrpl.seed === undefined) throw new Error(SECRET.xrpl);
      await loadChainSdk('xrpl');
      const { XrplChain } = await import('./xrpl/xrpl-chain.js');
      return XrplChain.connect({ server: xrpl.server, seed: xrpl.seed, logger, ...(tx === undefined ? {} : { hooks: tx }) });
    }
    case 'aptos': {
      const aptos = need(s, 'aptos');
      if (aptos.privateKey === undefined) throw new Error(SECRET.aptos);
      await loadChainSdk('aptos');
      const { AptosChain } = await import('./aptos/aptos-chain.js');
      return AptosChain.connect({ nodeUrl: aptos.nodeUrl, module: aptos.module, coinType: aptos.coinType, privateKey: aptos.privateKey, logger });
    }
  }
}

function need<K extends ChainKind>(s: Sections, kind: K): ChainSection<K> {
  const section = s[kind];
  if (section === undefined) throw new Error(`settlement.${kind} is not configured`);
  return section;
}
