/**
 * One cluster instance as its own process, for the cluster tests: `node --import tsx
 * test/cluster/instance-process.ts` with the node's config as JSON in CLUSTER_TEST_CONFIG. Prints one
 * line `{"type":"ready",...}` with its ports once started; SIGTERM stops it gracefully.
 */
import { ConnectorNode } from '../../src/index.js';
import { createLogger } from '../../src/node/logger.js';

const config = JSON.parse(process.env.CLUSTER_TEST_CONFIG ?? '{}') as { nodeId: string; logLevel?: string };
const node = new ConnectorNode(config as never, createLogger(config.nodeId, (config.logLevel ?? 'warn')), { env: {} });
// payments addressed to the hub itself are accepted (fulfillment = sha256(data))
node.setPacketHandler(() => ({ accept: true }));
process.on('SIGTERM', () => {
  void node.stop().finally(() => process.exit(0));
});
try {
  await node.start();
  const e = node.endpoints;
  process.stdout.write(`${JSON.stringify({ type: 'ready', pid: process.pid, btpPort: e.btp, admin: e.admin, health: e.health })}\n`);
} catch (err) {
  process.stderr.write(`start failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
}
