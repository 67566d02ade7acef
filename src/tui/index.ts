/** The live terminal dashboard. The core never imports this folder. */
export { runDashboard, type DashboardResult, type RunDashboardOptions } from './run-dashboard.js';
export { DashboardApp, type DashboardAppProps } from './app.js';
export { DashboardFeed } from './feed.js';
export type { DashboardEndpoint, DashboardPeer, DashboardRoute, DashboardSource } from './source.js';
export { adminApprovals } from './approvals/admin-approvals.js';
export type { DashboardApprovals, PendingApproval } from './approvals/types.js';
