import { Flags } from '@oclif/core';
import { appError } from '../errors/index.js';
import type { HealthReport } from '../node/types.js';
import { AdminCommand } from '../cli/admin-command.js';
import { err, formatUptime, out } from '../cli/output.js';

/** The seed's exit codes: 0 healthy, 2 degraded, 1 for anything else (starting, unhealthy, unreachable). */
const EXIT: Record<string, number> = { healthy: 0, degraded: 2 };

/** `agent-runtime health`: GET {url}/health and report. */
export default class Health extends AdminCommand {
  static override summary = "Check a running node's health (exit 0 healthy, 2 degraded, 1 otherwise)";

  static override description =
    'Check the health of a running node: status, uptime, peers and the reasons behind the status.\n' +
    'Exit code 0 when healthy, 2 when degraded, 1 when starting, unhealthy or unreachable.';

  static override examples = [
    '<%= config.bin %> health',
    '<%= config.bin %> health --url http://127.0.0.1:8080',
    '<%= config.bin %> health --json | jq .status',
  ];

  static override flags = {
    timeout: Flags.integer({ description: 'How long to wait for the answer (ms)', default: 5000, min: 1 }),
  };

  async run(): Promise<HealthReport> {
    const { flags } = await this.parse(Health);
    const client = this.client(flags, flags.timeout);
    const r = await client.raw('GET', '/health');
    const report = r.body as HealthReport | undefined;
    if (typeof report?.status !== 'string') throw appError('UNEXPECTED_RESPONSE', { url: client.baseUrl, status: r.status });
    if (!this.jsonEnabled()) print(report);
    const code = EXIT[report.status] ?? 1;
    if (code === 1 && !this.jsonEnabled()) {
      const hint = appError('NODE_UNHEALTHY', { status: report.status, reasons: (report.reasons ?? []).join('; ') || 'no reason given' });
      err(`${hint.message}`);
      if (hint.suggestion) err(`  Hint: ${hint.suggestion}`);
    }
    return this.finish(report, code);
  }
}

function print(h: HealthReport): void {
  const who = [h.nodeId, h.ilpAddress, h.version ? `v${h.version}` : undefined].filter(Boolean).join('  ');
  out(`${h.status.toUpperCase()}  ${who}`);
  if (typeof h.uptime === 'number') out(`uptime  ${formatUptime(h.uptime)}`);
  if (typeof h.totalPeers === 'number') out(`peers   ${h.peersConnected}/${h.totalPeers} connected`);
  for (const p of h.checks?.peers ?? []) out(`  ${p.id}  ${p.connected ? 'connected' : 'disconnected'}`);
  if ((h.reasons ?? []).length > 0) {
    out('reasons:');
    for (const reason of h.reasons) out(`  - ${reason}`);
  }
}
