import { Args } from '@oclif/core';
import { upgradeNotice, validateConfigFile, type ConfigIssue } from '../config/index.js';
import { BaseCommand } from '../cli/base-command.js';
import { CLI_CONFIG_DEFAULTS } from '../cli/cli-defaults.js';
import { err, formatIssue, out } from '../cli/output.js';

/** What `validate --json` prints. */
export interface ValidateResult {
  valid: boolean;
  file: string;
  issues: ConfigIssue[];
  warnings: string[];
  /** Defaults that changed in this release (CHANGELOG "Upgrading"). */
  notice: string;
}

/** `agent-runtime validate <config>`. */
export default class Validate extends BaseCommand {
  static override summary = 'Check a config file against the schema, listing every problem';

  static override description =
    'Check a config file against the real schema, the way `start` would load it (with .env and the environment): ' +
    'every problem is listed with its key path and a hint. Exit code 2 when the config is invalid.';

  static override examples = [
    '<%= config.bin %> validate config.yaml',
    'AGENT_RUNTIME_API_KEY=dev <%= config.bin %> validate examples/production.yaml',
    '<%= config.bin %> validate config.yaml --json | jq ".issues[].path"',
  ];

  static override args = {
    config: Args.string({ description: 'Path of the YAML config file', required: true }),
  };

  async run(): Promise<ValidateResult> {
    const { args } = await this.parse(Validate);
    const r = validateConfigFile(args.config, { defaults: CLI_CONFIG_DEFAULTS });
    const result: ValidateResult = { valid: r.ok, file: args.config, issues: r.issues, warnings: r.warnings, notice: upgradeNotice() };
    if (!this.jsonEnabled()) {
      if (r.ok) out(`${args.config} is valid`);
      else {
        out(`${args.config} is invalid: ${r.issues.length} problem${r.issues.length === 1 ? '' : 's'}`);
        for (const issue of r.issues) out(`  ${formatIssue(issue)}`);
      }
      for (const w of r.warnings) err(`Warning: ${w}`);
      err(`Notice: ${upgradeNotice()}`);
    }
    return this.finish(result, r.ok ? 0 : 2);
  }
}
