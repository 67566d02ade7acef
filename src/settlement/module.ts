/**
 * The seam between the connector core and the settlement engine, defined by the core in its ports
 * module (src/node/ports.ts): the core loads the engine only when `settlement.enabled` is set and
 * talks to it through these interfaces only.
 */
export type { CreateSettlementModule, SettlementContext, SettlementModule, SettlementPeer, SettlementReply } from '../node/ports.js';
