/**
 * The node's health as the dashboard keeps it, read about once a second (feed.ts): uptime, status and,
 * on a cluster instance, the cluster fields (cluster.ts).
 */
import { clusterView, type ClusterHealthInput } from './cluster.js';
import type { DashboardStore } from './dashboard-store.js';

/** What the dashboard reads of the node's health report. */
export interface HealthInput {
  /** s */
  uptime: number;
  status: string;
  cluster?: ClusterHealthInput;
}

/** Records the node's health (uptime in s, status, cluster fields) as read at `now`. */
export function refreshHealth(s: DashboardStore, h: HealthInput, ilpAddress: string, now = Date.now()): void {
  s.uptimeSec = h.uptime;
  s.uptimeAt = now;
  if (!s.stopping) s.status = h.status;
  s.ilpAddress = ilpAddress;
  s.cluster = clusterView(h.cluster);
  s.version++;
}
