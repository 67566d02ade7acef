/**
 * The node config: one zod schema for the type, the defaults and the validation; a loader that
 * layers defaults < file < env < overrides; and errors that name the key and what to do.
 */
export {
  configSchema,
  baseConfigSchema,
  peerSchema,
  routeSchema,
  CHAINS,
  RELATIONS,
  LOG_LEVELS,
} from './schema.js';
export type {
  Chain,
  DeepReadonly,
  NodeConfig,
  NodeConfigInput,
  PeerConfig,
  PeerConfigInput,
  RouteConfig,
  RouteConfigInput,
} from './schema.js';
export { ConfigError, formatIssue } from './explain.js';
export type { ConfigIssue } from './explain.js';
export { loadConfig, validateConfigFile, deepFreeze } from './load.js';
export type { LoadedConfig, LoadOptions, ValidationResult } from './load.js';
export { describeConfigKeys } from './describe.js';
export type { ConfigKeyDescription } from './describe.js';
export { peerSecretEnvName, envNameForPath, CONFIG_PATH_ENV, ENV_PREFIX } from './names.js';
export { DEV_PRIVATE_KEYS, hostsOverlap, isLoopbackHost } from './rules.js';
export { upgradeNotice, CHANGED_DEFAULTS } from './upgrade-notice.js';
export { redactUrl, redactSecretsOf, urlHasCredentials } from './url-secrets.js';
