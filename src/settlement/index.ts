/**
 * The settlement engine's entry point, loaded by the core (dynamic import) only when
 * `settlement.enabled` is set. EVM payment channels (contracts/TokenNetwork.sol) through ethers 6,
 * itself loaded only when `settlement.evm` is configured. See engine.ts for the lifecycle.
 */
import type { CreateSettlementModule } from './module.js';
import { createEngine } from './engine.js';

export type { SettlementContext, SettlementModule, CreateSettlementModule } from './module.js';
export type { ChannelView, SettleResult, SettlementStateView } from './operations.js';
export type { EvmClaim } from './claim.js';

export const createSettlementModule: CreateSettlementModule = (ctx) => createEngine(ctx);
