/** Catalogue entries of the cluster (`cluster.enabled`, src/cluster). */
import type { CatalogueEntry } from './catalogue.js';

export const clusterEntries = {
  CLUSTER_INSTANCE_IN_USE: {
    message: 'Cluster instance id {instanceId} is already used by a live instance on {database}',
    exitCode: 1,
    suggestion: 'Give each instance its own cluster.instanceId (or leave it unset: <hostname>-<pid>), or stop the other process first.',
  },
} as const satisfies Record<string, CatalogueEntry>;
