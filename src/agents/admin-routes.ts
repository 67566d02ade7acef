/**
 * Admin routes of the agents module: policies (read; replace with the admin scope) and approvals
 * (read; decide with the approve scope). Bodies carry amounts as decimal strings.
 */
import type { AdminRoutePlugin } from '../node/http/admin-server.js';
import type { ApprovalQueue } from './approvals.js';
import type { Policies } from './policies.js';
import { callerOf, type ScopeRouteConfig } from './scopes.js';

const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 100 } },
} as const;

const decisionBody = {
  type: 'object',
  required: ['decision'],
  additionalProperties: false,
  properties: { decision: { type: 'string', enum: ['approve', 'deny'], description: '"approve" or "deny"' } },
} as const;

/** The routes, as an admin route plugin. */
export function agentAdminRoutes(policies: Policies, approvals: ApprovalQueue): AdminRoutePlugin {
  return (app) => {
    app.get('/admin/policies', () => policies.view());

    app.put<{ Body: unknown }>('/admin/policies', { schema: { body: { type: 'object' } }, config: { scope: 'admin' } satisfies ScopeRouteConfig }, async (request) => {
      await policies.set(request.body);
      return policies.view();
    });

    app.get('/admin/approvals', () => ({ pending: approvals.pendingCount, approvals: approvals.list() }));

    app.get<{ Params: { id: string } }>('/admin/approvals/:id', { schema: { params: idParams } }, (request) => approvals.get(request.params.id));

    app.post<{ Params: { id: string }; Body: { decision: 'approve' | 'deny' } }>(
      '/admin/approvals/:id',
      { schema: { params: idParams, body: decisionBody }, config: { scope: 'approve' } satisfies ScopeRouteConfig },
      (request) => approvals.decide(request.params.id, request.body.decision === 'approve', callerOf(request).name),
    );
  };
}
