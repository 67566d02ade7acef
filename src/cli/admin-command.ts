/**
 * The base of commands that drive a running node through its admin API: `--url` and `--api-key`.
 *
 * Precedence: the flag, then the environment (AGENT_RUNTIME_URL, AGENT_RUNTIME_API_KEY), then the
 * `.env` in the current directory (what `agent-runtime setup` writes next to config.yaml), then the
 * default URL http://127.0.0.1:8081 and no key.
 */
import { Flags } from '@oclif/core';
import { readLocalEnv } from './dotenv.js';
import { AdminClient, DEFAULT_ADMIN_URL } from './admin-client.js';
import { BaseCommand } from './base-command.js';

export abstract class AdminCommand extends BaseCommand {
  static override baseFlags = {
    url: Flags.string({
      description: `Admin API URL of the node [env: AGENT_RUNTIME_URL, else .env, default: ${DEFAULT_ADMIN_URL}]`,
      helpValue: '<url>',
    }),
    'api-key': Flags.string({
      description: 'Admin API key, sent as X-Api-Key [env: AGENT_RUNTIME_API_KEY, else .env]',
      helpValue: '<key>',
    }),
  };

  /** The admin client for the parsed --url / --api-key (see the precedence above). */
  protected client(flags: { url?: string; 'api-key'?: string }, timeoutMs?: number): AdminClient {
    const dotenv = readLocalEnv(process.cwd());
    const pick = (flag: string | undefined, name: string): string | undefined => {
      for (const v of [flag, process.env[name], dotenv[name]]) if (v !== undefined && v !== '') return v;
      return undefined;
    };
    const url = pick(flags.url, 'AGENT_RUNTIME_URL') ?? DEFAULT_ADMIN_URL;
    return new AdminClient(url, pick(flags['api-key'], 'AGENT_RUNTIME_API_KEY'), timeoutMs);
  }
}
