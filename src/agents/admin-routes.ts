/**
 * Admin routes of the agents module: policies (read; replace with the admin scope) and approvals
 * (read; decide with the approve scope). Bodies carry amounts as decimal strings.
 */
import type { AdminRoutePlugin } from '../node/http/admin-server.js';
import type { ApprovalQueue } from './approvals.js';
import type { Policies } from './policies.js';
import { callerOf, type ScopeRouteConfig } from './scopes.js';
import type { Quote } from './quote.js';
import { appError } from '../errors/index.js';
import { ilpAddress, uint64String } from '../node/http/schemas.js';

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

const quoteQuery = {
  type: 'object',
  required: ['destination', 'amount'],
  additionalProperties: false,
  properties: {
    destination: ilpAddress,
    amount: { ...uint64String, description: 'raw units of the node asset, a decimal string' },
  },
} as const;

/** The routes, as an admin route plugin. */
export function agentAdminRoutes(policies: Policies, approvals: ApprovalQueue, quote: (destination: string, amount: bigint) => Quote | undefined): AdminRoutePlugin {
  return (app) => {
    app.get<{ Querystring: { destination: string; amount: string } }>('/admin/quote', { schema: { querystring: quoteQuery } }, (request) => {
      const amount = BigInt(request.query.amount);
      if (amount > 0xffff_ffff_ffff_ffffn) throw appError('INVALID_ARGUMENT', { field: 'amount', reason: 'exceeds UInt64' });
      const q = quote(request.query.destination, amount);
      if (q === undefined) throw appError('NOT_READY');
      return q;
    });

    app.get('/admin/policies', () => policies.view());

    app.put<{ Body: unknown }>('/admin/policies', { schema: { body: { type: 'object' } }, config: { scope: 'admin' } satisfies ScopeRouteConfig }, async (request) => {
      await policies.set(request.body);
      return policies.view();
    });

    app.get('/admin/approvals', async () => {
      const all = await approvals.listAll();
      return { pending: all.filter((a) => a.status === 'pending').length, approvals: all };
    });

    app.get<{ Params: { id: string } }>('/admin/approvals/:id', { schema: { params: idParams } }, (request) => approvals.find(request.params.id));

    app.post<{ Params: { id: string }; Body: { decision: 'approve' | 'deny' } }>(
      '/admin/approvals/:id',
      { schema: { params: idParams, body: decisionBody }, config: { scope: 'approve' } satisfies ScopeRouteConfig },
      (request) => approvals.decideAnywhere(request.params.id, request.body.decision === 'approve', callerOf(request).name),
    );
  };
}
