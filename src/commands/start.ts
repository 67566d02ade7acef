import { Flags } from '@oclif/core';
import { LOG_LEVELS } from '../config/index.js';
import { BaseCommand } from '../cli/base-command.js';
import { EVENT_GROUPS } from '../cli/ndjson.js';
import { buildNode } from '../cli/node-factory.js';
import { runSession } from '../cli/session.js';

/** `agent-runtime start`. */
export default class Start extends BaseCommand {
  static override summary = 'Run a node in this process until SIGINT or SIGTERM';

  static override description =
    'Run a node in this process until SIGINT or SIGTERM, then stop it gracefully (packets in flight finish, the ledger is flushed) and exit 0.\n' +
    'On a terminal: a live view. Piped or with --json: one JSON event per line on stdout (lifecycle, peers, settlement, channels, ' +
    'stats every second; packets with --events packets). Logs never go to stdout: <dataDir>/node.log by default, stderr with --json.\n' +
    'The config is --config, else $AGENT_RUNTIME_CONFIG, else ./config.yaml, else the embedded defaults.';

  static override examples = [
    '<%= config.bin %> start',
    '<%= config.bin %> start --config config.yaml',
    '<%= config.bin %> start --config config.yaml --explorer',
    '<%= config.bin %> start --config config.yaml --json --events packets | jq -c "select(.type == \\"packet:fulfilled\\")"',
    '<%= config.bin %> start --btp-port 0 --health-port 0 --admin-port 0 --data-dir /tmp/node-a --json',
  ];

  static override flags = {
    config: Flags.string({ char: 'c', description: 'Config file (YAML)', helpValue: '<path>' }),
    events: Flags.string({
      description: 'Also stream these events as NDJSON: packets (packet:*), balances (balance:changed), all',
      options: [...EVENT_GROUPS],
      multiple: true,
      delimiter: ',',
    }),
    'log-file': Flags.string({ description: "Write logs to this file ('-' = stderr) [default: <dataDir>/node.log; stderr with --json]" }),
    'log-level': Flags.string({ description: 'Log level [default: logLevel from the config]', options: [...LOG_LEVELS] }),
    'data-dir': Flags.string({ description: 'Override dataDir' }),
    'btp-port': Flags.integer({ description: 'Override btpServerPort (0 = any free port)', min: 0, max: 65535 }),
    'health-port': Flags.integer({ description: 'Override healthCheckPort (0 = any free port)', min: 0, max: 65535 }),
    'admin-port': Flags.integer({ description: 'Override adminApi.port (0 = any free port)', min: 0, max: 65535 }),
    explorer: Flags.boolean({
      description: 'Serve the explorer web UI (explorer.enabled; default 127.0.0.1:3001): its URL is in the dashboard header and node:started',
      allowNo: true,
    }),
    'explorer-port': Flags.integer({ description: 'Override explorer.port (0 = any free port)', min: 0, max: 65535 }),
  };

  protected override streaming = true;

  /** Streams events or shows the live view; prints no final JSON document (the events are the output). */
  async run(): Promise<void> {
    const { flags } = await this.parse(Start);
    const json = this.jsonEnabled();
    const built = buildNode({
      config: flags.config,
      json,
      logFile: flags['log-file'],
      logLevel: flags['log-level'],
      overrides: {
        dataDir: flags['data-dir'],
        btpServerPort: flags['btp-port'],
        healthCheckPort: flags['health-port'],
        'adminApi.port': flags['admin-port'],
        'explorer.enabled': flags.explorer,
        'explorer.port': flags['explorer-port'],
      },
    });
    this.errorContext = { config: built.config, dataDir: built.config.dataDir };
    const { node, logger } = built;
    const reason = await runSession({
      view: node,
      start: () => node.start(),
      stop: () => node.stop(),
      interactive: process.stdout.isTTY === true && !json,
      groups: (flags.events ?? []) as (typeof EVENT_GROUPS)[number][],
      context: { logFile: built.logFile, configSource: built.source, warnings: built.warnings },
    });
    logger.info({ reason }, 'node stopped');
    logger.flush();
  }
}
