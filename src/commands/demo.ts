import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Flags } from '@oclif/core';
import { LOG_LEVELS } from '../config/index.js';
import { appError } from '../errors/index.js';
import { createLogger } from '../node/logger.js';
import { BaseCommand } from '../cli/base-command.js';
import { DemoNetwork } from '../cli/demo-network.js';
import { EVENT_GROUPS, type EventGroup } from '../cli/ndjson.js';
import { ensureWritable } from '../cli/node-factory.js';
import { runSession } from '../cli/session.js';
import { findAnvil } from '../settlement/chains/evm/anvil.js';

/** `agent-runtime demo`. */
export default class Demo extends BaseCommand {
  static override summary = 'Run a three-node demo network (alice -> hub -> bob) in this process';

  static override description =
    'Run a small local network in this process: three real nodes (alice, hub, bob) on loopback ephemeral ports, hub the parent of ' +
    'alice and bob. Alice pays Bob a message every 200 ms; Bob answers each one; the hub keeps its fee. Shows the hub like `start` ' +
    '(a live view on a terminal, NDJSON events when piped or with --json). Data lives in a temporary directory removed on exit.';

  static override examples = [
    '<%= config.bin %> demo',
    '<%= config.bin %> demo --duration 5 --json --events packets | jq -c "select(.type == \\"packet:fulfilled\\") | {destination, amount, fee}"',
    '<%= config.bin %> demo --interval 50 --amount 5000',
  ];

  static override flags = {
    duration: Flags.integer({ description: 'Stop by itself after this many seconds', min: 1 }),
    interval: Flags.integer({ description: 'ms between payments', default: 200, min: 1 }),
    amount: Flags.string({ description: 'Amount of each payment (asset units)', default: '1000' }),
    events: Flags.string({ description: 'Also stream these events as NDJSON', options: [...EVENT_GROUPS], multiple: true, delimiter: ',' }),
    'log-file': Flags.string({ description: 'Write logs to this file [default: stderr]' }),
    'log-level': Flags.string({ description: 'Log level', options: [...LOG_LEVELS], default: 'warn' }),
    chain: Flags.boolean({
      description: 'Settle on a local anvil chain (payment channels, claims, on-chain redemptions) when anvil is installed',
      default: true,
      allowNo: true,
    }),
  };

  protected override streaming = true;

  /** Streams the hub's events or shows it live; prints no final JSON document (the events are the output). */
  async run(): Promise<void> {
    const { flags } = await this.parse(Demo);
    if (!/^[0-9]+$/.test(flags.amount)) throw appError('INVALID_ARGUMENT', { field: '--amount', reason: 'must be an unsigned integer (asset units)' });
    const json = this.jsonEnabled();
    const logFile = flags['log-file'] === undefined ? undefined : resolve(flags['log-file']);
    if (logFile !== undefined) ensureWritable(logFile);
    const logger = createLogger('demo', flags['log-level'], logFile);
    const baseDir = mkdtempSync(join(tmpdir(), 'agent-runtime-demo-'));
    // With anvil installed: a throwaway chain, our contracts, and channels alice -> hub -> bob (src/settlement/demo-*.ts).
    const chain = flags.chain && findAnvil() !== undefined ? await (await import('../settlement/demo-chain.js')).startDemoChain() : undefined;
    try {
      const extensions = chain === undefined ? [] : [(await import('../settlement/demo-settlement.js')).demoSettlement(chain)];
      const net = new DemoNetwork({ baseDir, logger, intervalMs: flags.interval, amount: BigInt(flags.amount), extensions });
      const reason = await runSession({
        view: net.hub,
        start: () => net.start(),
        stop: () => net.stop(),
        interactive: process.stdout.isTTY === true && !json,
        groups: (flags.events ?? []) as EventGroup[],
        durationMs: flags.duration === undefined ? undefined : flags.duration * 1000,
        context: { title: 'demo: alice -> hub -> bob (alice pays bob a message every few hundred ms)', logFile },
      });
      logger.info({ reason, ...net.totals }, 'demo stopped');
    } finally {
      await chain?.stop();
      rmSync(baseDir, { recursive: true, force: true });
      logger.flush();
    }
  }
}
