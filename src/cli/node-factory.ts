/**
 * Builds the ConnectorNode that `start` runs: finds and validates the config (flags override it),
 * decides where logs go, and creates the logger. Logs never go to stdout: with --json they go to
 * stderr, otherwise to `<dataDir>/node.log`, unless --log-file says otherwise (`-` = stderr).
 */
import { closeSync, existsSync, openSync } from 'node:fs';
import { makeDirectory } from '../make-directory.js';
import { dirname, join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { loadConfig, type NodeConfig } from '../config/index.js';
import { appError } from '../errors/index.js';
import { ConnectorNode } from '../node/connector-node.js';
import { createLogger } from '../node/logger.js';
import { CLI_CONFIG_DEFAULTS } from './cli-defaults.js';

export interface NodeFactoryOptions {
  /** --config; undefined: AGENT_RUNTIME_CONFIG, then ./config.yaml, then the embedded defaults. */
  config?: string;
  /** Dotted config paths set by flags (win over file and env). */
  overrides?: Record<string, unknown>;
  /** --log-file: a path, '-' for stderr, or undefined for the default. */
  logFile?: string;
  logLevel?: string;
  /** --json: default logs to stderr rather than the file. */
  json: boolean;
}

export interface BuiltNode {
  node: ConnectorNode;
  config: NodeConfig;
  logger: Logger;
  /** The log file, or undefined for stderr. */
  logFile?: string;
  /** The config file path, or 'defaults'. */
  source: string;
  warnings: readonly string[];
}

/**
 * Loads the config once (to know the data directory and log level), then builds the node with the
 * same inputs. Throws CONFIG_NOT_FOUND for a missing --config file and ConfigError for an invalid one.
 */
export function buildNode(o: NodeFactoryOptions): BuiltNode {
  if (o.config !== undefined && !existsSync(o.config)) throw appError('CONFIG_NOT_FOUND', { path: resolve(o.config) });
  const loaded = loadConfig(o.config, { overrides: o.overrides, defaults: CLI_CONFIG_DEFAULTS });
  const config = loaded.config;
  let logFile: string | undefined;
  if (o.logFile === '-') logFile = undefined;
  else if (o.logFile !== undefined) logFile = resolve(o.logFile);
  else if (!o.json) logFile = join(config.dataDir, 'node.log');
  if (logFile !== undefined) ensureWritable(logFile);
  const logger = createLogger(config.nodeId, o.logLevel ?? config.logLevel, logFile);
  const node = new ConnectorNode(o.config, logger, { overrides: o.overrides, defaults: CLI_CONFIG_DEFAULTS });
  logger.info({ config: loaded.source, logFile: logFile ?? 'stderr' }, loaded.source === 'defaults' ? 'no config file found: using the embedded defaults' : 'config loaded');
  for (const warning of loaded.warnings) logger.warn({ warning }, 'config warning');
  return { node, config, logger, logFile, source: loaded.source, warnings: loaded.warnings };
}

/**
 * Opens (and creates) the log file once, synchronously: pino opens it asynchronously, where a failure
 * would be an unhandled stream error instead of a clean message.
 */
export function ensureWritable(file: string): void {
  try {
    makeDirectory(dirname(file));
    closeSync(openSync(file, 'a'));
  } catch (e) {
    throw appError('INVALID_ARGUMENT', {
      field: 'log file',
      reason: `cannot write ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
      suggestion: "Choose a writable --log-file (or '-' for stderr), or a writable dataDir.",
    });
  }
}
