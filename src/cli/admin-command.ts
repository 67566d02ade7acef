/**
 * The base of commands that drive a running node through its admin API: `--url`, `--api-key` and
 * `--config` choose the node (src/cli/find-node.ts: the flag, then AGENT_RUNTIME_URL from the
 * environment or ./.env, then the admin address of --config / AGENT_RUNTIME_CONFIG / ./config.yaml,
 * then http://127.0.0.1:8081), resolved once before run(); a config in play also names the node that
 * must answer.
 */
import { Flags } from '@oclif/core';
import type { AdminClient } from './admin-client.js';
import { DEFAULT_ADMIN_URL } from './admin-client.js';
import { BaseCommand } from './base-command.js';
import { TargetClient, findNode, type NodeFlags, type NodeTarget } from './find-node.js';

export abstract class AdminCommand extends BaseCommand {
  static override baseFlags = {
    url: Flags.string({
      description: `Admin API URL of the node [env: AGENT_RUNTIME_URL, else .env, else the admin address in --config or ./config.yaml, else ${DEFAULT_ADMIN_URL}]`,
      helpValue: '<url>',
    }),
    'api-key': Flags.string({
      description: 'Admin API key, sent as X-Api-Key [env: AGENT_RUNTIME_API_KEY, else .env, else adminApi.apiKey of the config]',
      helpValue: '<key>',
    }),
    config: Flags.string({
      char: 'c',
      description: "The node's config file: the CLI uses its admin address and key, and checks the answering node's id [env: AGENT_RUNTIME_CONFIG, default: ./config.yaml when present]",
      helpValue: '<path>',
    }),
  };

  private target: NodeTarget | undefined;
  private targetError: Error | undefined;

  /**
   * Finds the node before run(). A failure (a broken config, no admin address) is kept for client():
   * a command that never needs the admin API (`ledger verify` on a stopped node) does not fail on it.
   */
  override async init(): Promise<void> {
    await super.init();
    const { flags } = await this.parse(this.constructor as typeof AdminCommand);
    try {
      this.target = await findNode(flags);
    } catch (e) {
      this.targetError = e instanceof Error ? e : new Error(String(e));
    }
  }

  /** The admin client of the node this command talks to (see the precedence above). */
  protected client(_flags: NodeFlags, timeoutMs?: number): AdminClient {
    if (this.target === undefined) throw this.targetError ?? new Error('AdminCommand.client() called before init()');
    return new TargetClient(this.target, timeoutMs);
  }
}
