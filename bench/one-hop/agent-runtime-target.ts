/**
 * Target (a'): agent-runtime started through the library, for as long as `bin/run.js start` is not built.
 *
 *   node --import tsx bench/one-hop/agent-runtime-target.ts <config.yaml>
 *
 * Does what `agent-runtime start` does with stdout not a terminal: `new ConnectorNode(path)` with the CLI's config defaults, an event
 * subscriber that prints lifecycle, peer, settlement and stats events as NDJSON (per-packet events are
 * built by the node, since a listener is attached, and filtered out here, as `start` does without
 * `--events packets`), and a graceful stop on SIGTERM/SIGINT.
 */
import { CLI_CONFIG_DEFAULTS } from '../../src/cli/cli-defaults.js';
import { ConnectorNode } from '../../src/index.js';

/** Events `start` prints by default: everything but per-packet and per-balance ones. */
function printed(type: string): boolean {
  return !type.startsWith('packet:') && type !== 'balance:changed';
}

async function main(): Promise<void> {
  const path = process.argv[2];
  if (!path) throw new Error('usage: agent-runtime-target.ts <config.yaml>');
  // with the CLI's defaults (admin API on), as `start` reads a config
  const node = new ConnectorNode(path, undefined, { defaults: CLI_CONFIG_DEFAULTS });
  node.events.subscribe((batch) => {
    let out = '';
    for (const e of batch) if (printed(e.type)) out += `${JSON.stringify(e)}\n`;
    if (out) process.stdout.write(out);
  });
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => process.exit(0), 5000).unref();
    node.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  await node.start();
}

main().catch((err: unknown) => {
  process.stderr.write(`agent-runtime target: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
