/**
 * The settlement engine's entry point, loaded by the core (dynamic import) only when
 * `settlement.enabled` is set. Payment channels on EVM (contracts/TokenNetwork.sol, ethers 6), the
 * XRP Ledger (native PayChannels, xrpl.js) and Aptos (a Move module, @aptos-labs/ts-sdk): one lane per
 * configured chain, each SDK loaded only when its section is configured. See engine.ts and lane.ts.
 */
import type { CreateSettlementModule } from './module.js';
import { createEngine } from './engine.js';

export type { SettlementContext, SettlementModule, CreateSettlementModule } from './module.js';
export type { ChannelView, SettleResult, SettlementStateView } from './operations.js';
export type { OperationView } from './operation-log.js';
export type { Claim, EvmClaim, LedgerClaim } from './claim.js';
export type { ChainKind } from './chain.js';

export const createSettlementModule: CreateSettlementModule = (ctx) => createEngine(ctx);
