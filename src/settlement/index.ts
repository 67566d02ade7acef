/**
 * The settlement engine's entry point, loaded by the core only when `settlement.enabled` is set.
 * (Placeholder until the engine lands in this folder: it refuses to start rather than pretend.)
 */
import type { CreateSettlementModule } from './module.js';

export type { SettlementContext, SettlementModule, CreateSettlementModule } from './module.js';

export const createSettlementModule: CreateSettlementModule = () => {
  throw new Error('settlement.enabled is set, but this build has no settlement engine yet: set settlement.enabled to false');
};
