/**
 * agent-runtime: the library API. Everything a user imports comes from here; the wire codecs are
 * also available on their own from `agent-runtime/codec`.
 */
export { ConnectorNode, ConnectorNotStartedError, PeerNotFoundError, InvalidArgumentError, type SendPacketResult } from './node/connector-node.js';
export { createLogger } from './node/logger.js';
export {
  computeConditionFromData,
  computeFulfillmentFromData,
  generatePaymentId,
  mapRejectCode,
  REJECT_CODE_MAP,
} from './node/delivery/payment-adapter.js';
export { EventStream } from './node/events.js';
export type * from './node/events.js';
export type * from './node/types.js';
export { loadConfig, ConfigError, type NodeConfig, type NodeConfigInput } from './config/index.js';
export * from './codec.js';
