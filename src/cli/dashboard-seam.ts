/**
 * THE DASHBOARD SEAM. `start` and `demo` call `runInteractive(node)` when stdout is a terminal and
 * --json is not given. The Ink dashboard replaces the body of this function (and only it): it should
 * render from `node.events` (subscribe + snapshot) and resolve when the user quits it. The caller then
 * stops the node; it also stops the node on SIGINT/SIGTERM, and this function must resolve once the node
 * emits `node:stopping`.
 *
 * Until then, this prints where everything is and one line per `node:stats` event.
 */
import type { ConnectorNode } from '../node/connector-node.js';
import type { NodeEvent } from '../node/events.js';

/** What the caller knows besides the node. */
export interface InteractiveContext {
  /** Where the node's log lines go (a file path), or undefined for stderr. */
  logFile?: string;
  /** The config file, or 'defaults' when none was found. */
  configSource?: string;
  /** Config warnings to show once. */
  warnings?: readonly string[];
  /** A title line, e.g. "demo: alice -> hub -> bob". */
  title?: string;
}

const write = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

/** Shows the running node until it stops (or, with the dashboard, until the user quits). */
export async function runInteractive(node: ConnectorNode, context: InteractiveContext = {}): Promise<void> {
  const e = node.endpoints;
  const c = node.config;
  if (context.title) write(context.title);
  write(`agent-runtime ${node.version}: node ${node.nodeId} is running`);
  write(`  ILP address  ${node.ilpAddress}`);
  write(`  BTP          ws://${c.btpServerHost}:${e.btp}`);
  if (e.health) write(`  health       ${e.health}/health`);
  write(`  admin API    ${e.admin ?? 'off (adminApi.enabled: false)'}`);
  write(`  data dir     ${c.dataDir}`);
  write(`  config       ${context.configSource === 'defaults' ? 'none found: embedded defaults' : (context.configSource ?? '-')}`);
  write(`  logs         ${context.logFile ?? 'stderr'}`);
  for (const w of context.warnings ?? []) write(`  warning: ${w}`);
  write('Press Ctrl-C to stop.');

  await new Promise<void>((resolve) => {
    const unsubscribe = node.events.subscribe((batch: readonly NodeEvent[]) => {
      for (const ev of batch) {
        if (ev.type === 'node:stats') {
          const peers = node.listPeers();
          const up = peers.filter((p) => p.connected).length;
          write(
            `${new Date(ev.ts).toISOString().slice(11, 19)}  ${ev.fulfilledPerSec} fulfilled/s  ${ev.rejectedPerSec} rejected/s  ` +
              `in flight ${ev.inFlight}  total ${ev.totalFulfilled} fulfilled ${ev.totalRejected} rejected  peers ${up}/${peers.length}`,
          );
        } else if (ev.type === 'peer:connected' || ev.type === 'peer:disconnected') {
          write(`${new Date(ev.ts).toISOString().slice(11, 19)}  ${ev.type === 'peer:connected' ? 'connected' : 'disconnected'}: ${ev.peerId}`);
        } else if (ev.type === 'node:stopping') {
          write('stopping…');
          unsubscribe();
          resolve();
        }
      }
    });
  });
}
