/**
 * Schema of `cluster`: several node processes as one logical node on one PostgreSQL ledger
 * (docs/scaling.md). Off by default; on, it needs `ledger.backend: postgres`.
 */
import { z } from 'zod';
import { key, positiveInt } from './fields.js';

/** An instance id: letters, digits, `_ ~ - .` (a host name fits). */
export const INSTANCE_ID_PATTERN = /^[a-zA-Z0-9_.~-]+$/;

export const clusterSchema = z.strictObject({
  enabled: key(z.boolean().default(false), {
    description: 'Run as one instance of a cluster sharing ledger.postgres (needs ledger.backend: postgres): instance registry, one link per peer in the cluster.',
  }),
  instanceId: key(z.string().regex(INSTANCE_ID_PATTERN, 'must match [a-zA-Z0-9_.~-]+').max(128).optional(), {
    description: 'This instance\'s id in the cluster, unique among live instances (default: <hostname>-<pid>).',
  }),
  heartbeatMs: key(positiveInt(1000), { description: 'How often this instance writes its heartbeat row (ms).' }),
  deadAfterMs: key(positiveInt(5000), { description: 'An instance whose heartbeat is older than this is seen dead (ms); must exceed heartbeatMs.' }),
  leaseCheckMs: key(positiveInt(500), { description: 'How often this instance tries to take the links of dialled peers no live instance holds (ms).' }),
  balanceRefreshMs: key(positiveInt(500), { description: 'How often this instance reads the balances other instances booked (ms).' }),
});

type ClusterRuleInput = { cluster: z.output<typeof clusterSchema>; ledger: { backend: string } };

/** Cross-field rules of `cluster`. */
export function checkClusterRules(c: ClusterRuleInput, ctx: z.RefinementCtx<unknown>): void {
  if (!c.cluster.enabled) return;
  if (c.ledger.backend !== 'postgres') {
    ctx.addIssue({
      code: 'custom',
      path: ['cluster', 'enabled'],
      message: 'a cluster needs ledger.backend: postgres (the instances share one PostgreSQL ledger)',
      params: { hint: 'set ledger.backend: postgres and ledger.postgres.url, or remove cluster.enabled', keys: ['cluster.enabled', 'ledger.backend'] },
    });
  }
  if (c.cluster.deadAfterMs <= c.cluster.heartbeatMs) {
    ctx.addIssue({
      code: 'custom',
      path: ['cluster', 'deadAfterMs'],
      message: `must exceed cluster.heartbeatMs (${c.cluster.heartbeatMs}): a live instance would be seen dead between two heartbeats`,
      params: { hint: 'set cluster.deadAfterMs to a few heartbeats (e.g. 5 × heartbeatMs)', keys: ['cluster.deadAfterMs', 'cluster.heartbeatMs'] },
    });
  }
}
