// A warm standby node process for the settlement crash harnesses (crash-harness.ts StandbyNode): loads
// the built node's code (the CLI's node factory, the settlement engine, the chain's adapter and SDK:
// ethers for evm, xrpl for xrpl) at once, then
// waits for a line on stdin and only then builds the node from its config file exactly as
// `agent-runtime start --config <file> --json` does, starts it and prints the node:started line. The
// harness keeps one ready per node, so a node killed with SIGKILL is replaced without paying for
// module loading on a loaded machine (about 20 s at load 30).
//
//   node --import tsx standby-node.ts <dist folder of a built CLI> <config.yaml> [evm|xrpl (default evm)]
// (only this file goes through tsx: the node's code is the built JavaScript.)
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [dist, config, chain = 'evm'] = process.argv.slice(2) as [string, string, string?];
const load = (file: string): Promise<Record<string, unknown>> => import(pathToFileURL(join(dist, file)).href) as Promise<Record<string, unknown>>;
/** The part of the built node factory this uses. */
interface Built {
  node: {
    btpPort: number;
    endpoints: { admin?: string };
    events: { subscribe(fn: (batch: { type: string }[]) => void): void };
    start(): Promise<void>;
  };
}
const { buildNode } = (await load('cli/node-factory.js')) as { buildNode: (o: { config: string; json: boolean; logLevel: string; logFile: string }) => Built };
await load('settlement/index.js');
if (chain === 'xrpl') {
  await load('settlement/chains/xrpl/xrpl-chain.js');
  await import('xrpl');
} else {
  await load('settlement/chains/evm/evm-chain.js');
  await import('ethers');
}
process.stdout.write('{"type":"standby:ready"}\n');

const lines = createInterface({ input: process.stdin });
lines.once('line', () => {
  lines.close();
  const { node } = buildNode({ config, json: true, logLevel: 'warn', logFile: '-' });
  node.events.subscribe((batch) => {
    for (const e of batch) if (e.type === 'settlement:tx') process.stdout.write(`${JSON.stringify(e)}\n`);
  });
  node.start().then(
    () => process.stdout.write(`${JSON.stringify({ type: 'node:started', btpPort: node.btpPort, adminUrl: node.endpoints.admin })}\n`),
    (err: unknown) => {
      process.stderr.write(`start failed: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(1);
    },
  );
});
