/**
 * Config defaults of the command line that differ from a library node's. A `ConnectorNode` built in
 * someone's program opens no admin API unless its config enables one (two nodes in one process must
 * not both take 8081); `agent-runtime start` serves it by default, because the other commands talk to
 * the node through it. Every command that reads a config the way `start` does (`validate`, `setup`,
 * finding the node) layers these under the file, so they all agree with what `start` runs.
 */
export const CLI_CONFIG_DEFAULTS: Readonly<Record<string, unknown>> = Object.freeze({ 'adminApi.enabled': true });
