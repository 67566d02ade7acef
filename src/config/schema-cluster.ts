/**
 * Schema of `cluster`: several node processes as one logical node on one PostgreSQL ledger
 * (docs/scaling.md). Off by default; on, it needs `ledger.backend: postgres`.
 */
import { z } from 'zod';
import { hostField, key, portField, positiveInt, secretField } from './fields.js';

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
  secret: key(secretField().optional(), {
    description: 'The cluster secret (the same in every instance): a packet whose next hop is served by another instance is forwarded to it over the internal link, authenticated with this. Unset: no forwarding (such a packet gets T01).',
    secret: true,
    env: 'AGENT_RUNTIME_CLUSTER_SECRET',
  }),
  forwardHost: key(hostField('127.0.0.1'), {
    type: 'host',
    description: 'Bind address of the internal forwarding listener (on with cluster.secret); other instances must reach it.',
  }),
  forwardPort: key(portField(0), { description: 'Port of the internal forwarding listener (0 = any free port; instances advertise theirs in the registry).' }),
  advertiseHost: key(hostField('127.0.0.1').unwrap().optional(), {
    type: 'host',
    description: 'The host other instances dial to reach this one\'s forwarding listener (default: cluster.forwardHost; set it when that is 0.0.0.0).',
  }),
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
