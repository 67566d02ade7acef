/**
 * THE DASHBOARD SEAM. `start` and `demo` call `runInteractive(node)` when stdout is a terminal and
 * --json is not given. It prints where everything is, then runs the live dashboard (src/tui) on the
 * alternate screen, its header showing the same addresses, until the user quits (q, Ctrl-C) or the
 * node emits `node:stopping` (SIGINT/SIGTERM, a duration). Back on the normal screen it prints the
 * addresses again (the node's output may have scrolled them away) and the caller stops the node.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
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

/** The node's HTTP and BTP surfaces that answer, most used first (the dashboard header's order). */
export function endpointsOf(node: ConnectorNode): Tui.DashboardEndpoint[] {
  const e = node.endpoints;
  return [
    ...(e.admin ? [{ label: 'admin', url: e.admin }] : []),
    ...(e.explorer ? [{ label: 'explorer', url: e.explorer }] : []),
    ...(e.health ? [{ label: 'health', url: `${e.health}/health` }] : []),
    { label: 'btp', url: `ws://${node.config.btpServerHost}:${e.btp}` },
  ];
}

/** The lines that say where everything is: before the dashboard, and again after it. */
function whereLines(node: ConnectorNode, context: InteractiveContext): string[] {
  const e = node.endpoints;
  const c = node.config;
  return [
    `  ILP address  ${node.ilpAddress}`,
    `  BTP          ws://${c.btpServerHost}:${e.btp}`,
    ...(e.health ? [`  health       ${e.health}/health`] : []),
    `  admin API    ${e.admin ?? 'off (adminApi.enabled: false)'}`,
    `  explorer     ${e.explorer ? `${e.explorer} (open it in a browser)` : 'off (start --explorer, or explorer.enabled: true)'}`,
    `  data dir     ${c.dataDir}`,
    `  config       ${context.configSource === 'defaults' ? 'none found: embedded defaults' : (context.configSource ?? '-')}`,
    `  logs         ${context.logFile ?? 'stderr'}`,
  ];
}

/** Shows the running node until the user quits the dashboard or the node begins to stop. */
export async function runInteractive(node: ConnectorNode, context: InteractiveContext = {}): Promise<void> {
  if (context.title) write(context.title);
  write(`agent-runtime ${node.version}: node ${node.nodeId} is running`);
  for (const line of whereLines(node, context)) write(line);
  for (const w of context.warnings ?? []) write(`  warning: ${w}`);

  const { runDashboard, adminApprovals } = await loadDashboard();
  // The approvals pane decides through the admin API, with the config's key, like the CLI. Only a
  // node with a local policy (in its config, or set at runtime and kept in its data dir) can have any.
  const admin = node.endpoints.admin;
  const asset = { code: node.config.assetCode, scale: node.config.assetScale };
  const local = (node.config.policies as { local?: unknown } | undefined)?.local !== undefined || existsSync(join(node.config.dataDir, 'agents', 'policies.json'));
  const approvals = admin === undefined || !local ? undefined : adminApprovals(admin, node.config.adminApi, asset);
  const result = await runDashboard(node, { endpoints: endpointsOf(node), approvals });
  if (result.reason === 'error') {
    process.stderr.write(`the dashboard failed: ${result.error instanceof Error ? result.error.message : String(result.error)}\n`);
  }
  write(`node ${node.nodeId} was running at`);
  for (const line of whereLines(node, context)) write(line);
  write(`${result.totals.fulfilled} packets fulfilled, ${result.totals.rejected} rejected`);
  write('stopping…');
}
