/**
 * What the agent-runtime targets' configs (targets.ts for a, r, p, s; http-target.ts for h) share.
 */

/** Credit limit of both peers: far above anything a run books. */
export const CREDIT_LIMIT = '1000000000000000000';

/**
 * The lines every agent-runtime target's config starts with: the node (bench, g.bench), its data
 * folder and ports, the admin API (with `adminExtra` lines under it) and metrics on.
 */
export function benchNodeYaml(p: { btpPort: number; healthPort: number; adminPort: number; dataDir: string }, adminExtra: readonly string[] = []): string[] {
  return [
    'nodeId: bench',
    'ilpAddress: g.bench',
    `dataDir: ${JSON.stringify(p.dataDir)}`,
    `btpServerPort: ${p.btpPort}`,
    `healthCheckPort: ${p.healthPort}`,
    'adminApi:',
    '  enabled: true',
    `  port: ${p.adminPort}`,
    ...adminExtra,
    'metrics:',
    '  enabled: true',
  ];
}
