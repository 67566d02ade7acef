/**
 * THE DASHBOARD SEAM. `start` and `demo` call `runInteractive(node)` when stdout is a terminal and
 * --json is not given. It prints where everything is (left on the screen afterwards), then runs the
 * live dashboard (src/tui) on the alternate screen until the user quits (q, Ctrl-C) or the node
 * emits `node:stopping` (SIGINT/SIGTERM, a duration). The caller then stops the node.
 */
import type { ConnectorNode } from '../node/connector-node.js';
import type * as Tui from '../tui/index.js';

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

/**
 * Loads the dashboard (React and Ink) only when it is shown, and React's production build: the
 * development build times every component render and would cost a busy node a good part of its
 * throughput. `start --json` never loads either.
 */
async function loadDashboard(): Promise<typeof Tui> {
  process.env.NODE_ENV ??= 'production';
  // Ink reads CI / CONTINUOUS_INTEGRATION once, when it loads, and then draws only the last frame.
  // The dashboard is shown on a real terminal only, so such a variable must not freeze it: hide them
  // while Ink loads, then put them back.
  const saved = { CI: process.env.CI, CONTINUOUS_INTEGRATION: process.env.CONTINUOUS_INTEGRATION };
  delete process.env.CI;
  delete process.env.CONTINUOUS_INTEGRATION;
  try {
    return await import('../tui/index.js');
  } finally {
    for (const [k, v] of Object.entries(saved)) if (v !== undefined) process.env[k] = v;
  }
}

/** Shows the running node until the user quits the dashboard or the node begins to stop. */
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

  const { runDashboard } = await loadDashboard();
  const result = await runDashboard(node);
  if (result.reason === 'error') {
    process.stderr.write(`the dashboard failed: ${result.error instanceof Error ? result.error.message : String(result.error)}\n`);
  }
  write(`${result.totals.fulfilled} packets fulfilled, ${result.totals.rejected} rejected`);
  write('stopping…');
}
